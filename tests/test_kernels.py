"""Tests of the nogil kernels of :mod:`skmlp._kernels` and the Python entry
points of :mod:`skmlp._train`.

Each kernel is compared with the plain NumPy formula of its docstring, computed
in float64 from the same (possibly float32) inputs.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.special import expit, log_softmax, softmax

from skmlp._kernels import (
    LEAKY_RELU_SLOPE,
    Activation,
    _activation_backward_for_tests,
    _adam_step_for_tests,
    _bias_activation_for_tests,
    _column_sums_for_tests,
    _gather_rows_for_tests,
    _penalty_for_tests,
    _sgd_step_for_tests,
    _softmax_cross_entropy_delta_for_tests,
    _softmax_for_tests,
    _weight_decay_for_tests,
)
from skmlp._train import dense_forward, softmax_inplace

DTYPES = [np.float32, np.float64]
RTOL = {np.float32: 1e-5, np.float64: 1e-12}
# An absolute floor for entries of O(1) inputs that land close to 0.
ATOL = {np.float32: 1e-6, np.float64: 1e-13}
ACTIVATIONS = list(Activation)
PENALTIES = [(0.0, 0.0), (0.1, 0.0), (0.0, 0.2), (0.1, 0.2)]


def _close(actual, expected, dtype, **kwargs):
    assert_allclose(actual, expected, rtol=RTOL[dtype], atol=ATOL[dtype], **kwargs)


def _f(z, activation):
    """The activation functions, in NumPy."""
    z = np.asarray(z, dtype=np.float64)
    if activation == Activation.IDENTITY:
        return z
    if activation == Activation.LOGISTIC:
        return expit(z)
    if activation == Activation.TANH:
        return np.tanh(z)
    if activation == Activation.RELU:
        return np.maximum(z, 0)
    if activation == Activation.LEAKY_RELU:
        return np.where(z > 0, z, LEAKY_RELU_SLOPE * z)
    raise ValueError(activation)


def _f_prime_of_a(a, activation):
    """f'(z) in terms of a = f(z), in NumPy."""
    a = np.asarray(a, dtype=np.float64)
    if activation == Activation.IDENTITY:
        return np.ones_like(a)
    if activation == Activation.LOGISTIC:
        return a * (1 - a)
    if activation == Activation.TANH:
        return 1 - a**2
    if activation == Activation.RELU:
        return (a > 0).astype(np.float64)
    if activation == Activation.LEAKY_RELU:
        return np.where(a > 0, 1.0, LEAKY_RELU_SLOPE)
    raise ValueError(activation)


def _logits_away_from_zero(rng, shape, scale=2.0):
    """Random values with |z| >= 0.1, so that ReLU is differentiable at each."""
    z = rng.uniform(0.1, scale, size=shape)
    return z * rng.choice([-1.0, 1.0], size=shape)


