"""The L-BFGS wrapper of :mod:`skmlp._lbfgs`, on an engine stand-in whose
objective is known: f(x) = sum(scale * (x - target)**2) / 2."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skmlp._lbfgs import minimize_lbfgs

TARGET = np.array([1.0, -2.0, 3.0, 0.5])
# Ill-conditioned, so that the search takes several iterations.
SCALE = np.array([1.0, 10.0, 100.0, 1000.0])


class QuadraticEngine:
    """Answers loss_gradient as the engine does (loss returned, gradient
    written into ``grad``), counting the calls."""

    def __init__(self, overflow_at=None, interrupt_at=None):
        self.calls = 0
        self.overflow_at = overflow_at
        self.interrupt_at = interrupt_at

    def loss_gradient(self, rows, params, grad):
        self.calls += 1
        if self.calls == self.interrupt_at:
            raise KeyboardInterrupt
        if self.overflow_at is not None and self.calls >= self.overflow_at:
            grad[...] = np.inf
            return np.inf
        grad[...] = SCALE * (params - TARGET)
        return 0.5 * float(np.sum(SCALE * (params - TARGET) ** 2))


def _minimize(engine, params, on_iteration=lambda loss: False, max_iter=50):
    return minimize_lbfgs(
        engine,
        None,
        params,
        max_iter=max_iter,
        max_fun=1000,
        tol=1e-10,
        on_iteration=on_iteration,
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_finds_the_minimum_in_place(dtype):
    params = np.zeros(4, dtype=dtype)
    losses = []
    result = _minimize(QuadraticEngine(), params, lambda loss: losses.append(loss))
    assert result.success
    assert params.dtype == dtype
    assert_allclose(params, TARGET, rtol=1e-5)
    assert losses == sorted(losses, reverse=True) and losses[-1] < 1e-8


def test_each_iteration_is_reported_with_params_at_the_iterate():
    params = np.zeros(4)
    seen = []

    def on_iteration(loss):
        seen.append((loss, params.copy()))
        return False

    _minimize(QuadraticEngine(), params, on_iteration)
    for loss, iterate in seen:
        assert_allclose(loss, 0.5 * np.sum(SCALE * (iterate - TARGET) ** 2), rtol=1e-12)


def test_on_iteration_returning_true_stops_the_search():
    params = np.zeros(4)
    calls = []
    result = _minimize(QuadraticEngine(), params, lambda loss: calls.append(loss) or 1)
    assert len(calls) == 1 and result.nit <= 1


def test_a_start_that_overflows_keeps_the_starting_point():
    params = np.full(4, 7.0)
    result = _minimize(QuadraticEngine(overflow_at=1), params)
    assert not np.isfinite(result.fun)
    assert_allclose(params, 7.0, rtol=0)


def test_overflowing_trial_points_are_stepped_back_from():
    # From the fourth evaluation on, everything overflows: the search must
    # end on a finite iterate, not on a trial point.
    params = np.zeros(4)
    result = _minimize(QuadraticEngine(overflow_at=4), params)
    assert np.all(np.isfinite(params))
    assert np.isfinite(result.fun) or result.fun == np.inf


def test_ctrl_c_leaves_the_last_iterate():
    params = np.zeros(4)
    iterates = []

    def on_iteration(loss):
        iterates.append(params.copy())
        return False

    with pytest.raises(KeyboardInterrupt):
        _minimize(QuadraticEngine(interrupt_at=8), params, on_iteration)
    # Not the line search's trial point: the iterate last reported.
    assert iterates
    assert_allclose(params, iterates[-1], rtol=0)
