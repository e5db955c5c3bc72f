"""DigitsGridDisplay: sample images with their labels."""

import numpy as np
import pytest

plt = pytest.importorskip("matplotlib.pyplot")

from display_checks import assert_display_attributes, assert_draws_something  # noqa: E402

from skmlp.plotting import DigitsGridDisplay  # noqa: E402


def test_digits_grid_from_data(digits):
    X, y = digits
    display = DigitsGridDisplay.from_data(X, y, n_images=20, n_cols=5, title="Digits")
    assert_display_attributes(display)
    assert_draws_something(display.figure_)
    assert [t.get_text() for t in display.texts_[:, 0]] == [str(v) for v in y[:20]]
    # 20 images of 8 x 8 pixels in 5 columns: 4 rows of tiles.
    height, width = display.image_.get_array().shape
    assert width > 5 * 8 and height > 4 * 8


def test_digits_grid_on_given_axes_without_labels(digits):
    X, _ = digits
    _, ax = plt.subplots()
    display = DigitsGridDisplay.from_data(X.reshape(-1, 8, 8), n_images=3, ax=ax)
    assert display.ax_ is ax
    assert display.texts_.shape == (3, 0)


def test_digits_grid_bad_input():
    with pytest.raises(ValueError, match="image_shape"):
        DigitsGridDisplay.from_data(np.ones((3, 10)))
    with pytest.raises(ValueError, match="labels"):
        DigitsGridDisplay.from_data(np.ones((3, 16)), [1, 2])
    with pytest.raises(ValueError, match="n_cols"):
        DigitsGridDisplay.from_data(np.ones((3, 16)), n_cols=0)
    with pytest.raises(ValueError, match="empty"):
        DigitsGridDisplay(np.ones((0, 4, 4))).plot()
