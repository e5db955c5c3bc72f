"""Tests of the row-major GEMM wrapper in :mod:`skmlp._engine._blas`.

In the style of scikit-learn's ``sklearn/utils/tests/test_cython_blas.py``: the
compiled routine is compared with a plain NumPy reference computed in float64.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skmlp._engine._blas import _gemm_for_tests

DTYPES = [np.float32, np.float64]
# Python floats for alpha and beta always pick the double specialization of the
# fused function, so select it by C type, as scikit-learn's tests do.
CYTHON_TYPE = {np.float32: "float", np.float64: "double"}
RTOL = {np.float32: 1e-5, np.float64: 1e-12}
# The operands are O(1): an absolute floor guards entries that cancel towards 0.
ATOL = {np.float32: 1e-5, np.float64: 1e-12}


def _operands(rng, dtype, trans_a, trans_b, m, n, k):
    """A, B stored so that op(A) is (m, k) and op(B) is (k, n), and a random C."""
    a = rng.uniform(-1, 1, size=(k, m) if trans_a else (m, k)).astype(dtype)
    b = rng.uniform(-1, 1, size=(n, k) if trans_b else (k, n)).astype(dtype)
    c = rng.uniform(-1, 1, size=(m, n)).astype(dtype)
    return a, b, c


def _reference(trans_a, trans_b, alpha, a, b, beta, c):
    op_a = a.T if trans_a else a
    op_b = b.T if trans_b else b
    op_a, op_b, c = (x.astype(np.float64) for x in (op_a, op_b, c))
    return alpha * op_a @ op_b + beta * c


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("trans_a", [False, True], ids=["NA", "TA"])
@pytest.mark.parametrize("trans_b", [False, True], ids=["NB", "TB"])
@pytest.mark.parametrize("alpha", [1.0, -2.5, 0.0])
@pytest.mark.parametrize("beta", [0.0, 1.0, 0.5])
@pytest.mark.parametrize("shape", [(3, 4, 5), (1, 6, 2), (7, 1, 3), (4, 3, 1)])
def test_gemm(dtype, trans_a, trans_b, alpha, beta, shape):
    # Distinct m, n, k so that a transposition or operand-swap mistake changes
    # the shapes and values of the result.
    m, n, k = shape
    rng = np.random.default_rng(0)
    a, b, c = _operands(rng, dtype, trans_a, trans_b, m, n, k)
    a_before, b_before = a.copy(), b.copy()
    expected = _reference(trans_a, trans_b, alpha, a, b, beta, c)

    gemm = _gemm_for_tests[CYTHON_TYPE[dtype]]
    gemm(trans_a, trans_b, alpha, a, b, beta, c)

    assert c.dtype == dtype
    assert_allclose(c, expected, rtol=RTOL[dtype], atol=ATOL[dtype])
    # The inputs are read only.
    assert_allclose(a, a_before, rtol=0, atol=0)
    assert_allclose(b, b_before, rtol=0, atol=0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("trans_a", [False, True], ids=["NA", "TA"])
@pytest.mark.parametrize("trans_b", [False, True], ids=["NB", "TB"])
def test_gemm_beta_zero_overwrites_garbage(dtype, trans_a, trans_b):
    # beta = 0 means "C need not be set on input" (BLAS): whatever C holds,
    # even non-finite values left over in a scratch buffer, must not leak.
    m, n, k = 4, 3, 5
    rng = np.random.default_rng(1)
    a, b, _ = _operands(rng, dtype, trans_a, trans_b, m, n, k)
    expected = _reference(trans_a, trans_b, 1.0, a, b, 0.0, np.zeros((m, n)))
    c = np.full((m, n), np.nan, dtype=dtype)
    c[0, 0] = np.inf
    c[1, 1] = -np.inf
    c[2, 2] = 1e30

    _gemm_for_tests[CYTHON_TYPE[dtype]](trans_a, trans_b, 1.0, a, b, 0.0, c)

    assert np.all(np.isfinite(c))
    assert_allclose(c, expected, rtol=RTOL[dtype], atol=ATOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("trans_a", [False, True], ids=["NA", "TA"])
@pytest.mark.parametrize("trans_b", [False, True], ids=["NB", "TB"])
def test_gemm_beta_one_accumulates(dtype, trans_a, trans_b):
    # Summing the products of two chunks with beta = 1 gives the product of the
    # whole (how the engine sums minibatch gradients).
    m, n, k = 3, 5, 6
    rng = np.random.default_rng(2)
    a, b, _ = _operands(rng, dtype, trans_a, trans_b, m, n, k)
    op_a = a.T if trans_a else a
    op_b = b.T if trans_b else b
    expected = op_a.astype(np.float64) @ op_b.astype(np.float64)

    gemm = _gemm_for_tests[CYTHON_TYPE[dtype]]
    c = np.zeros((m, n), dtype=dtype)
    for chunk in (slice(0, 2), slice(2, k)):
        a_part = np.ascontiguousarray(op_a[:, chunk].T if trans_a else op_a[:, chunk])
        b_part = np.ascontiguousarray(op_b[chunk].T if trans_b else op_b[chunk])
        gemm(trans_a, trans_b, 1.0, a_part, b_part, 1.0, c)

    assert_allclose(c, expected, rtol=RTOL[dtype], atol=ATOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_gemm_rejects_mixed_dtypes(dtype):
    other = np.float64 if dtype == np.float32 else np.float32
    a = np.ones((2, 2), dtype=dtype)
    c = np.zeros((2, 2), dtype=other)
    with pytest.raises(ValueError, match="Buffer dtype mismatch"):
        _gemm_for_tests[CYTHON_TYPE[dtype]](False, False, 1.0, a, a, 0.0, c)
    assert np.all(c == 0)
