"""Plots of a digit classifier, as scikit-learn style Display objects.

Each display stores the numbers it shows when created, and draws them with
``plot(ax=None, ...)``, which returns the display with the ``ax_`` and
``figure_`` it drew on, as :class:`sklearn.metrics.ConfusionMatrixDisplay`
does. The usual way in is a class method: ``from_estimator`` (or
``from_data`` for :class:`DigitsGridDisplay`).

- :class:`TrainingCurveDisplay`: training loss and validation accuracy per
  epoch;
- :class:`MisclassifiedDigitsDisplay`: the test images a model gets wrong,
  with their true and predicted labels;
- :class:`HiddenWeightsDisplay`: the first layer's weights, one image per
  hidden unit ("visualising the hidden layer");
- :class:`DigitsGridDisplay`: a grid of sample images and their labels;
- :class:`~sklearn.metrics.ConfusionMatrixDisplay`: scikit-learn's own,
  re-exported here.

matplotlib is optional: this module imports without it, and the displays
import it when they draw (``pip install "skmlp[plot]"``).
"""

import math

import numpy as np
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.utils.validation import check_is_fitted

__all__ = [
    "ConfusionMatrixDisplay",
    "DigitsGridDisplay",
    "HiddenWeightsDisplay",
    "MisclassifiedDigitsDisplay",
    "TrainingCurveDisplay",
]

_POINTS_PER_INCH = 72.0


# ----------------------------------------------------------------- helpers


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
    side = math.isqrt(n_features)
    if side < 1 or side * side != n_features:
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


def _label_texts(labels, display_labels):
    """Labels as strings, through the ``display_labels`` mapping when given."""
    if display_labels is None:
        return [str(label) for label in labels]
    if isinstance(display_labels, dict):
        return [str(display_labels.get(label, label)) for label in labels]
    names = list(display_labels)
    return [str(names[int(label)]) for label in labels]


def _tile_layout(images, n_cols, label_lines, label_chars, fontsize, tile_inches):
    """Sizes in pixels and inches of a grid of images with captions underneath.

    The grid is one image (see :func:`_mosaic`) drawn in data coordinates where
    one unit is one pixel of the small images. The captions go in the gaps
    between the rows, so the gaps are sized, in pixels, from the height of the
    captions in inches and the number of pixels per inch the figure gets.
    """
    n_images, rows, columns = images.shape
    n_cols = max(1, min(n_cols or min(n_images, 10), n_images))
    n_rows = math.ceil(n_images / n_cols)
    line_inches = 1.25 * fontsize / _POINTS_PER_INCH
    # Captions must fit under their tile: widen the tiles for long captions.
    char_inches = 0.62 * fontsize / _POINTS_PER_INCH
    tile_width = max(tile_inches, label_chars * char_inches)
    pixels_per_inch = columns / tile_width
    gap_x = max(1, math.ceil(0.12 * pixels_per_inch))
    gap_y = max(1, math.ceil((label_lines * line_inches + 0.06) * pixels_per_inch))
    if not label_lines:
        gap_y = gap_x
    return {
        "n_rows": n_rows,
        "n_cols": n_cols,
        "gap_x": gap_x,
        "gap_y": gap_y,
        "line_pixels": line_inches * pixels_per_inch,
        "width_inches": (n_cols * (columns + gap_x) - gap_x) / pixels_per_inch,
        "height_inches": n_rows * (rows + gap_y) / pixels_per_inch,
    }


