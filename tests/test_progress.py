"""The progress of a model's training (:mod:`skmlp._progress`): fresh,
resumed, and recorded epoch by epoch."""

import numpy as np
from numpy.testing import assert_array_equal

from skmlp._progress import Progress


def test_a_fresh_model_watches_the_loss_or_the_validation_score():
    on_loss = Progress.fresh(watches_validation=False)
    assert on_loss.best_loss_ == np.inf and on_loss.best_validation_score_ is None
    on_score = Progress.fresh(watches_validation=True)
    assert on_score.best_loss_ is None and on_score.best_validation_score_ == -np.inf
    assert np.isnan(on_loss.attributes()["loss_"])


def test_every_curve_gains_one_entry_per_epoch():
    progress = Progress.fresh(watches_validation=False)
    progress.record_epoch(1.0, 0.1)
    progress.record_epoch(0.5, 0.1, validation=(0.9, 0.3))
    attributes = progress.attributes()
    assert attributes["n_iter_"] == 2 and attributes["loss_"] == 0.5
    assert attributes["loss_curve_"] == [1.0, 0.5]
    # The first epoch had no validation data: NaN in its place.
    assert_array_equal(attributes["validation_scores_"], [np.nan, 0.9])
    assert_array_equal(attributes["validation_loss_curve_"], [np.nan, 0.3])


class _Model:
    """A fitted model's progress attributes, as an estimator holds them."""

    t_ = 120
    loss_ = 0.4
    best_loss_ = 0.4
    best_validation_score_ = None
    _no_improvement_count = 2
    loss_curve_ = [0.9, 0.6, 0.4]
    learning_rate_curve_ = [0.1]  # recorded before the curves followed one rule
    validation_scores_ = None


def test_a_resumed_model_carries_its_curves_on_aligned():
    progress = Progress.resume(_Model(), watches_validation=True)
    assert progress.t_ == 120 and progress.no_improvement_count == 2
    # Switching early stopping on starts its record afresh.
    assert progress.best_validation_score_ == -np.inf
    assert_array_equal(progress.learning_rate_curve_, [np.nan, np.nan, 0.1])
    assert progress.validation_scores_ is None
    progress.record_epoch(0.3, 0.1, validation=(0.8, 0.2))
    assert progress.n_iter_ == 1 and len(progress.loss_curve_) == 4
    assert_array_equal(progress.validation_scores_, [np.nan] * 3 + [0.8])
    # The model's own lists are left alone.
    assert _Model.loss_curve_ == [0.9, 0.6, 0.4]


def test_a_snapshot_does_not_follow_later_epochs():
    progress = Progress.fresh(watches_validation=False)
    progress.record_epoch(1.0, 0.1)
    snapshot = progress.snapshot()
    progress.record_epoch(0.5, 0.1)
    assert snapshot["loss_curve_"] == [1.0]
