"""Training loss and validation accuracy of a network, epoch by epoch."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._utils import _axes_and_figure, _final_step


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
        if np.all(np.isnan(scores)):
            return [self.score_line_]
        # NaN: an epoch of a warm-started fit that had no validation data.
        best = int(np.nanargmax(scores))
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
