"""The progress of a model's training, as fits update it: the fitted
attributes that count epochs and samples and record the per-epoch curves.
"""

import numpy as np


class Progress:
    """The fitted attributes that count a model's training, as a fit updates
    them.

    A fit from scratch starts them afresh; ``warm_start`` and ``partial_fit``
    carry them on: ``t_``, ``loss_``, ``best_loss_``,
    ``best_validation_score_``, the patience counter, and the per-epoch
    curves, which follow one rule, MLPClassifier's for ``loss_curve_`` and
    ``validation_scores_``: each gains one entry per epoch (L-BFGS iteration)
    and keeps the entries of the earlier fits, so that entry ``k`` of every
    curve is about the same epoch. ``learning_rate_curve_`` holds NaN for the
    epochs without a step size (L-BFGS's); ``validation_scores_`` and
    ``validation_loss_curve_`` are None until an epoch has validation data,
    and hold NaN for the epochs that had none. ``n_iter_`` counts the epochs
    of the last fit.
    """

    def __init__(
        self,
        *,
        t,
        loss,
        best_loss,
        best_validation_score,
        patience,
        loss_curve,
        learning_rate_curve,
        validation_scores,
        validation_loss_curve,
    ):
        self.t_ = t
        self.loss_ = loss  # None until an epoch completes with a finite loss
        self.best_loss_ = best_loss
        self.best_validation_score_ = best_validation_score
        self.no_improvement_count = patience
        self.n_iter_ = 0
        self.loss_curve_ = loss_curve
        self.learning_rate_curve_ = learning_rate_curve
        self.validation_scores_ = validation_scores
        self.validation_loss_curve_ = validation_loss_curve

    @classmethod
    def fresh(cls, watches_validation):
        """The progress of a model that has not trained yet."""
        return cls(
            t=0,
            loss=None,
            best_loss=None if watches_validation else np.inf,
            best_validation_score=-np.inf if watches_validation else None,
            patience=0,
            loss_curve=[],
            learning_rate_curve=[],
            validation_scores=None,
            validation_loss_curve=None,
        )

    @classmethod
    def resume(cls, model, watches_validation):
        """The progress of a fitted ``model``, continued (its lists copied).

        A curve shorter than ``loss_curve_`` (one recorded before the curves
        followed one rule, or assigned) is padded at its start with NaN, so
        that the epochs of all curves line up.
        """
        loss_curve = list(model.loss_curve_)
        best_loss = model.best_loss_
        best_validation_score = model.best_validation_score_
        # A fit that watches what the previous one did not (early_stopping
        # switched on or off between warm starts) starts that record afresh.
        if watches_validation and best_validation_score is None:
            best_validation_score = -np.inf
        if not watches_validation and best_loss is None:
            best_loss = np.inf
        return cls(
            t=model.t_,
            loss=_finite_or_none(getattr(model, "loss_", None)),
            best_loss=best_loss,
            best_validation_score=best_validation_score,
            patience=model._no_improvement_count,
            loss_curve=loss_curve,
            learning_rate_curve=_aligned(
                getattr(model, "learning_rate_curve_", None), len(loss_curve)
            ),
            validation_scores=_aligned(
                getattr(model, "validation_scores_", None),
                len(loss_curve),
                keep_none=True,
            ),
            validation_loss_curve=_aligned(
                getattr(model, "validation_loss_curve_", None),
                len(loss_curve),
                keep_none=True,
            ),
        )

    def start_validation_curves(self):
        """Make the validation curves lists (NaN for the earlier epochs, which
        had no validation data) before a fit that has validation data."""
        n_epochs = len(self.loss_curve_)
        if self.validation_scores_ is None:
            self.validation_scores_ = [np.nan] * n_epochs
        if self.validation_loss_curve_ is None:
            self.validation_loss_curve_ = [np.nan] * n_epochs

    def record_epoch(self, loss, learning_rate, validation=None):
        """Count one completed epoch: its objective, its step size (NaN for
        none) and its validation ``(score, loss)``, or None for none."""
        if validation is not None and self.validation_scores_ is None:
            # The first epoch with validation data: NaN for the earlier ones.
            self.start_validation_curves()
        self.n_iter_ += 1
        self.loss_ = loss
        self.loss_curve_.append(loss)
        self.learning_rate_curve_.append(learning_rate)
        if validation is None:
            validation = (np.nan, np.nan)
        if self.validation_scores_ is not None:
            self.validation_scores_.append(validation[0])
            self.validation_loss_curve_.append(validation[1])

    def attributes(self):
        """The fitted attributes, by name: the same names whatever the fit did
        (``loss_`` is NaN until an epoch completes with a finite loss)."""
        attributes = {
            "t_": self.t_,
            "n_iter_": self.n_iter_,
            "loss_curve_": self.loss_curve_,
            "best_loss_": self.best_loss_,
            "best_validation_score_": self.best_validation_score_,
            "validation_scores_": self.validation_scores_,
            "validation_loss_curve_": self.validation_loss_curve_,
            "learning_rate_curve_": self.learning_rate_curve_,
            "_no_improvement_count": self.no_improvement_count,
            "loss_": np.nan if self.loss_ is None else self.loss_,
        }
        return attributes

    def snapshot(self):
        """:meth:`attributes` with copies of the lists, which keep growing."""
        return {
            name: list(value) if isinstance(value, list) else value
            for name, value in self.attributes().items()
        }


def _finite_or_none(loss):
    """A model's ``loss_`` as progress keeps it: None for none (NaN, or a
    model of a version that left it unset)."""
    return None if loss is None or np.isnan(loss) else loss


def _aligned(curve, n_epochs, keep_none=False):
    """A copy of ``curve`` as a list of at least ``n_epochs`` entries, padded at
    its start with NaN. None stays None with ``keep_none``, else is empty."""
    if curve is None:
        if keep_none:
            return None
        curve = []
    curve = list(curve)
    if len(curve) < n_epochs:
        curve[:0] = [np.nan] * (n_epochs - len(curve))
    return curve
