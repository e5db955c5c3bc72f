"""skmlp._image_shape: the one rule for the side of a square image."""

import numpy as np
import pytest

from skmlp._image_shape import square_side


@pytest.mark.parametrize(
    "n_pixels, side", [(1, 1), (64, 8), (784, 28), (np.int64(4), 2)]
)
def test_perfect_squares_give_their_side(n_pixels, side):
    assert square_side(n_pixels) == side
    assert type(square_side(n_pixels)) is int


@pytest.mark.parametrize("n_pixels", [0, -4, 2, 12, 785])
def test_other_counts_have_no_side(n_pixels):
    assert square_side(n_pixels) is None


def test_huge_squares_are_exact_where_a_float_sqrt_is_not():
    # 10**20 + 1 has no float64: a rule through np.sqrt finds side 10**20,
    # whose square is not n_pixels, and calls a square not one.
    side = 10**20 + 1
    assert square_side(side * side) == side
    assert square_side(side * side - 1) is None
    assert int(np.sqrt(float(side * side)) + 0.5) != side


@pytest.mark.parametrize("n_pixels", [True, 4.0, "4", None, [4]])
def test_what_a_file_may_hold_instead_of_an_integer_has_no_side(n_pixels):
    assert square_side(n_pixels) is None
