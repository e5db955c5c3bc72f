"""The kernels of :mod:`skmlp._engine._rows` against NumPy."""

import numpy as np
import pytest
from kernel_helpers import DTYPES
from numpy.testing import assert_allclose

from skmlp._engine._rows import _gather_rows_for_tests

# ---------------------------------------------------------------------------
# gather_rows


def _layouts(dtype):
    rng = np.random.default_rng(6)
    base = rng.normal(size=(7, 6)).astype(dtype)
    wide = rng.normal(size=(7, 12)).astype(dtype)
    tall = rng.normal(size=(21, 6)).astype(dtype)
    read_only = base.copy()
    read_only.setflags(write=False)
    read_only_strided = wide[:, 1::2]
    read_only_strided.setflags(write=False)
    return {
        "C": base,
        "F": np.asfortranarray(base),
        "columns_step_2": wide[:, ::2],
        "rows_step_3": tall[::3],
        "reversed": base[::-1],
        "read_only": read_only,
        "read_only_strided": read_only_strided,
    }


LAYOUTS = list(_layouts(np.float64))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_gather_rows(dtype, layout):
    x = _layouts(dtype)[layout]
    assert x.shape == (7, 6)
    rows = np.array([4, 0, 6, 4, 2], dtype=np.intp)  # repeats, any order
    out = np.full((rows.shape[0], x.shape[1]), np.nan, dtype=dtype)

    _gather_rows_for_tests(x, rows, out)

    assert_allclose(out, x[rows], rtol=0, atol=0)


def test_gather_rows_read_only_indices():
    x = np.arange(12.0).reshape(4, 3)
    x.setflags(write=False)
    rows = np.array([3, 1], dtype=np.intp)
    rows.setflags(write=False)
    out = np.zeros((2, 3))

    _gather_rows_for_tests(x, rows, out)

    assert_allclose(out, [[9, 10, 11], [3, 4, 5]], rtol=0, atol=0)
