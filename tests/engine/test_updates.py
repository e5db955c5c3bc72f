"""The kernels of :mod:`skmlp._engine._updates` against NumPy (and against
scikit-learn's own optimizers)."""

import numpy as np
import pytest
from kernel_helpers import DTYPES, PENALTIES, RTOL, close
from numpy.testing import assert_allclose

from skmlp._engine._types import Update
from skmlp._engine._updates import (
    _adam_step_for_tests,
    _add_column_squares_for_tests,
    _add_penalty_gradient_for_tests,
    _column_sums_for_tests,
    _momentum_finish_for_tests,
    _penalty_for_tests,
    _project_columns_for_tests,
    _sgd_step_for_tests,
    _weight_decay_for_tests,
    n_state_buffers,
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
# penalty and optimizer steps


def _weights(rng, dtype, n=9):
    w = rng.normal(size=n)
    w[[1, 5]] = 0  # sign(0) = 0: no L1 pull on a zero weight
    return w.astype(dtype)


def _penalty_reference(w, l1, l2):
    w = w.astype(np.float64)
    return l1 * np.abs(w).sum() + l2 * np.sum(w**2)


def _penalty_gradient_reference(w, l1, l2):
    w = w.astype(np.float64)
    return l1 * np.sign(w) + 2 * l2 * w


# Spans shorter than one 8-lane group, across a 1024-value block boundary with
# a ragged tail, and over several whole blocks.
SPAN_SIZES = [9, 1031, 5000]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("l1, l2", PENALTIES)
@pytest.mark.parametrize("n", SPAN_SIZES)
def test_penalty(dtype, l1, l2, n):
    w = _weights(np.random.default_rng(8), dtype, n)
    w_before = w.copy()

    value = _penalty_for_tests(w, l1, l2)

    assert_allclose(value, _penalty_reference(w, l1, l2), rtol=RTOL[dtype], atol=0)
    assert_allclose(w, w_before, rtol=0, atol=0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("l2", [0.0, 0.2])
@pytest.mark.parametrize("n", SPAN_SIZES)
def test_weight_decay(dtype, l2, n):
    # Plain SGD's L2 step: w *= 1 - 2 lr l2, returning the penalty before it.
    w = _weights(np.random.default_rng(12), dtype, n)
    w_before = w.astype(np.float64)
    lr = 0.05

    value = _weight_decay_for_tests(w, lr, l2)

    assert_allclose(
        value, _penalty_reference(w_before, 0, l2), rtol=RTOL[dtype], atol=0
    )
    close(w, (1 - 2 * lr * l2) * w_before, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("l1, l2", PENALTIES)
@pytest.mark.parametrize("n", SPAN_SIZES)
def test_add_penalty_gradient(dtype, l1, l2, n):
    rng = np.random.default_rng(16)
    w = _weights(rng, dtype, n)
    grad = rng.normal(size=n).astype(dtype)
    expected = grad.astype(np.float64) + _penalty_gradient_reference(w, l1, l2)
    w_before = w.copy()

    value = _add_penalty_gradient_for_tests(grad, w, l1, l2)

    assert_allclose(value, _penalty_reference(w, l1, l2), rtol=RTOL[dtype])
    close(grad, expected, dtype)
    assert_allclose(w, w_before, rtol=0, atol=0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("l1, l2", PENALTIES)
def test_momentum_finish(dtype, l1, l2):
    # The velocity comes in as momentum * v - lr * data gradient (the GEMM's
    # work); the step adds the penalty's gradient to it and moves w.
    rng = np.random.default_rng(17)
    w = _weights(rng, dtype)
    velocity = rng.normal(size=w.shape).astype(dtype)
    lr = 0.05
    expected_v = velocity.astype(np.float64) - lr * _penalty_gradient_reference(
        w, l1, l2
    )
    expected_w = w.astype(np.float64) + expected_v
    expected_penalty = _penalty_reference(w, l1, l2)

    value = _momentum_finish_for_tests(w, velocity, lr, l1, l2)

    assert_allclose(value, expected_penalty, rtol=RTOL[dtype])
    close(velocity, expected_v, dtype)
    close(w, expected_w, dtype)


def test_every_update_rule_counts_its_state_buffers():
    assert [n_state_buffers(update) for update in Update] == [0, 1, 1, 2, 0]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", ["plain", "momentum", "nesterov"])
@pytest.mark.parametrize("l1, l2", PENALTIES)
def test_sgd_step(dtype, mode, l1, l2):
    rng = np.random.default_rng(9)
    w = _weights(rng, dtype)
    grad = rng.normal(size=w.shape).astype(dtype)
    velocity = rng.normal(size=w.shape).astype(dtype)
    lr = 0.05
    momentum = 0.0 if mode == "plain" else 0.9
    nesterov = mode == "nesterov"

    # sklearn's SGDOptimizer, on the full gradient g = grad + penalty'(w).
    w64, v64 = w.astype(np.float64), velocity.astype(np.float64)
    g = grad.astype(np.float64) + _penalty_gradient_reference(w, l1, l2)
    expected_penalty = _penalty_reference(w, l1, l2)
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
    w = _weights(rng, dtype)
    grad = rng.normal(size=w.shape).astype(dtype)
    m = rng.normal(scale=0.1, size=w.shape).astype(dtype)
    v = rng.uniform(0.01, 0.1, size=w.shape).astype(dtype)
    step_size, beta_1, beta_2, epsilon = 0.01, 0.9, 0.999, 1e-8

    g = grad.astype(np.float64) + _penalty_gradient_reference(w, l1, l2)
    expected_penalty = _penalty_reference(w, l1, l2)
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
    optimizers = pytest.importorskip("sklearn.neural_network._stochastic_optimizers")
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
# max-norm: column sums of squares, projection, and the kernels that fuse them


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


def _kernel_inputs(rng, dtype, shape):
    n = shape[0] * shape[1]
    return {
        "w": _weights(rng, dtype, n),
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
