"""Helpers shared by the displays: matplotlib on demand, image shapes, and
the checks of their arguments."""

import numpy as np

from .._image_shape import square_side


def _pyplot(caller):
    """``matplotlib.pyplot``, or an ImportError that says how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            f"{caller} needs matplotlib, which is not installed. Install it with "
            'pip install "skmlp[plot]" (or pip install matplotlib).'
        ) from exc
    return plt


def _axes_and_figure(ax, figsize, caller):
    """``ax`` and its figure, or a new figure of ``figsize`` inches and its axes."""
    if ax is not None:
        return ax, ax.figure
    plt = _pyplot(caller)
    figure, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax, figure


def _final_step(estimator):
    """The last step of a pipeline, or the estimator itself: the network."""
    return estimator[-1] if hasattr(estimator, "steps") else estimator


def infer_image_shape(n_features, image_shape=None):
    """The (rows, columns) of images flattened into ``n_features`` values.

    Parameters
    ----------
    n_features : int
        Number of values in one flattened image.

    image_shape : tuple of int (rows, columns), default=None
        The shape, if known. When None, the images must be square.

    Returns
    -------
    image_shape : tuple of int
        ``(rows, columns)`` with ``rows * columns == n_features``.

    Raises
    ------
    ValueError
        If ``image_shape`` does not hold ``n_features`` values, or if it is None
        and ``n_features`` is not a perfect square.

    Examples
    --------
    >>> from skmlp.plotting import infer_image_shape
    >>> infer_image_shape(784)
    (28, 28)
    >>> infer_image_shape(12, image_shape=(3, 4))
    (3, 4)
    """
    n_features = int(n_features)
    if image_shape is not None:
        rows, columns = (int(size) for size in image_shape)
        if rows < 1 or columns < 1 or rows * columns != n_features:
            raise ValueError(
                f"image_shape={tuple(image_shape)} does not fit {n_features} "
                f"features: rows * columns must equal {n_features}."
            )
        return rows, columns
    side = square_side(n_features)
    if side is None:
        raise ValueError(
            f"Cannot infer the image shape: {n_features} features are not the "
            "pixels of a square image. Pass image_shape=(rows, columns)."
        )
    return side, side


def _as_images(X, image_shape, name="X"):
    """X of shape (n, rows * columns) as float images of shape (n, rows, columns)."""
    X = np.asarray(X, dtype=float)
    if X.ndim == 3:
        if image_shape is not None and X.shape[1:] != tuple(image_shape):
            raise ValueError(
                f"{name} holds images of shape {X.shape[1:]}, not image_shape="
                f"{tuple(image_shape)}."
            )
        return X
    if X.ndim != 2:
        raise ValueError(
            f"{name} must be of shape (n_samples, n_features) or (n_samples, rows, "
            f"columns); got an array of shape {X.shape}."
        )
    rows, columns = infer_image_shape(X.shape[1], image_shape)
    return X.reshape(X.shape[0], rows, columns)


def _check_count(value, name):
    """A number of images or units to show: a positive integer (a negative one
    would silently slice from the end)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")


def _check_n_cols(n_cols):
    if n_cols is not None and (not isinstance(n_cols, int | np.integer) or n_cols < 1):
        raise ValueError(f"n_cols must be a positive integer or None, got {n_cols!r}.")
