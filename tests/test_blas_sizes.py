"""Sizes that BLAS's C ``int`` cannot hold raise instead of being truncated.

``gemm`` passes every dimension to BLAS as an ``int``: a layer, a batch or a
leading dimension of 2**31 or more would wrap silently (2**32 + 8 becomes 8).
The Engine and the prediction path check the sizes they are given first. The
tests use zero-size arrays of huge shape, or check before anything is
allocated, so they cost no memory.
"""

import tracemalloc

import numpy as np
import pytest

from skmlp._engine._blas import (
    GEMM_MAX_DIMENSION,
    _gemm_for_tests,
    check_gemm_dimensions,
)
from skmlp._engine._config import EngineConfig
from skmlp._engine._engine import Engine
from skmlp._engine._predict import dense_forward
from skmlp._network import ParameterLayout
from skmlp._optimizers import SGD

INT_MAX = 2**31 - 1


def test_the_limit_is_a_c_int():
    assert GEMM_MAX_DIMENSION == INT_MAX
    check_gemm_dimensions("X", n_rows=INT_MAX, n_cols=0)
    with pytest.raises(ValueError, match=r"X: n_cols = 4294967304 exceeds 2147483647"):
        check_gemm_dimensions("X", n_rows=1, n_cols=2**32 + 8)


def _engine(n_units, batch_size):
    layout = ParameterLayout(n_units)
    # Plain SGD keeps no state buffers: nothing of the layout's size is drawn.
    optimizer = SGD(layout.n_params, np.float32, learning_rate=0.1)
    return Engine(
        EngineConfig(
            layout,
            batch_size=batch_size,
            dtype=np.float32,
            activation=0,
            optimizer=optimizer,
        )
    )


@pytest.mark.parametrize(
    "n_units, batch_size, message",
    [
        ([2**31, 3, 2], 1, r"n_units\[0\] = 2147483648 exceeds"),
        ([4, 2**32 + 8, 2], 1, r"n_units\[1\] = 4294967304 exceeds"),
        ([4, 3, 2], 2**31, r"batch_size = 2147483648 exceeds"),
    ],
)
def test_engine_refuses_sizes_gemm_would_truncate_before_allocating(
    n_units, batch_size, message
):
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=message):
            _engine(n_units, batch_size)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2**20


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "n_rows, n_in, name", [(2**31, 0, "n_rows"), (0, 2**32 + 8, "n_in")]
)
def test_prediction_layer_refuses_sizes_gemm_would_truncate(dtype, n_rows, n_in, name):
    # Zero-size arrays of huge shape: the check sees the shapes, no memory.
    inputs = np.empty((n_rows, n_in), dtype=dtype)
    weights = np.empty((n_in, 0), dtype=dtype)
    bias = np.empty(0, dtype=dtype)
    out = np.empty((n_rows, 0), dtype=dtype)
    with pytest.raises(ValueError, match=rf"dense_forward: {name} = \d+ exceeds"):
        dense_forward(inputs, weights, bias, out, 0)


def test_gemm_test_entry_point_refuses_huge_sizes():
    a = np.empty((2**31, 0))
    b = np.empty((0, 0))
    c = np.empty((2**31, 0))
    with pytest.raises(ValueError, match=r"gemm: m = 2147483648 exceeds"):
        _gemm_for_tests(False, False, 1.0, a, b, 0.0, c)
