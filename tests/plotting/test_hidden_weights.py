"""HiddenWeightsDisplay: the first layer's weights, one tile per unit."""

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from display_checks import assert_display_attributes, assert_draws_something  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402

from skmlp import MLPDigitClassifier  # noqa: E402
from skmlp.plotting import HiddenWeightsDisplay  # noqa: E402


def test_hidden_weights_from_estimator(fitted):
    clf, _, _ = fitted
    display = HiddenWeightsDisplay.from_estimator(clf, n_units=9)
    assert_display_attributes(display)
    assert_draws_something(display.figure_)
    assert display.colorbar_ is not None
    assert "9 of 16" in display.ax_.get_title()
    # Each unit is scaled to [-1, 1] by its largest absolute weight.
    mosaic = display.image_.get_array()
    assert np.nanmax(np.abs(mosaic)) == pytest.approx(1.0)


def test_hidden_weights_shows_all_units_when_fewer_than_asked():
    weights = np.random.RandomState(0).randn(12, 5)
    display = HiddenWeightsDisplay(weights, image_shape=(3, 4)).plot(colorbar=False)
    assert display.colorbar_ is None
    assert "5 of 5" in display.ax_.get_title()
    assert_draws_something(display.figure_)


def test_hidden_weights_bad_input(fitted):
    with pytest.raises(ValueError, match="image_shape"):
        HiddenWeightsDisplay(np.ones((12, 4))).plot()
    with pytest.raises(ValueError, match="n_units"):
        HiddenWeightsDisplay(np.ones((16, 4))).plot(n_units=0)
    with pytest.raises(ValueError, match="n_features, n_units"):
        HiddenWeightsDisplay(np.ones(16)).plot()
    with pytest.raises(NotFittedError):
        HiddenWeightsDisplay.from_estimator(MLPDigitClassifier())
