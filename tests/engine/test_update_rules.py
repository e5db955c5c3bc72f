"""The passes of :mod:`skmlp._engine._update_rules` against NumPy (and
against scikit-learn's own optimizers)."""

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
from sklearn.neural_network import _stochastic_optimizers

from skmlp._engine._types import Update
from skmlp._engine._update_rules import (
    _adam_step_for_tests,
    _column_sums_for_tests,
    _momentum_finish_for_tests,
    _sgd_step_for_tests,
    n_state_buffers,
    rule_settings,
)

# ---------------------------------------------------------------------------
# column_sums


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("accumulate", [False, True])
def test_column_sums(dtype, accumulate):
    rng = np.random.default_rng(7)
    d = rng.normal(size=(5, 3)).astype(dtype)
    out = rng.normal(size=3).astype(dtype)
    expected = d.astype(np.float64).sum(axis=0)
    if accumulate:
        expected += out

    _column_sums_for_tests(d, out, accumulate)

    close(out, expected, dtype)


# ---------------------------------------------------------------------------
# The update passes


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("l1, l2", PENALTIES)
def test_momentum_finish(dtype, l1, l2):
    # The velocity comes in as momentum * v - lr * data gradient (the GEMM's
    # work); the step adds the penalty's gradient to it and moves w.
    rng = np.random.default_rng(17)
    w = weights_with_zeros(rng, dtype)
    velocity = rng.normal(size=w.shape).astype(dtype)
    lr = 0.05
    expected_v = velocity.astype(np.float64) - lr * penalty_gradient_reference(
        w, l1, l2
    )
    expected_w = w.astype(np.float64) + expected_v
    expected_penalty = penalty_reference(w, l1, l2)

    value = _momentum_finish_for_tests(w, velocity, lr, l1, l2)

    assert_allclose(value, expected_penalty, rtol=RTOL[dtype])
    close(velocity, expected_v, dtype)
    close(w, expected_w, dtype)


def test_every_update_rule_counts_its_state_buffers():
    assert [n_state_buffers(update) for update in Update] == [0, 1, 1, 2, 0]


