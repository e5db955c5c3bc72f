"""TrainingCurveDisplay: the loss and validation curves of a fit."""

import pytest

plt = pytest.importorskip("matplotlib.pyplot")

from display_checks import assert_display_attributes, assert_draws_something  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402

from skmlp import MLPDigitClassifier  # noqa: E402
from skmlp.plotting import TrainingCurveDisplay  # noqa: E402


def test_training_curve_with_validation_scores(fitted):
    clf, _, _ = fitted
    display = TrainingCurveDisplay.from_estimator(clf)
    assert_display_attributes(display)
    assert_draws_something(display.figure_)
    assert display.loss_line_.get_ydata().tolist() == clf.loss_curve_
    assert display.score_ax_ is not None
    assert display.score_line_.get_ydata().tolist() == clf.validation_scores_
    assert display.loss_line_.get_xdata()[0] == 1  # epochs count from 1


def test_training_curve_without_validation_scores_and_on_given_axes():
    _, ax = plt.subplots()
    display = TrainingCurveDisplay([1.0, 0.5, 0.25]).plot(ax=ax, yscale="log")
    assert display.ax_ is ax
    assert display.score_ax_ is None and display.score_line_ is None
    assert ax.get_yscale() == "log"
    assert_draws_something(display.figure_)


@pytest.mark.parametrize(
    "loss, scores, match",
    [([], None, "empty"), ([1.0, 0.5], [0.9], "one of each per epoch")],
)
def test_training_curve_bad_input(loss, scores, match):
    with pytest.raises(ValueError, match=match):
        TrainingCurveDisplay(loss, scores).plot()


def test_training_curve_needs_a_fitted_model():
    with pytest.raises(NotFittedError):
        TrainingCurveDisplay.from_estimator(MLPDigitClassifier())
