"""The prediction layer of :mod:`skmlp._engine._predict` against NumPy."""

import numpy as np
import pytest
from kernel_helpers import ACTIVATIONS, ATOL, DTYPES, RTOL, f
from numpy.testing import assert_allclose

from skmlp._engine._predict import dense_forward
from skmlp._engine._types import Activation

# ---------------------------------------------------------------------------
# dense_forward


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ACTIVATIONS, ids=lambda a: a.name)
@pytest.mark.parametrize(
    "n_rows, n_in, n_out",
    [
        pytest.param(5, 3, 4, id="gemm"),
        # One row goes through GEMV instead of GEMM.
        pytest.param(1, 3, 4, id="gemv"),
        pytest.param(1, 784, 500, id="gemv_wide"),
        pytest.param(1, 0, 4, id="gemv_no_inputs"),
    ],
)
def test_dense_forward(dtype, activation, n_rows, n_in, n_out):
    rng = np.random.default_rng(12)
    inputs = rng.normal(size=(n_rows, n_in)).astype(dtype)
    weights = rng.normal(size=(n_in, n_out)).astype(dtype)
    bias = rng.normal(size=n_out).astype(dtype)
    out = np.full((n_rows, n_out), np.nan, dtype=dtype)  # overwritten, not read
    as64 = [x.astype(np.float64) for x in (inputs, weights, bias)]
    expected = f(as64[0] @ as64[1] + as64[2], activation)

    dense_forward(inputs, weights, bias, out, activation)

    # A sum of n_in rounded products: its error grows with n_in and the
    # products' sizes (the activations' slopes are at most 1).
    rounding = np.finfo(dtype).eps * n_in * (np.abs(as64[0]) @ np.abs(as64[1]))
    atol = max(ATOL[dtype], float(rounding.max(initial=0)))
    assert_allclose(out, expected, rtol=RTOL[dtype], atol=atol)


@pytest.mark.parametrize(
    "weights_shape, bias_shape, out_shape",
    [
        pytest.param((4, 4), (4,), (5, 4), id="weights_rows"),
        pytest.param((2, 4), (4,), (5, 4), id="weights_rows_fewer"),
        pytest.param((3, 4), (5,), (5, 4), id="bias_length"),
        pytest.param((3, 4), (3,), (5, 4), id="bias_length_short"),
        pytest.param((3, 4), (4,), (6, 4), id="out_rows"),
        pytest.param((3, 4), (4,), (4, 4), id="out_rows_fewer"),
        pytest.param((3, 4), (4,), (5, 3), id="out_columns"),
        pytest.param((3, 4), (4,), (5, 5), id="out_columns_more"),
    ],
)
def test_dense_forward_shapes_must_chain(weights_shape, bias_shape, out_shape):
    inputs = np.ones((5, 3))
    weights = np.ones(weights_shape)
    bias = np.ones(bias_shape)
    out = np.full(out_shape, -7.0)

    with pytest.raises(ValueError, match="do not chain"):
        dense_forward(inputs, weights, bias, out, Activation.RELU)
    assert np.all(out == -7.0)  # nothing was written