def _mosaic(images, n_rows, n_cols, gap_x, gap_y, trailing_gap, empty):
    """The images in a grid, row by row, as one array.

    The lines between the images are NaN; the cells after the last image hold
    ``empty``, a value above the pixels', so that colormaps can tell them apart.
    """
    n_images, rows, columns = images.shape
    height = n_rows * (rows + gap_y) - (0 if trailing_gap else gap_y)
    width = n_cols * (columns + gap_x) - gap_x
    mosaic = np.full((height, width), float(empty))
    for index, image in enumerate(images):
        top = (index // n_cols) * (rows + gap_y)
        left = (index % n_cols) * (columns + gap_x)
        # The image and the lines to its right and below it.
        mosaic[top : top + rows + gap_y, left : left + columns + gap_x] = np.nan
        mosaic[top : top + rows, left : left + columns] = image
    return mosaic


def _plot_tiles(
    ax, images, captions, layout, *, cmap, vmin, vmax, gap_color, fontsize, imshow_kw
):
    """Draw ``images`` as a grid on ``ax``, with ``captions`` under each one.

    ``captions`` holds, for each image, a list of (text, color) lines.
    Returns the AxesImage and the array of Text objects (one row per image).
    """
    n_images, rows, columns = images.shape
    has_captions = bool(captions) and any(captions)
    mosaic = _mosaic(
        images,
        layout["n_rows"],
        layout["n_cols"],
        layout["gap_x"],
        layout["gap_y"],
        trailing_gap=has_captions,
        empty=vmax + abs(vmax - vmin) + 1.0,
    )
    import matplotlib

    # The gaps are NaN, "bad" values drawn in gap_color; the empty cells at the
    # end are above vmax, drawn in the "over" colour: nothing.
    colormap = matplotlib.colormaps.get_cmap(cmap).with_extremes(
        bad=gap_color, over=(0, 0, 0, 0)
    )
    kwargs = {"cmap": colormap, "vmin": vmin, "vmax": vmax, "interpolation": "nearest"}
    kwargs.update(imshow_kw or {})
    image = ax.imshow(mosaic, **kwargs)
    ax.set_axis_off()
    texts = np.empty((n_images, max((len(c) for c in captions), default=0)), object)
    for index, lines in enumerate(captions):
        x = (index % layout["n_cols"]) * (columns + layout["gap_x"]) + columns / 2
        y = (index // layout["n_cols"]) * (rows + layout["gap_y"]) + rows
        for line, (text, color) in enumerate(lines):
            # Pixel centres are at integers: the bottom edge of a tile is at
            # y - 0.5. Lines sit on baselines (capitals are ~0.6 of a line
            # high) so that captions with and without descenders align.
            texts[index, line] = ax.text(
                x - 0.5,
                y - 0.5 + (line + 0.7) * layout["line_pixels"],
                text,
                ha="center",
                va="baseline",
                color=color,
                fontsize=fontsize,
            )
    return image, texts


def _draw_captioned_grid(
    display, ax, images, captions, n_cols, cmap, title, fontsize, imshow_kw, caller
):
    """Draw ``images`` with their ``captions`` (see :func:`_plot_tiles`) on
    ``ax`` or a new figure sized to the grid, store the artists on
    ``display`` and return it."""
    n_lines = max((len(lines) for lines in captions), default=0)
    longest = max((len(text) for lines in captions for text, _ in lines), default=0)
    layout = _tile_layout(images, n_cols, n_lines, longest, fontsize, 0.6)
    ax, figure = _axes_and_figure(ax, _figsize(layout, title), caller)
    display.image_, display.texts_ = _plot_tiles(
        ax,
        images,
        captions,
        layout,
        cmap=cmap,
        vmin=min(images.min(), 0.0),
        vmax=images.max() if images.max() > 0 else 1.0,
        gap_color="white",
        fontsize=fontsize,
        imshow_kw=imshow_kw,
    )
    if title:
        ax.set_title(title)
    display.ax_, display.figure_ = ax, figure
    return display


def _check_count(value, name):
    """A number of images or units to show: a positive integer (a negative one
    would silently slice from the end)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")


def _check_n_cols(n_cols):
    if n_cols is not None and (not isinstance(n_cols, int | np.integer) or n_cols < 1):
        raise ValueError(f"n_cols must be a positive integer or None, got {n_cols!r}.")


# ------------------------------------------------------------ training curve


class TrainingCurveDisplay:
    """Training loss and validation accuracy of a network, epoch by epoch.

    The loss (``loss_curve_``) is drawn on the left axis; the accuracy on the
    held-out validation set (``validation_scores_``, recorded with
    ``early_stopping=True``) on a twin axis on the right, with the best epoch,
    whose weights the model keeps, marked.

    Named so as not to clash with :class:`sklearn.model_selection.LearningCurveDisplay`,
    which plots scores against the number of training samples instead.

    Parameters
    ----------
    loss_curve : array-like of shape (n_epochs,)
        Training loss after each epoch.

    validation_scores : array-like of shape (n_epochs,), default=None
        Validation accuracy after each epoch, if any.

    estimator_name : str, default=None
        Name shown in the title.

    Attributes
    ----------
    ax_ : matplotlib Axes
        The axes of the loss.

    score_ax_ : matplotlib Axes or None
        The twin axes of the validation scores; None without scores.

    figure_ : matplotlib Figure
        The figure holding the axes.

    loss_line_ : matplotlib Line2D
        The loss curve.

    score_line_ : matplotlib Line2D or None
        The validation-score curve; None without scores.

    See Also
    --------
    sklearn.model_selection.LearningCurveDisplay : Scores against training-set size.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from sklearn.datasets import load_digits
    >>> from skmlp import MLPDigitClassifier
    >>> from skmlp.plotting import TrainingCurveDisplay
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = MLPDigitClassifier(early_stopping=True, random_state=0).fit(X / 16, y)
    >>> display = TrainingCurveDisplay.from_estimator(clf)
    >>> display.score_ax_ is not None
    True
    >>> plt.show()  # doctest: +SKIP
    """

    def __init__(self, loss_curve, validation_scores=None, *, estimator_name=None):
        self.loss_curve = loss_curve
        self.validation_scores = validation_scores
        self.estimator_name = estimator_name

    def plot(self, ax=None, *, name=None, yscale="linear", loss_kw=None, score_kw=None):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw the loss on (the scores go on a twin axes). A new figure
            is made when None.

        name : str, default=None
            Name shown in the title; ``estimator_name`` when None.

        yscale : {'linear', 'log'}, default='linear'
            Scale of the loss axis.

        loss_kw, score_kw : dict, default=None
            Keyword arguments of ``Axes.plot`` for the loss and the score curves.

        Returns
        -------
        display : TrainingCurveDisplay
            This display, with ``ax_``, ``figure_`` and the lines set.
        """
        loss = np.asarray(self.loss_curve, dtype=float).ravel()
        if loss.size == 0:
            raise ValueError("loss_curve is empty: the model trained for no epoch.")
        scores = self.validation_scores
        scores = None if scores is None else np.asarray(scores, dtype=float).ravel()
        if scores is not None and scores.size != loss.size:
            raise ValueError(
                f"validation_scores has {scores.size} values but loss_curve has "
                f"{loss.size}: one of each per epoch is expected."
            )
        ax, figure = _axes_and_figure(ax, (6.4, 4.0), "TrainingCurveDisplay.plot")
        from matplotlib.ticker import MaxNLocator

        epochs = np.arange(1, loss.size + 1)
        loss_style = {"color": "C0", "label": "training loss"}
        loss_style.update(loss_kw or {})
        (self.loss_line_,) = ax.plot(epochs, loss, **loss_style)
        ax.set_xlabel("epoch")
        ax.set_ylabel("training loss")
        ax.set_yscale(yscale)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        lines = [self.loss_line_]
        self.score_ax_ = self.score_line_ = None
        if scores is not None:
            lines += self._plot_scores(ax, epochs, scores, score_kw)
        title = name or self.estimator_name
        title = f"Training curve of {title}" if title else "Training curve"
        if scores is None:
            ax.set_title(title)
        else:
            # Above the axes: inside, it would hide one of the two curves. The
            # title goes above it.
            ax.legend(
                lines,
                [line.get_label() for line in lines],
                loc="lower center",
                bbox_to_anchor=(0.5, 1.0),
                ncols=len(lines),
                frameon=False,
            )
            ax.set_title(title, pad=24)
        self.ax_, self.figure_ = ax, figure
        return self

    def _plot_scores(self, ax, epochs, scores, score_kw):
        """Draw the validation scores on a twin axes; return the lines drawn."""
        self.score_ax_ = ax.twinx()
        score_style = {"color": "C1", "label": "validation accuracy"}
        score_style.update(score_kw or {})
        (self.score_line_,) = self.score_ax_.plot(epochs, scores, **score_style)
        self.score_ax_.set_ylabel("validation accuracy")
        best = int(np.argmax(scores))
        (best_marker,) = self.score_ax_.plot(
            epochs[best],
            scores[best],
            "o",
            color=self.score_line_.get_color(),
            label=f"best: {scores[best]:.4f} (epoch {epochs[best]})",
        )
        return [self.score_line_, best_marker]

    @classmethod
    def from_estimator(
        cls,
        estimator,
        *,
        ax=None,
        name=None,
        yscale="linear",
        loss_kw=None,
        score_kw=None,
    ):
        """Plot the training curve of a fitted network.

        Parameters
        ----------
        estimator : fitted MLPDigitClassifier, MLPClassifier or Pipeline
            A model with ``loss_curve_`` (and ``validation_scores_``), or a
            pipeline ending in one.

        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.

        name : str, default=None
            Name in the title; the estimator's class name when None.

        yscale : {'linear', 'log'}, default='linear'
            Scale of the loss axis.

        loss_kw, score_kw : dict, default=None
            Keyword arguments of ``Axes.plot`` for the two curves.

        Returns
        -------
        display : TrainingCurveDisplay

        Examples
        --------
        >>> from sklearn.datasets import load_digits
        >>> from skmlp import MLPDigitClassifier
        >>> from skmlp.plotting import TrainingCurveDisplay
        >>> X, y = load_digits(return_X_y=True)
        >>> clf = MLPDigitClassifier(max_iter=20, random_state=0).fit(X / 16, y)
        ... # doctest: +SKIP
        >>> TrainingCurveDisplay.from_estimator(clf, yscale="log")  # doctest: +SKIP
        <...TrainingCurveDisplay object at ...>
        """
        network = _final_step(estimator)
        check_is_fitted(network, "loss_curve_")
        display = cls(
            network.loss_curve_,
            getattr(network, "validation_scores_", None),
            estimator_name=type(network).__name__,
        )
        return display.plot(
            ax=ax, name=name, yscale=yscale, loss_kw=loss_kw, score_kw=score_kw
        )


# ------------------------------------------------------------- image grids


class DigitsGridDisplay:
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
            texts = _label_texts(labels, self.display_labels)
            captions = [[(text, "black")] for text in texts]
        return _draw_captioned_grid(
            self,
            ax,
            images,
            captions,
            n_cols,
            cmap,
            title,
            fontsize,
            imshow_kw,
            "DigitsGridDisplay.plot",
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


class MisclassifiedDigitsDisplay:
    """A grid of misclassified images, each with its true and predicted label.

    Parameters
    ----------
    images : ndarray of shape (n_images, rows, columns)
        The misclassified images.

    y_true : array-like of shape (n_images,)
        Their true labels.

    y_pred : array-like of shape (n_images,)
        The labels the model predicted.

    display_labels : array-like or dict, default=None
        Names to show for the labels: indexed by the label (a list) or keyed by
        it (a dict).

    n_samples : int, default=None
        Number of samples the mistakes were found among, for the title.

    Attributes
    ----------
    ax_ : matplotlib Axes
        The axes drawn on.

    figure_ : matplotlib Figure
        The figure holding the axes.

    image_ : matplotlib AxesImage or None
        The images, drawn as one mosaic; None when there is no mistake.

    texts_ : ndarray of matplotlib Text of shape (n_images, 2)
        The captions: true label, then predicted label.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.model_selection import train_test_split
    >>> from skmlp import MLPDigitClassifier
    >>> from skmlp.plotting import MisclassifiedDigitsDisplay
    >>> X, y = load_digits(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(X / 16, y, random_state=0)
    >>> clf = MLPDigitClassifier(random_state=0).fit(X_train, y_train)
    >>> display = MisclassifiedDigitsDisplay.from_estimator(clf, X_test, y_test)
    >>> plt.show()  # doctest: +SKIP
    """

    def __init__(self, images, y_true, y_pred, *, display_labels=None, n_samples=None):
        self.images = images
        self.y_true = y_true
        self.y_pred = y_pred
        self.display_labels = display_labels
        self.n_samples = n_samples

    def plot(
        self,
        ax=None,
        *,
        n_cols=None,
        cmap="gray",
        title=None,
        fontsize=8,
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
            Colormap of the images.

        title : str, default=None
            Title above the grid; says how many mistakes there are when None.

        fontsize : float, default=8
            Size of the captions in points.

        imshow_kw : dict, default=None
            Keyword arguments of ``Axes.imshow``.

        Returns
        -------
        display : MisclassifiedDigitsDisplay
        """
        images = _as_images(self.images, None, "images")
        y_true, y_pred = np.asarray(self.y_true), np.asarray(self.y_pred)
        if not (len(images) == len(y_true) == len(y_pred)):
            raise ValueError(
                f"images, y_true and y_pred must have the same length; got "
                f"{len(images)}, {len(y_true)} and {len(y_pred)}."
            )
        _check_n_cols(n_cols)
        if title is None:
            title = self._default_title(len(images))
        if len(images) == 0:
            return self._plot_no_mistake(ax, title)
        true_texts = _label_texts(y_true, self.display_labels)
        pred_texts = _label_texts(y_pred, self.display_labels)
        captions = [
            [(f"true: {true}", "black"), (f"pred: {pred}", "#c0392b")]
            for true, pred in zip(true_texts, pred_texts)
        ]
        return _draw_captioned_grid(
            self,
            ax,
            images,
            captions,
            n_cols,
            cmap,
            title,
            fontsize,
            imshow_kw,
            "MisclassifiedDigitsDisplay.plot",
        )

    def _default_title(self, n_shown):
        if self.n_samples is None:
            return f"{n_shown} misclassified"
        n_wrong = getattr(self, "n_misclassified_", n_shown)
        shown = f", first {n_shown} shown" if n_shown < n_wrong else ""
        return f"Misclassified: {n_wrong} of {self.n_samples}{shown}"

    def _plot_no_mistake(self, ax, title):
        """A figure that says there is nothing to show, rather than an error."""
        ax, figure = _axes_and_figure(ax, (4, 1.5), "MisclassifiedDigitsDisplay.plot")
        ax.set_axis_off()
        ax.text(0.5, 0.5, "No misclassified image", ha="center", va="center")
        ax.set_title(title)
        self.image_, self.texts_ = None, np.empty((0, 2), dtype=object)
        self.ax_, self.figure_ = ax, figure
        return self

    @classmethod
    def from_predictions(
        cls,
        X,
        y_true,
        y_pred,
        *,
        image_shape=None,
        max_images=30,
        display_labels=None,
        ax=None,
        n_cols=None,
        cmap="gray",
        title=None,
        fontsize=8,
    ):
        """Plot the images whose predicted label is not the true one.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, rows, columns)
            The images, flattened or 2-D.

        y_true : array-like of shape (n_samples,)
            True labels.

        y_pred : array-like of shape (n_samples,)
            Predicted labels.

        image_shape : tuple of int (rows, columns), default=None
            Shape of the images in ``X``; inferred from a square when None.

        max_images : int, default=30
            Show at most this many mistakes, the first ones in ``X``.

        display_labels : array-like or dict, default=None
            Names to show for the labels.

        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.

        n_cols : int, default=None
            Images per row; up to 10 when None.

        cmap : str or Colormap, default='gray'
            Colormap of the images.

        title : str, default=None
            Title; counts the mistakes when None.

        fontsize : float, default=8
            Size of the captions in points.

        Returns
        -------
        display : MisclassifiedDigitsDisplay
            With ``n_misclassified_``, the number of mistakes in all, and
            ``indices_``, the rows of ``X`` shown.

        Examples
        --------
        >>> import numpy as np
        >>> from skmlp.plotting import MisclassifiedDigitsDisplay
        >>> X = np.random.RandomState(0).rand(4, 64)
        >>> display = MisclassifiedDigitsDisplay.from_predictions(
        ...     X, [1, 2, 3, 4], [1, 2, 5, 4])
        >>> display.indices_
        array([2])
        """
        images = _as_images(X, image_shape)
        y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
        if not (len(images) == len(y_true) == len(y_pred)):
            raise ValueError(
                f"X, y_true and y_pred must have the same length; got "
                f"{len(images)}, {len(y_true)} and {len(y_pred)}."
            )
        wrong = np.flatnonzero(y_true != y_pred)
        _check_count(max_images, "max_images")
        shown = wrong[:max_images]
        display = cls(
            images[shown],
            y_true[shown],
            y_pred[shown],
            display_labels=display_labels,
            n_samples=len(images),
        )
        display.n_misclassified_ = len(wrong)
        display.indices_ = shown
        return display.plot(
            ax=ax, n_cols=n_cols, cmap=cmap, title=title, fontsize=fontsize
        )

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        image_shape=None,
        max_images=30,
        display_labels=None,
        ax=None,
        n_cols=None,
        cmap="gray",
        title=None,
        fontsize=8,
    ):
        """Plot the images of ``X`` that a fitted classifier gets wrong.

        Parameters
        ----------
        estimator : fitted classifier
            Its ``predict(X)`` gives the predicted labels.

        X : array-like of shape (n_samples, n_features)
            Flattened images, as the classifier takes them.

        y : array-like of shape (n_samples,)
            True labels.

        image_shape : tuple of int (rows, columns), default=None
            Shape of the images; inferred from a square when None.

        max_images : int, default=30
            Show at most this many mistakes, the first ones in ``X``.

        display_labels : array-like or dict, default=None
            Names to show for the labels.

        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.

        n_cols : int, default=None
            Images per row; up to 10 when None.

        cmap : str or Colormap, default='gray'
            Colormap of the images.

        title : str, default=None
            Title; counts the mistakes when None.

        fontsize : float, default=8
            Size of the captions in points.

        Returns
        -------
        display : MisclassifiedDigitsDisplay

        Raises
        ------
        ValueError
            If ``image_shape`` is None and the number of features is not a
            perfect square.

        Examples
        --------
        >>> from sklearn.datasets import load_digits
        >>> from skmlp import MLPDigitClassifier
        >>> from skmlp.plotting import MisclassifiedDigitsDisplay
        >>> X, y = load_digits(return_X_y=True)
        >>> clf = MLPDigitClassifier(max_iter=5, random_state=0).fit(X / 16, y)
        ... # doctest: +SKIP
        >>> MisclassifiedDigitsDisplay.from_estimator(clf, X / 16, y)  # doctest: +SKIP
        <...MisclassifiedDigitsDisplay object at ...>
        """
        X_array = np.asarray(X)
        # Check the shape before predicting: a bad shape fails fast and clearly.
        infer_image_shape(X_array.shape[1], image_shape)
        y_pred = estimator.predict(X)
        return cls.from_predictions(
            X_array,
            y,
            y_pred,
            image_shape=image_shape,
            max_images=max_images,
            display_labels=display_labels,
            ax=ax,
            n_cols=n_cols,
            cmap=cmap,
            title=title,
            fontsize=fontsize,
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


def _figsize(layout, title, colorbar_inches=0.0):
    """Figure size in inches for a tile layout, with room for a title."""
    width = layout["width_inches"] + 0.2 + colorbar_inches
    height = layout["height_inches"] + (0.45 if title else 0.15)
    return max(width, 2.5), max(height, 1.2)