# ---------------------------------------------------------------------------
# bias_activation


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ACTIVATIONS, ids=lambda a: a.name)
def test_bias_activation(dtype, activation):
    rng = np.random.default_rng(0)
    # Non-square, distinct biases: a bias broadcast along the wrong axis fails.
    z = rng.normal(scale=2, size=(5, 4)).astype(dtype)
    bias = rng.normal(size=4).astype(dtype)
    bias_before = bias.copy()
    expected = _f(z.astype(np.float64) + bias.astype(np.float64), activation)

    _bias_activation_for_tests(z, bias, activation)

    _close(z, expected, dtype)
    assert_allclose(bias, bias_before, rtol=0, atol=0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_bias_activation_logistic_saturates(dtype):
    # exp(-x) overflows for x = -1e4: the result must be 0, not NaN.
    z = np.array([[-1e4, 1e4, -1e3, 1e3, -50.0, 50.0, -20.0, 0.0]], dtype=dtype)
    bias = np.zeros(z.shape[1], dtype=dtype)
    expected = expit(z.astype(np.float64))

    _bias_activation_for_tests(z, bias, Activation.LOGISTIC)

    assert np.all(np.isfinite(z))
    assert np.all((z >= 0) & (z <= 1))
    assert z[0, 0] == 0 and z[0, 1] == 1
    _close(z, expected, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_bias_activation_relu_zeroes_negatives(dtype):
    z = np.array([[-3.0, -0.5, 0.0, 0.5], [2.0, -1.0, 4.0, -7.0]], dtype=dtype)
    bias = np.array([1.0, 0.25, -1.0, 0.0], dtype=dtype)
    pre = z + bias

    _bias_activation_for_tests(z, bias, Activation.RELU)

    assert np.all(z[pre <= 0] == 0)
    assert_allclose(z[pre > 0], pre[pre > 0], rtol=0, atol=0)


# ---------------------------------------------------------------------------
# activation_backward


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ACTIVATIONS, ids=lambda a: a.name)
def test_activation_backward(dtype, activation):
    rng = np.random.default_rng(1)
    z = _logits_away_from_zero(rng, (4, 3))
    a = _f(z, activation).astype(dtype)
    delta = rng.normal(size=(4, 3)).astype(dtype)
    expected = delta.astype(np.float64) * _f_prime_of_a(a, activation)
    a_before = a.copy()

    _activation_backward_for_tests(delta, a, activation)

    _close(delta, expected, dtype)
    assert_allclose(a, a_before, rtol=0, atol=0)


@pytest.mark.parametrize("activation", ACTIVATIONS, ids=lambda a: a.name)
def test_activation_backward_finite_difference(activation):
    # The kernel only sees a = f(z): check that it recovers the derivative of
    # f at z itself, by central differences.
    rng = np.random.default_rng(2)
    z = _logits_away_from_zero(rng, (3, 5))
    eps = 1e-6
    derivative = (_f(z + eps, activation) - _f(z - eps, activation)) / (2 * eps)
    a = _f(z, activation)
    delta = rng.normal(size=z.shape)
    expected = delta * derivative

    _activation_backward_for_tests(delta, a, activation)

    assert_allclose(delta, expected, rtol=1e-7, atol=1e-9)


# ---------------------------------------------------------------------------
# softmax_cross_entropy_delta


def _cross_entropy_reference(z, y, sample_weight, scale):
    """Loss sum_i s_i * -log softmax(z_i)[y_i] and its scaled gradient."""
    z = z.astype(np.float64)
    sample_weight = sample_weight.astype(np.float64)
    rows = np.arange(z.shape[0])
    loss = np.sum(sample_weight * -log_softmax(z, axis=1)[rows, y])
    onehot = np.zeros_like(z)
    onehot[rows, y] = 1
    delta = (softmax(z, axis=1) - onehot) * (sample_weight * scale)[:, None]
    return loss, delta


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_cross_entropy_delta(dtype):
    rng = np.random.default_rng(3)
    z = rng.normal(scale=3, size=(6, 4)).astype(dtype)
    y = np.array([0, 3, 1, 2, 3, 0], dtype=np.intc)
    sample_weight = np.array([1.0, 0.5, 2.0, 0.0, 1.5, 0.25], dtype=dtype)
    scale = 1 / sample_weight.astype(np.float64).sum()
    expected_loss, expected_delta = _cross_entropy_reference(z, y, sample_weight, scale)

    loss = _softmax_cross_entropy_delta_for_tests(z, y, sample_weight, scale)

    assert isinstance(loss, float)
    assert_allclose(loss, expected_loss, rtol=RTOL[dtype])
    _close(z, expected_delta, dtype)
    # A sample of weight 0 contributes no gradient.
    assert np.all(z[3] == 0)


def test_softmax_cross_entropy_delta_is_the_gradient():
    # The delta is the gradient of loss * scale with respect to the logits.
    rng = np.random.default_rng(4)
    z = rng.normal(scale=2, size=(3, 4))
    y = np.array([2, 0, 3], dtype=np.intc)
    sample_weight = np.array([0.5, 2.0, 1.0])
    scale = 0.3

    def objective(logits):
        return scale * _softmax_cross_entropy_delta_for_tests(
            logits.copy(), y, sample_weight, scale
        )

    eps = 1e-6
    numerical = np.zeros_like(z)
    for index in np.ndindex(z.shape):
        step = np.zeros_like(z)
        step[index] = eps
        numerical[index] = (objective(z + step) - objective(z - step)) / (2 * eps)

    delta = z.copy()
    _softmax_cross_entropy_delta_for_tests(delta, y, sample_weight, scale)

    assert_allclose(delta, numerical, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_cross_entropy_delta_extreme_logits(dtype):
    big = 1e30
    z = np.array(
        [
            [big, -big, 0.0],  # true class has probability exp(-2e30) = 0
            [-big, big, -big],  # true class has probability 1
            [big, big, -big],  # a tie at the top
            [-big, -big, -big],  # all equal and very negative
        ],
        dtype=dtype,
    )
    y = np.array([1, 1, 0, 2], dtype=np.intc)
    sample_weight = np.ones(4, dtype=dtype)
    expected_loss, expected_delta = _cross_entropy_reference(z, y, sample_weight, 1.0)

    loss = _softmax_cross_entropy_delta_for_tests(z, y, sample_weight, 1.0)

    assert np.isfinite(loss)
    assert np.all(np.isfinite(z))
    assert_allclose(loss, expected_loss, rtol=RTOL[dtype])
    _close(z, expected_delta, dtype)
    # delta + onehot is the softmax, whose rows sum to 1.
    probabilities = z.astype(np.float64)
    probabilities[np.arange(4), y] += 1
    assert_allclose(probabilities.sum(axis=1), 1, rtol=RTOL[dtype])
    assert_allclose(
        probabilities,
        [[1, 0, 0], [0, 1, 0], [0.5, 0.5, 0], [1 / 3, 1 / 3, 1 / 3]],
        rtol=RTOL[dtype],
    )


# ---------------------------------------------------------------------------
# softmax and log_softmax


def _softmax_kernel(z, take_log):
    _softmax_for_tests(z, take_log)


def _softmax_train(z, take_log):
    softmax_inplace(z, take_log)


SOFTMAX_FUNCTIONS = [
    pytest.param(_softmax_kernel, id="_softmax_for_tests"),
    pytest.param(_softmax_train, id="softmax_inplace"),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("take_log", [False, True], ids=["softmax", "log_softmax"])
@pytest.mark.parametrize("func", SOFTMAX_FUNCTIONS)
def test_softmax(dtype, take_log, func):
    rng = np.random.default_rng(5)
    z = rng.normal(scale=5, size=(5, 4)).astype(dtype)
    z[0] += 40  # a shift changes nothing
    reference = log_softmax if take_log else softmax
    expected = reference(z.astype(np.float64), axis=1)

    func(z, take_log)

    _close(z, expected, dtype)
    probabilities = np.exp(z.astype(np.float64)) if take_log else z
    assert_allclose(probabilities.sum(axis=1), 1, rtol=RTOL[dtype])


def test_softmax_inplace_defaults_to_probabilities():
    z = np.array([[1.0, 2.0, 3.0]])
    softmax_inplace(z)
    assert_allclose(z, softmax([[1.0, 2.0, 3.0]], axis=1), rtol=1e-12)


def test_softmax_inplace_no_rows():
    z = np.empty((0, 3))
    softmax_inplace(z)
    softmax_inplace(z, True)
    assert z.shape == (0, 3)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("take_log", [False, True], ids=["softmax", "log_softmax"])
@pytest.mark.parametrize("func", SOFTMAX_FUNCTIONS)
def test_softmax_extreme_logits(dtype, take_log, func):
    # Each row has a single maximum; the other probabilities underflow to 0,
    # where the log-probabilities must stay finite (about -2e30).
    big = 1e30
    z = np.array([[big, -big, 0.0], [-big, -big, big], [0.0, -big, -big]], dtype=dtype)
    reference = log_softmax if take_log else softmax
    expected = reference(z.astype(np.float64), axis=1)

    func(z, take_log)

    assert np.all(np.isfinite(z))
    _close(z, expected, dtype)
    probabilities = np.exp(z.astype(np.float64)) if take_log else z
    assert_allclose(probabilities.sum(axis=1), 1, rtol=RTOL[dtype])
    if take_log:
        assert np.all(z[np.isclose(expected, 0)] == 0)
        assert np.all(z[~np.isclose(expected, 0)] < -1e29)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("take_log", [False, True], ids=["softmax", "log_softmax"])
@pytest.mark.parametrize("func", SOFTMAX_FUNCTIONS)
def test_softmax_extreme_logits_tie(dtype, take_log, func):
    big = 1e30
    z = np.array([[big, big, -big], [-big, -big, -big]], dtype=dtype)
    expected = softmax(z.astype(np.float64), axis=1)

    func(z, take_log)

    assert np.all(np.isfinite(z))
    if take_log:
        # Only finiteness here: the values are checked (and currently wrong)
        # in test_log_softmax_large_row_maximum.
        assert np.all(z <= 0)
        assert z[0, 2] < -1e29
    else:
        _close(z, expected, dtype)
        assert_allclose(z.sum(axis=1), 1, rtol=RTOL[dtype])


@pytest.mark.parametrize(
    "dtype, offset",
    [
        (np.float32, 1e4),  # ulp(1e4) = 1e-3 in float32
        (np.float32, 1e30),
        (np.float64, 1e8),  # ulp(1e8) = 1.5e-8 in float64
        (np.float64, 1e30),
    ],
)
@pytest.mark.parametrize("func", SOFTMAX_FUNCTIONS)
def test_log_softmax_large_row_maximum(dtype, offset, func):
    z = np.array([[offset, offset, offset - 1.0]], dtype=dtype)
    expected = log_softmax(z.astype(np.float64), axis=1)

    func(z, True)

    _close(z, expected, dtype)
    assert_allclose(np.exp(z.astype(np.float64)).sum(axis=1), 1, rtol=RTOL[dtype])


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

    _close(out, expected, dtype)


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
    _close(w, (1 - 2 * lr * l2) * w_before, dtype)


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
    _close(velocity, expected_v, dtype)
    _close(w, expected_w, dtype)


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
    _close(m, expected_m, dtype)
    _close(v, expected_v, dtype)
    _close(w, expected_w, dtype)


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
# dense_forward


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ACTIVATIONS, ids=lambda a: a.name)
def test_dense_forward(dtype, activation):
    rng = np.random.default_rng(12)
    inputs = rng.normal(size=(5, 3)).astype(dtype)
    weights = rng.normal(size=(3, 4)).astype(dtype)
    bias = rng.normal(size=4).astype(dtype)
    out = np.full((5, 4), np.nan, dtype=dtype)  # must be overwritten, not read
    as64 = [x.astype(np.float64) for x in (inputs, weights, bias)]
    expected = _f(as64[0] @ as64[1] + as64[2], activation)

    dense_forward(inputs, weights, bias, out, activation)

    _close(out, expected, dtype)


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
