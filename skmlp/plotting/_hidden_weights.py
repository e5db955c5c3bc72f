"""The first layer's weights of a network, one image per hidden unit."""

import math

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._image_grid import _figsize, _plot_tiles, _tile_layout
from ._utils import (
    _axes_and_figure,
    _check_count,
    _check_n_cols,
    _final_step,
    infer_image_shape,
)


class HiddenWeightsDisplay:
    """The weights into each first-layer unit, drawn as an image.

    Unit ``j`` of the first hidden layer computes ``activation(x @ W[:, j] +
    b[j])``: its weights ``W[:, j]``, laid out as the input image, show which
    pixels excite it (positive) or inhibit it (negative), as in the Theano
    tutorials' "visualising the hidden layer". Each unit's weights are divided
    by their largest absolute value, so that every tile uses the whole
    colormap and zero is its middle.

    Parameters
    ----------
    weights : array-like of shape (n_features, n_units)
        The first layer's weights, ``coefs_[0]``.

    image_shape : tuple of int (rows, columns), default=None
        Shape of the input images; inferred from a square when None.

    Attributes
    ----------
    ax_ : matplotlib Axes
        The axes drawn on.

    figure_ : matplotlib Figure
        The figure holding the axes.

    image_ : matplotlib AxesImage
        All the tiles, drawn as one mosaic.

    colorbar_ : matplotlib Colorbar or None
        The colorbar, when drawn.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from sklearn.datasets import load_digits
    >>> from skmlp import MLPDigitClassifier
    >>> from skmlp.plotting import HiddenWeightsDisplay
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = MLPDigitClassifier((36,), max_iter=50, random_state=0).fit(X / 16, y)
    ... # doctest: +SKIP
    >>> display = HiddenWeightsDisplay.from_estimator(clf, n_units=36)
    ... # doctest: +SKIP
    >>> plt.show()  # doctest: +SKIP
    """

    def __init__(self, weights, *, image_shape=None):
        self.weights = weights
        self.image_shape = image_shape

    def plot(
        self,
        ax=None,
        *,
        n_units=100,
        n_cols=None,
        cmap="RdBu_r",
        gap_color="0.35",
        colorbar=True,
        title=None,
        imshow_kw=None,
    ):
        """Draw the first ``n_units`` units' weights as a grid of images.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on. When None, a new figure sized to the grid.

        n_units : int, default=100
            Number of units shown (all, if the layer has fewer).

        n_cols : int, default=None
            Tiles per row; about the square root of ``n_units`` when None.

        cmap : str or Colormap, default='RdBu_r'
            Colormap; a diverging one shows the sign of the weights.

        gap_color : color, default='0.35'
            Colour of the lines between the tiles.

        colorbar : bool, default=True
            Draw a colorbar.

        title : str, default=None
            Title; says how many units are shown when None.

        imshow_kw : dict, default=None
            Keyword arguments of ``Axes.imshow``.

        Returns
        -------
        display : HiddenWeightsDisplay
        """
        weights = np.asarray(self.weights, dtype=float)
        if weights.ndim != 2 or weights.shape[1] == 0:
            raise ValueError(
                "weights must be of shape (n_features, n_units) with at least one "
                f"unit; got an array of shape {weights.shape}."
            )
        _check_count(n_units, "n_units")
        _check_n_cols(n_cols)
        rows, columns = infer_image_shape(weights.shape[0], self.image_shape)
        shown = weights[:, :n_units].T
        scale = np.abs(shown).max(axis=1, keepdims=True)
        tiles = (shown / np.where(scale > 0, scale, 1.0)).reshape(-1, rows, columns)
        # Enlarge small images (8 x 8 digits) by whole pixels, so that the
        # one-pixel lines between the tiles stay thin next to them.
        zoom = math.ceil(20 / max(rows, columns))
        tiles = tiles.repeat(zoom, axis=1).repeat(zoom, axis=2)
        if n_cols is None:
            n_cols = math.ceil(math.sqrt(len(tiles)))
        layout = _tile_layout(tiles, n_cols, 0, 0, 0, 0.5)
        layout["gap_x"] = layout["gap_y"] = 1
        if title is None:
            title = (
                f"First-layer weights of {len(tiles)} of {weights.shape[1]} "
                "hidden units"
            )
        figsize = _figsize(layout, title, colorbar_inches=0.9 if colorbar else 0.0)
        ax, figure = _axes_and_figure(ax, figsize, "HiddenWeightsDisplay.plot")
        self.image_, _ = _plot_tiles(
            ax,
            tiles,
            [],
            layout,
            cmap=cmap,
            vmin=-1.0,
            vmax=1.0,
            gap_color=gap_color,
            fontsize=0,
            imshow_kw=imshow_kw,
        )
        self.colorbar_ = None
        if colorbar:
            self.colorbar_ = figure.colorbar(self.image_, ax=ax, shrink=0.6)
            self.colorbar_.set_label("weight / max |weight| of the unit")
        ax.set_title(title)
        self.ax_, self.figure_ = ax, figure
        return self

    @classmethod
    def from_estimator(
        cls,
        estimator,
        *,
        n_units=100,
        image_shape=None,
        ax=None,
        n_cols=None,
        cmap="RdBu_r",
        colorbar=True,
        title=None,
    ):
        """Plot the first-layer weights of a fitted network.

        Parameters
        ----------
        estimator : fitted MLPDigitClassifier, MLPClassifier or Pipeline
            A network with ``coefs_``, or a pipeline ending in one. Without
            hidden layers, ``coefs_[0]`` holds one template per class.

        n_units : int, default=100
            Number of units shown, the first ones.

        image_shape : tuple of int (rows, columns), default=None
            Shape of the input images; inferred from a square when None.

        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.

        n_cols : int, default=None
            Tiles per row; about the square root of ``n_units`` when None.

        cmap : str or Colormap, default='RdBu_r'
            Colormap.

        colorbar : bool, default=True
            Draw a colorbar.

        title : str, default=None
            Title of the plot.

        Returns
        -------
        display : HiddenWeightsDisplay

        Raises
        ------
        ValueError
            If ``image_shape`` is None and the number of input features is not a
            perfect square.

        Examples
        --------
        >>> from sklearn.datasets import load_digits
        >>> from skmlp import MLPDigitClassifier
        >>> from skmlp.plotting import HiddenWeightsDisplay
        >>> X, y = load_digits(return_X_y=True)
        >>> clf = MLPDigitClassifier(max_iter=20, random_state=0).fit(X / 16, y)
        ... # doctest: +SKIP
        >>> HiddenWeightsDisplay.from_estimator(clf, n_units=49)  # doctest: +SKIP
        <...HiddenWeightsDisplay object at ...>
        """
        network = _final_step(estimator)
        check_is_fitted(network, "coefs_")
        weights = network.coefs_[0]
        if title is None and len(network.coefs_) == 1:
            # No hidden layer: the weights are one template per class.
            shown = min(n_units, weights.shape[1])
            title = f"Weights of {shown} of {weights.shape[1]} output units"
        display = cls(weights, image_shape=image_shape)
        return display.plot(
            ax=ax,
            n_units=n_units,
            n_cols=n_cols,
            cmap=cmap,
            colorbar=colorbar,
            title=title,
        )
