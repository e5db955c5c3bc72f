"""Training images beside the random distortions that augmentation makes of
them."""

import numbers

import numpy as np
from sklearn.utils import check_array, check_random_state

from ..augmentation import DigitAugmentation
from ._image_grid import _CaptionedImageGridDisplay
from ._utils import _as_images, _check_count, _final_step


class AugmentedDigitsDisplay(_CaptionedImageGridDisplay):
    """Training images, each followed by random distortions of it.

    One row per image: the image as it is, then its distortions at the first
    ``n_draws`` epochs of a fit, as training with ``augment`` draws them (each
    epoch distorts each image anew). Use it to see what augmentation settings
    do before training with them.

    Parameters
    ----------
    images : ndarray of shape (n_images, rows, columns)
        The images as they are.

    distorted : ndarray of shape (n_images, n_draws, rows, columns)
        Distortions of each image.

    labels : array-like of shape (n_images,), default=None
        Label of each image, shown under it; no captions when None.

    display_labels : array-like or dict, default=None
        Names to show for the labels: indexed by the label (a list, such as
        Fashion-MNIST's class names) or keyed by it (a dict).

    Attributes
    ----------
    ax_ : matplotlib Axes
        The axes drawn on (axis lines off).

    figure_ : matplotlib Figure
        The figure holding the axes.

    image_ : matplotlib AxesImage
        All the images, drawn as one mosaic.

    texts_ : ndarray of matplotlib Text, shape (n_images * (1 + n_draws), 1) \
            or (n_images * (1 + n_draws), 0)
        The captions, row by row of the grid: the label under each image as
        it is, None under its distortions.

    See Also
    --------
    skmlp.augmentation.DigitAugmentation : the distortions and their settings.
    DigitsGridDisplay : images and their labels.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from sklearn.datasets import load_digits
    >>> from skmlp.plotting import AugmentedDigitsDisplay
    >>> X, y = load_digits(return_X_y=True)
    >>> augment = {"rotation": 15, "shift": 1, "elastic_alpha": 4, "elastic_sigma": 2}
    >>> display = AugmentedDigitsDisplay.from_augmentation(
    ...     augment, X / 16, y, n_images=4, n_draws=5, random_state=0
    ... )
    >>> display.distorted.shape
    (4, 5, 8, 8)
    >>> plt.show()  # doctest: +SKIP
    """

    def __init__(self, images, distorted, labels=None, *, display_labels=None):
        self.images = images
        self.distorted = distorted
        self.labels = labels
        self.display_labels = display_labels

    def plot(self, ax=None, *, cmap="gray", title=None, fontsize=9, imshow_kw=None):
        """Draw the images, one row each, followed by their distortions.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on. When None, a new figure sized to the grid.

        cmap : str or Colormap, default='gray'
            Colormap of the images; with 'gray', ink (high values) is white on
            black, as the network sees MNIST.

        title : str, default=None
            Title above the grid.

        fontsize : float, default=9
            Size of the captions in points.

        imshow_kw : dict, default=None
            Keyword arguments of ``Axes.imshow``.

        Returns
        -------
        display : AugmentedDigitsDisplay
        """
        images = _as_images(self.images, None, "images")
        distorted = np.asarray(self.distorted, dtype=float)
        if images.shape[0] == 0:
            raise ValueError("images is empty: there is nothing to plot.")
        if (
            distorted.ndim != 4
            or distorted.shape[0] != images.shape[0]
            or distorted.shape[2:] != images.shape[1:]
        ):
            raise ValueError(
                f"distorted must have shape (n_images, n_draws, rows, columns) = "
                f"({images.shape[0]}, n_draws, {images.shape[1]}, "
                f"{images.shape[2]}); got {distorted.shape}."
            )
        n_draws = distorted.shape[1]
        grid = np.concatenate([images[:, None], distorted], axis=1)
        captions = []
        if self.labels is not None:
            labels = np.asarray(self.labels)
            if labels.shape != (images.shape[0],):
                raise ValueError(
                    f"labels has shape {labels.shape}; expected ({images.shape[0]},),"
                    " one label per image."
                )
            for text in self._label_texts(labels):
                captions += [[(text, "black")]] + [[]] * n_draws
        return self._plot_captioned(
            ax,
            grid.reshape(-1, *images.shape[1:]),
            captions,
            n_cols=1 + n_draws,
            cmap=cmap,
            title=title,
            fontsize=fontsize,
            imshow_kw=imshow_kw,
        )

    @classmethod
    def from_augmentation(
        cls,
        augment,
        X,
        y=None,
        *,
        n_images=8,
        n_draws=7,
        random_state=None,
        display_labels=None,
        ax=None,
        cmap="gray",
        title=None,
        fontsize=9,
    ):
        """Show the first ``n_images`` images of X beside ``n_draws`` of
        their distortions by ``augment``.

        Parameters
        ----------
        augment : True, dict or DigitAugmentation
            The distortions, as an estimator's ``augment`` takes them.

        X : array-like of shape (n_samples, n_features) or \
                (n_samples, rows, columns)
            Images, flattened (of the augmentation's ``image_shape``, or
            square) or 2-D.

        y : array-like of shape (n_samples,), default=None
            Labels shown under the images.

        n_images : int, default=8
            Number of images shown (all, if there are fewer).

        n_draws : int, default=7
            Distortions shown per image: those of epochs 0 to ``n_draws - 1``.

        random_state : int, RandomState instance or None, default=None
            Seeds the distortions (as ``DigitAugmentation.transform_images``).

        display_labels : array-like or dict, default=None
            Names to show for the labels (see the class parameters).

        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.

        cmap : str or Colormap, default='gray'
            Colormap of the images.

        title : str, default=None
            Title above the grid.

        fontsize : float, default=9
            Size of the captions in points.

        Returns
        -------
        display : AugmentedDigitsDisplay

        Raises
        ------
        ValueError
            If ``augment`` asks for no augmentation or is invalid, or if the
            rows of X are not images of its shape.
        """
        augmentation = DigitAugmentation.from_param(augment, "augment")
        if augmentation is None:
            raise ValueError(
                f"augment={augment!r} asks for no augmentation: there is no "
                "distortion to show. Pass True, a dict of settings or a "
                "DigitAugmentation."
            )
        _check_count(n_images, "n_images")
        _check_count(n_draws, "n_draws")
        X = check_array(
            X, dtype=(np.float64, np.float32), allow_nd=True, input_name="X"
        )
        if y is not None and len(y) != len(X):
            raise ValueError(f"X has {len(X)} images but y has {len(y)} labels.")
        if X.ndim == 2:
            X = X.reshape(X.shape[0], *augmentation.resolve_image_shape(X.shape[1]))
        X = X[:n_images]
        # One seed for every epoch: the draws of one fit, epoch after epoch.
        seed = _seed(random_state)
        distorted = np.stack(
            [
                augmentation.transform_images(X, random_state=seed, epoch=epoch)
                for epoch in range(n_draws)
            ],
            axis=1,
        )
        labels = None if y is None else np.asarray(y)[:n_images]
        display = cls(X, distorted, labels, display_labels=display_labels)
        return display.plot(ax=ax, cmap=cmap, title=title, fontsize=fontsize)

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y=None,
        *,
        n_images=8,
        n_draws=7,
        random_state=None,
        display_labels=None,
        ax=None,
        cmap="gray",
        title=None,
        fontsize=9,
    ):
        """Show the first ``n_images`` images of X beside ``n_draws`` of the
        distortions that the estimator's ``augment`` setting makes.

        The estimator (or the last step of a pipeline) need not be fitted:
        only its ``augment`` parameter is read. The distortions are draws of
        the same settings, not the very ones a fit drew (each fit seeds its
        own from ``random_state``).

        Parameters
        ----------
        estimator : MLPDigitClassifier or Pipeline ending in one
            Its ``augment`` parameter gives the distortions.

        X : array-like of shape (n_samples, n_features) or \
                (n_samples, rows, columns)
            Images, as the network takes them.

        y : array-like of shape (n_samples,), default=None
            Labels shown under the images.

        n_images, n_draws, random_state, display_labels, ax, cmap, title, \
fontsize
            As in :meth:`from_augmentation`; ``random_state=None`` takes the
            estimator's.

        Returns
        -------
        display : AugmentedDigitsDisplay

        Examples
        --------
        >>> from sklearn.datasets import load_digits
        >>> from skmlp import MLPDigitClassifier
        >>> from skmlp.plotting import AugmentedDigitsDisplay
        >>> X, y = load_digits(return_X_y=True)
        >>> clf = MLPDigitClassifier(augment={"shift": 1, "elastic_sigma": 2})
        >>> AugmentedDigitsDisplay.from_estimator(clf, X / 16, y, n_images=3)
        <...AugmentedDigitsDisplay object at ...>
        """
        network = _final_step(estimator)
        augment = getattr(network, "augment", None)
        if augment is None or augment is False:
            raise ValueError(
                f"{type(network).__name__} has augment={augment!r}: it trains on "
                "the images as they are, and there is no distortion to show."
            )
        if random_state is None:
            random_state = getattr(network, "random_state", None)
        return cls.from_augmentation(
            augment,
            X,
            y,
            n_images=n_images,
            n_draws=n_draws,
            random_state=random_state,
            display_labels=display_labels,
            ax=ax,
            cmap=cmap,
            title=title,
            fontsize=fontsize,
        )


def _seed(random_state):
    """An int seeding every epoch's draws alike: the given int, else one
    drawn from ``random_state`` (a RandomState or None)."""
    if isinstance(random_state, numbers.Integral):
        return int(random_state)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
