"""The kernels of :mod:`skmlp._engine._penalties` against NumPy."""

import numpy as np
import pytest
from kernel_helpers import (
    DTYPES,
    PENALTIES,
    RTOL,
    close,
    penalty_gradient_reference,
    penalty_reference,
    weights_with_zeros,
)
from numpy.testing import assert_allclose

from skmlp._engine._penalties import (
    _add_penalty_gradient_for_tests,
    _penalty_for_tests,
    _weight_decay_for_tests,
)

# Spans shorter than one 8-lane group, across a 1024-value block boundary with
# a ragged tail, and over several whole blocks.
SPAN_SIZES = [9, 1031, 5000]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("l1, l2", PENALTIES)
@pytest.mark.parametrize("n", SPAN_SIZES)
def test_penalty(dtype, l1, l2, n):
    w = weights_with_zeros(np.random.default_rng(8), dtype, n)
    w_before = w.copy()

    value = _penalty_for_tests(w, l1, l2)

    assert_allclose(value, penalty_reference(w, l1, l2), rtol=RTOL[dtype], atol=0)
    assert_allclose(w, w_before, rtol=0, atol=0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("l2", [0.0, 0.2])
@pytest.mark.parametrize("n", SPAN_SIZES)
def test_weight_decay(dtype, l2, n):
    # Plain SGD's L2 step: w *= 1 - 2 lr l2, returning the penalty before it.
    w = weights_with_zeros(np.random.default_rng(12), dtype, n)
    w_before = w.astype(np.float64)
    lr = 0.05

    value = _weight_decay_for_tests(w, lr, l2)

    assert_allclose(value, penalty_reference(w_before, 0, l2), rtol=RTOL[dtype], atol=0)
    close(w, (1 - 2 * lr * l2) * w_before, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("l1, l2", PENALTIES)
@pytest.mark.parametrize("n", SPAN_SIZES)
def test_add_penalty_gradient(dtype, l1, l2, n):
    rng = np.random.default_rng(16)
    w = weights_with_zeros(rng, dtype, n)
    grad = rng.normal(size=n).astype(dtype)
    expected = grad.astype(np.float64) + penalty_gradient_reference(w, l1, l2)
    w_before = w.copy()

    value = _add_penalty_gradient_for_tests(grad, w, l1, l2)

    assert_allclose(value, penalty_reference(w, l1, l2), rtol=RTOL[dtype])
    close(grad, expected, dtype)
    assert_allclose(w, w_before, rtol=0, atol=0)
