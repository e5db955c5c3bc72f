"""A grid of images with their labels underneath."""

import numpy as np

from ._image_grid import _CaptionedImageGridDisplay
from ._utils import _as_images, _check_count, _check_n_cols


class DigitsGridDisplay(_CaptionedImageGridDisplay):
    """A grid of images with their labels underneath.

    Parameters
    ----------
    images : ndarray of shape (n_images, rows, columns)
        The images.

    labels : array-like of shape (n_images,), default=None
        Label of each image; no captions when None.

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

    texts_ : ndarray of matplotlib Text, shape (n_images, 1) or (n_images, 0)
        The captions.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from sklearn.datasets import load_digits
    >>> from skmlp.plotting import DigitsGridDisplay
    >>> X, y = load_digits(return_X_y=True)
    >>> display = DigitsGridDisplay.from_data(X, y, n_images=20)
    >>> display.texts_.shape
    (20, 1)
    >>> plt.show()  # doctest: +SKIP
    """

    def __init__(self, images, labels=None, *, display_labels=None):
        self.images = images
        self.labels = labels
        self.display_labels = display_labels

    def plot(
        self,
        ax=None,
        *,
        n_cols=None,
        cmap="gray",
        title=None,
        fontsize=9,
        imshow_kw=None,
    ):
        """Draw the grid.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on. When None, a new figure sized to the grid.

        n_cols : int, default=None
            Images per row; up to 10 when None.

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
        display : DigitsGridDisplay
        """
        images = _as_images(self.images, None, "images")
        if images.shape[0] == 0:
            raise ValueError("images is empty: there is nothing to plot.")
        _check_n_cols(n_cols)
        captions = []
        if self.labels is not None:
            labels = np.asarray(self.labels)
            if labels.shape != (images.shape[0],):
                raise ValueError(
                    f"labels has shape {labels.shape}; expected ({images.shape[0]},),"
                    " one label per image."
                )
            texts = self._label_texts(labels)
            captions = [[(text, "black")] for text in texts]
        return self._plot_captioned(
            ax,
            images,
            captions,
            n_cols=n_cols,
            cmap=cmap,
            title=title,
            fontsize=fontsize,
            imshow_kw=imshow_kw,
        )

    @classmethod
    def from_data(
        cls,
        X,
        y=None,
        *,
        image_shape=None,
        n_images=50,
        display_labels=None,
        ax=None,
        n_cols=None,
        cmap="gray",
        title=None,
        fontsize=9,
    ):
        """Plot the first ``n_images`` images of a data set with their labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, rows, columns)
            Flattened or 2-D images.

        y : array-like of shape (n_samples,), default=None
            Labels shown under the images.

        image_shape : tuple of int (rows, columns), default=None
            Shape of the images in ``X``; inferred from a square when None.

        n_images : int, default=50
            Number of images shown (all, if there are fewer).

        display_labels : array-like or dict, default=None
            Names to show for the labels (see the class parameters).

        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.

        n_cols : int, default=None
            Images per row; up to 10 when None.

        cmap : str or Colormap, default='gray'
            Colormap of the images.

        title : str, default=None
            Title above the grid.

        fontsize : float, default=9
            Size of the captions in points.

        Returns
        -------
        display : DigitsGridDisplay

        Raises
        ------
        ValueError
            If the image shape cannot be inferred, or X and y disagree.

        Examples
        --------
        >>> from sklearn.datasets import load_digits
        >>> from skmlp.plotting import DigitsGridDisplay
        >>> X, y = load_digits(return_X_y=True)
        >>> DigitsGridDisplay.from_data(X, y, n_images=30, n_cols=10)
        <...DigitsGridDisplay object at ...>
        """
        _check_count(n_images, "n_images")
        images = _as_images(X, image_shape)
        if y is not None and len(y) != len(images):
            raise ValueError(f"X has {len(images)} images but y has {len(y)} labels.")
        images = images[:n_images]
        labels = None if y is None else np.asarray(y)[:n_images]
        display = cls(images, labels, display_labels=display_labels)
        return display.plot(
            ax=ax, n_cols=n_cols, cmap=cmap, title=title, fontsize=fontsize
        )
