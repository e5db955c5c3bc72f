"""The side of a square image, from its number of pixels: one rule.

Rows of X hold images row by row; without an explicit shape, skmlp takes them
to be square. Every reader of that rule (augmentation, the data sets, the
plots, the command line) asks :func:`square_side`.
"""

import math
import numbers

__all__ = ["square_side"]


def square_side(n_pixels):
    """The side of a square image of ``n_pixels`` pixels, or None.

    Parameters
    ----------
    n_pixels : int
        A number of pixels (features of a row of X).

    Returns
    -------
    side : int or None
        The integer whose square is ``n_pixels``; None when ``n_pixels`` is
        not a positive perfect square, or not an integer at all (a bool, a
        float, anything a file may hold).

    Examples
    --------
    >>> from skmlp._image_shape import square_side
    >>> square_side(784), square_side(64), square_side(12)
    (28, 8, None)
    """
    if isinstance(n_pixels, bool) or not isinstance(n_pixels, numbers.Integral):
        return None
    n_pixels = int(n_pixels)
    if n_pixels < 1:
        return None
    side = math.isqrt(n_pixels)  # exact for any size, unlike a float sqrt
    return side if side * side == n_pixels else None