def test_every_update_rule_names_the_settings_it_reads():
    assert {update.name: rule_settings(update) for update in Update} == {
        "SGD": (),
        "MOMENTUM": ("momentum",),
        "NESTEROV": ("momentum",),
        "ADAM": ("beta_1", "beta_2", "epsilon"),
        "GRADIENT": (),
    }


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", ["plain", "momentum", "nesterov"])
@pytest.mark.parametrize("l1, l2", PENALTIES)
def test_sgd_step(dtype, mode, l1, l2):
    rng = np.random.default_rng(9)
    w = weights_with_zeros(rng, dtype)
    grad = rng.normal(size=w.shape).astype(dtype)
    velocity = rng.normal(size=w.shape).astype(dtype)
    lr = 0.05
    momentum = 0.0 if mode == "plain" else 0.9
    nesterov = mode == "nesterov"

    # sklearn's SGDOptimizer, on the full gradient g = grad + penalty'(w).
    w64, v64 = w.astype(np.float64), velocity.astype(np.float64)
    g = grad.astype(np.float64) + penalty_gradient_reference(w, l1, l2)
    expected_penalty = penalty_reference(w, l1, l2)
    if mode == "plain":
        expected_v = v64  # unused, left alone
        expected_w = w64 - lr * g
    else:
        expected_v = momentum * v64 - lr * g
        update = momentum * expected_v - lr * g if nesterov else expected_v
        expected_w = w64 + update

    value = _sgd_step_for_tests(w, grad, velocity, lr, momentum, nesterov, l1, l2)

    assert_allclose(value, expected_penalty, rtol=RTOL[dtype])
    close(velocity, expected_v, dtype)
    close(w, expected_w, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("l1, l2", PENALTIES)
def test_adam_step(dtype, l1, l2):
    rng = np.random.default_rng(10)
    w = weights_with_zeros(rng, dtype)
    grad = rng.normal(size=w.shape).astype(dtype)
    m = rng.normal(scale=0.1, size=w.shape).astype(dtype)
    v = rng.uniform(0.01, 0.1, size=w.shape).astype(dtype)
    step_size, beta_1, beta_2, epsilon = 0.01, 0.9, 0.999, 1e-8

    g = grad.astype(np.float64) + penalty_gradient_reference(w, l1, l2)
    expected_penalty = penalty_reference(w, l1, l2)
    expected_m = beta_1 * m.astype(np.float64) + (1 - beta_1) * g
    expected_v = beta_2 * v.astype(np.float64) + (1 - beta_2) * g**2
    expected_w = w.astype(np.float64) - step_size * expected_m / (
        np.sqrt(expected_v) + epsilon
    )

    value = _adam_step_for_tests(
        w, grad, m, v, step_size, beta_1, beta_2, epsilon, l1, l2
    )

    assert_allclose(value, expected_penalty, rtol=RTOL[dtype])
    close(m, expected_m, dtype)
    close(v, expected_v, dtype)
    close(w, expected_w, dtype)


@pytest.mark.parametrize("mode", ["plain", "momentum", "nesterov", "adam"])
def test_optimizer_steps_match_sklearn(mode):
    # Three steps from zero state, checked against scikit-learn's own
    # optimizers (no penalty: they take the full gradient).
    optimizers = _stochastic_optimizers
    rng = np.random.default_rng(11)
    w = rng.normal(size=6)
    grads = [rng.normal(size=6) for _ in range(3)]
    lr = 0.05
    params = [w.copy()]
    if mode == "adam":
        optimizer = optimizers.AdamOptimizer(params, learning_rate_init=lr)
    else:
        optimizer = optimizers.SGDOptimizer(
            params,
            learning_rate_init=lr,
            momentum=0.0 if mode == "plain" else 0.9,
            nesterov=mode == "nesterov",
        )
    state_1, state_2 = np.zeros(6), np.zeros(6)
    for t, grad in enumerate(grads, start=1):
        optimizer.update_params(params, [grad])
        if mode == "adam":
            step_size = lr * np.sqrt(1 - 0.999**t) / (1 - 0.9**t)
            _adam_step_for_tests(
                w, grad.copy(), state_1, state_2, step_size, 0.9, 0.999, 1e-8, 0, 0
            )
        else:
            _sgd_step_for_tests(
                w,
                grad.copy(),
                state_1,
                lr,
                optimizer.momentum,
                optimizer.nesterov,
                0,
                0,
            )
        assert_allclose(w, params[0], rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------------------------
# The passes with max-norm's column sums


def _kernel_inputs(rng, dtype, shape):
    n = shape[0] * shape[1]
    return {
        "w": weights_with_zeros(rng, dtype, n),
        "grad": rng.normal(size=n).astype(dtype),
        "state_1": rng.normal(scale=0.1, size=n).astype(dtype),
        "state_2": rng.uniform(0.01, 0.1, size=n).astype(dtype),
    }


def _run_kernel(kernel, arrays, l1, l2, n_cols=0, column_sq=None):
    w, grad, s1, s2 = (arrays[k] for k in ("w", "grad", "state_1", "state_2"))
    if kernel == "momentum":
        return _momentum_finish_for_tests(w, s1, 0.05, l1, l2, n_cols, column_sq)
    if kernel == "adam":
        return _adam_step_for_tests(
            w, grad, s1, s2, 0.01, 0.9, 0.999, 1e-8, l1, l2, n_cols, column_sq
        )
    momentum = 0.0 if kernel == "plain" else 0.9
    return _sgd_step_for_tests(
        w, grad, s1, 0.05, momentum, kernel == "nesterov", l1, l2, n_cols, column_sq
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "kernel", ["plain", "nesterov", "sgd-momentum", "momentum", "adam"]
)
@pytest.mark.parametrize("l1, l2", [(0.0, 0.0), (0.01, 0.05)])
@pytest.mark.parametrize("shape", [(3, 5), (1, 9), (130, 11)])
def test_kernels_sum_the_new_columns_squares_without_changing_the_step(
    dtype, kernel, l1, l2, shape
):
    """With column_sq, an update kernel walks w row by row and adds the
    squares of the weights it wrote to their column's sum; the step itself
    is the same, bit for bit."""
    rng = np.random.default_rng(15)
    plain = _kernel_inputs(rng, dtype, shape)
    fused = {name: array.copy() for name, array in plain.items()}
    column_sq = np.full(shape[1], 0.5)

    value = _run_kernel(kernel, plain, l1, l2)
    fused_value = _run_kernel(kernel, fused, l1, l2, shape[1], column_sq)

    assert fused_value == value
    for name in plain:
        assert fused[name].tobytes() == plain[name].tobytes(), name
    new_w = plain["w"].astype(np.float64).reshape(shape)
    assert_allclose(column_sq, 0.5 + np.sum(new_w**2, axis=0), rtol=1e-6)
