"""The kernels of :mod:`skmlp._engine._max_norm` against NumPy."""

import numpy as np
import pytest
from kernel_helpers import DTYPES, close
from numpy.testing import assert_allclose

from skmlp._engine._max_norm import (
    _add_column_squares_for_tests,
    _project_columns_for_tests,
)


@pytest.mark.parametrize("dtype", DTYPES)
def test_add_column_squares(dtype):
    rng = np.random.default_rng(12)
    w = rng.normal(size=(7, 5)).astype(dtype)
    column_sq = rng.uniform(size=5)
    expected = column_sq + np.sum(w.astype(np.float64) ** 2, axis=0)

    _add_column_squares_for_tests(w, column_sq)

    assert_allclose(column_sq, expected, rtol=1e-6 if dtype == np.float32 else 1e-14)


@pytest.mark.parametrize("dtype", DTYPES)
def test_project_columns_scales_the_long_columns_onto_the_ball(dtype):
    rng = np.random.default_rng(13)
    w = rng.normal(size=(6, 8)).astype(dtype)
    norms = np.linalg.norm(w.astype(np.float64), axis=0)
    max_norm = float(np.median(norms))
    over = norms > max_norm
    assert 0 < over.sum() < 8
    expected = w.astype(np.float64) * np.minimum(1, max_norm / norms)
    projected = w.copy()

    _project_columns_for_tests(projected, max_norm, norms**2)

    close(projected, expected, dtype)
    new_norms = np.linalg.norm(projected.astype(np.float64), axis=0)
    assert_allclose(new_norms[over], max_norm, rtol=1e-6)
    # The columns within the ball keep their bits.
    assert projected[:, ~over].tobytes() == w[:, ~over].tobytes()


@pytest.mark.parametrize("dtype", DTYPES)
def test_project_columns_within_the_ball_changes_nothing(dtype):
    w = np.random.default_rng(14).normal(size=(4, 3)).astype(dtype)
    column_sq = np.sum(w.astype(np.float64) ** 2, axis=0)
    projected = w.copy()
    _project_columns_for_tests(projected, float(np.sqrt(column_sq.max())), column_sq)
    assert projected.tobytes() == w.tobytes()
    assert_allclose(column_sq, 1.0, rtol=0)
