"""The images a classifier gets wrong, with their true and predicted labels."""

import numpy as np

from ._image_grid import _CaptionedImageGridDisplay
from ._utils import (
    _as_images,
    _axes_and_figure,
    _check_count,
    _check_n_cols,
    infer_image_shape,
)


class MisclassifiedDigitsDisplay(_CaptionedImageGridDisplay):
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
        true_texts = self._label_texts(y_true)
        pred_texts = self._label_texts(y_pred)
        captions = [
            [(f"true: {true}", "black"), (f"pred: {pred}", "#c0392b")]
            for true, pred in zip(true_texts, pred_texts)
        ]
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
        if y_true.ndim != 1 or y_pred.ndim != 1:
            raise ValueError(
                "y_true and y_pred must hold one label per image; got arrays of "
                f"shape {y_true.shape} and {y_pred.shape} (multilabel targets "
                "have no single label to caption an image with)."
            )
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
