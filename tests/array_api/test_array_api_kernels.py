"""The compiled kernels against their plain twin, :mod:`skmlp._array_api._kernels`
on NumPy arrays, and the twin on each namespace against itself on NumPy.

Each compiled kernel (the activations and their derivatives, dropout's
backward, the output layers' losses and deltas, the probabilities, the
penalties and their gradient, every update rule's pass, the max-norm
projection, the forward pass of prediction and the engine's full-batch
gradient) is compared with the array API formula of the same job, in both
dtypes: bit for bit is not asked (the compiled loops fuse passes and sum in
their own order), agreement to rounding is.
"""

import numpy as np
import pytest
from array_api_helpers import numpy_namespace, to_numpy
from numpy.testing import assert_allclose

from skmlp._array_api import _kernels
from skmlp._array_api._engine import ArrayAPIEngine
from skmlp._array_api._rows import DeviceRows
from skmlp._engine._activations import (
    _activation_backward_for_tests,
    _bias_activation_for_tests,
    _dropout_activation_backward_for_tests,
)
from skmlp._engine._config import EngineConfig
from skmlp._engine._engine import Engine
from skmlp._engine._losses import (
    _sigmoid_binary_cross_entropy_delta_for_tests,
    _sigmoid_for_tests,
    _softmax_cross_entropy_delta_for_tests,
    _softmax_for_tests,
)
from skmlp._engine._max_norm import _project_columns_for_tests
from skmlp._engine._penalties import (
    _add_penalty_gradient_for_tests,
    _penalty_for_tests,
)
from skmlp._engine._predict import dense_forward
from skmlp._engine._rows import RowSource
from skmlp._engine._types import Activation, OutputLayer, Update
from skmlp._engine._update_rules import _adam_step_for_tests, _sgd_step_for_tests
from skmlp._network import ParameterLayout, initialize
from skmlp._optimizers import Adam, GradientOnly

NP = numpy_namespace()
xp = NP.xp
DTYPES = [np.float32, np.float64]
# Agreement to rounding: the compiled float32 tanh is a rational approximation
# within 4e-7, its exp fdlibm's within one ulp.
RTOL = {np.float32: 2e-5, np.float64: 1e-12}
ATOL = {np.float32: 2e-6, np.float64: 1e-14}
PENALTIES = [(0.0, 0.0), (0.1, 0.0), (0.0, 0.2), (0.1, 0.2)]


def close(actual, expected, dtype):
    assert_allclose(actual, expected, rtol=RTOL[dtype], atol=ATOL[dtype])


def logits(rng, shape, dtype, scale=2.0):
    """Random values away from 0, where ReLU is differentiable."""
    z = rng.uniform(0.1, scale, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    return z.astype(dtype)


# ---------------------------------------------------------------------------
# Hidden layers


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", list(Activation))
def test_bias_activation_is_the_twins(dtype, activation):
    rng = np.random.default_rng(0)
    z, bias = logits(rng, (7, 5), dtype), logits(rng, 5, dtype)
    expected = to_numpy(_kernels.activation_forward(xp, z + bias, activation))
    _bias_activation_for_tests(z, bias, activation)
    close(z, expected, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", list(Activation))
def test_activation_backward_is_the_twins(dtype, activation):
    rng = np.random.default_rng(1)
    a = _kernels.activation_forward(xp, logits(rng, (6, 4), dtype), activation)
    a = np.asarray(a, dtype=dtype)
    delta = logits(rng, (6, 4), dtype)
    expected = to_numpy(_kernels.activation_backward(xp, delta, a, activation))
    _activation_backward_for_tests(delta, a, activation)
    close(delta, expected, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", list(Activation))
def test_dropout_backward_is_the_twins(dtype, activation):
    """The compiled kernel reads the activations after dropout (a = h * mask);
    the twin keeps h: the same derivative."""
    rng = np.random.default_rng(2)
    h = np.asarray(
        _kernels.activation_forward(xp, logits(rng, 40, dtype), activation), dtype
    )
    mask = np.asarray(_kernels.dropout_mask(xp, rng.random(40).astype(dtype), 0.4))
    delta = logits(rng, 40, dtype)
    expected = to_numpy(_kernels.activation_backward(xp, delta * mask, h, activation))
    _dropout_activation_backward_for_tests(delta, h * mask, mask, activation)
    close(delta, expected, dtype)


def test_dropout_mask_drops_the_rate_and_keeps_the_mean():
    uniforms = np.random.default_rng(3).random(200_000)
    mask = to_numpy(_kernels.dropout_mask(xp, uniforms, 0.3))
    assert set(np.unique(mask)) == {0.0, 1 / 0.7}
    assert abs(np.mean(mask == 0) - 0.3) < 0.005
    assert abs(mask.mean() - 1.0) < 0.01


# ---------------------------------------------------------------------------
# Output layers


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_softmax_cross_entropy_is_the_twins(dtype, label_smoothing):
    rng = np.random.default_rng(4)
    z = logits(rng, (9, 4), dtype, scale=8)
    z[0] = [400, -400, 3, 0]  # far apart: the row maximum is subtracted first
    codes = rng.integers(0, 4, 9).astype(np.intc)
    weights = rng.uniform(0.5, 2, 9).astype(dtype)
    targets = _kernels.softmax_targets(
        xp, codes.astype(np.int64), 4, label_smoothing, dtype
    )
    loss, delta = _kernels.output_loss_delta(
        xp, OutputLayer.SOFTMAX, z, targets, weights, 0.25
    )
    compiled_loss = _softmax_cross_entropy_delta_for_tests(
        z, codes, weights, 0.25, label_smoothing
    )
    assert_allclose(compiled_loss, float(loss), rtol=RTOL[dtype])
    close(z, to_numpy(delta), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_binary_cross_entropy_is_the_twins(dtype):
    rng = np.random.default_rng(5)
    z = logits(rng, (8, 3), dtype, scale=6)
    z[0] = [80, -80, 0.5]
    indicators = rng.integers(0, 2, (8, 3)).astype(np.uint8)
    weights = rng.uniform(0.5, 2, 8).astype(dtype)
    loss, delta = _kernels.output_loss_delta(
        xp, OutputLayer.SIGMOID, z, indicators.astype(dtype), weights, 0.5
    )
    compiled_loss = _sigmoid_binary_cross_entropy_delta_for_tests(
        z, indicators, weights, 0.5
    )
    assert_allclose(compiled_loss, float(loss), rtol=RTOL[dtype])
    close(z, to_numpy(delta), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("take_log", [False, True])
@pytest.mark.parametrize(
    "output, kernel",
    [
        (OutputLayer.SOFTMAX, _softmax_for_tests),
        (OutputLayer.SIGMOID, _sigmoid_for_tests),
    ],
)
def test_probabilities_are_the_twins(dtype, take_log, output, kernel):
    rng = np.random.default_rng(6)
    z = logits(rng, (6, 5), dtype, scale=30)
    expected = to_numpy(_kernels.output_probabilities(xp, output, z, take_log))
    kernel(z, take_log)
    close(z, expected, dtype)


@pytest.mark.parametrize("n_outputs", [2, 10])
def test_uninformed_loss_is_the_loss_of_uniform_outputs(n_outputs):
    """The yardstick of a blow-up: the twin's loss of all-zero logits."""
    zeros = np.zeros((1, n_outputs))
    for output, targets in [
        (OutputLayer.SOFTMAX, np.eye(n_outputs)[:1]),
        (OutputLayer.SIGMOID, np.ones((1, n_outputs))),
    ]:
        loss, _ = _kernels.output_loss_delta(
            xp, output, zeros, targets, np.ones(1), 1.0
        )
        assert_allclose(_kernels.uninformed_loss(output, n_outputs), float(loss))


# ---------------------------------------------------------------------------
# Penalties and update rules


def weights_with_zeros(rng, dtype, n=24):
    """Random weights, two of them 0: sign(0) = 0, no L1 pull on them."""
    w = rng.normal(size=n)
    w[[1, 5]] = 0
    return w.astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("l1, l2", PENALTIES)
def test_penalty_and_its_gradient_are_the_twins(dtype, l1, l2):
    rng = np.random.default_rng(7)
    w, grad = weights_with_zeros(rng, dtype), weights_with_zeros(rng, dtype)
    mask = np.ones_like(w)
    expected = to_numpy(_kernels.add_penalty_gradient(xp, grad, w, mask, l1, l2))
    value = _add_penalty_gradient_for_tests(grad, w, l1, l2)
    close(grad, expected, dtype)
    twin = float(_kernels.penalty(xp, [w], l1, l2))
    assert_allclose(value, twin, rtol=RTOL[dtype], atol=ATOL[dtype])
    assert_allclose(_penalty_for_tests(w, l1, l2), twin, rtol=RTOL[dtype])


def twin_step(update, w, grad, state, settings, l1, l2, step_size=0.0):
    """One step of the twin's update rule, the penalty's gradient added first."""
    w, grad = w.copy(), grad.copy()  # the rules overwrite the gradient
    state = [buffer.copy() for buffer in state]
    grad = _kernels.add_penalty_gradient(xp, grad, w, np.ones_like(w), l1, l2)
    _kernels.UPDATE_RULES[update](xp, w, grad, state, settings, step_size)
    return w, state


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("l1, l2", PENALTIES)
@pytest.mark.parametrize(
    "update, momentum",
    [(Update.SGD, 0.0), (Update.MOMENTUM, 0.9), (Update.NESTEROV, 0.9)],
)
def test_sgd_family_steps_are_the_twins(dtype, l1, l2, update, momentum):
    rng = np.random.default_rng(8)
    w, grad = weights_with_zeros(rng, dtype), rng.normal(size=24).astype(dtype)
    velocity = rng.normal(size=24).astype(dtype)
    settings = {"learning_rate": 0.1, "momentum": momentum}
    state = [velocity] if momentum else []
    expected_w, expected_state = twin_step(update, w, grad, state, settings, l1, l2)
    _sgd_step_for_tests(
        w, grad, velocity, 0.1, momentum, update == Update.NESTEROV, l1, l2
    )
    close(w, expected_w, dtype)
    if momentum:
        close(velocity, expected_state[0], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("l1, l2", PENALTIES)
def test_adam_step_is_the_twins(dtype, l1, l2):
    rng = np.random.default_rng(9)
    w, grad = weights_with_zeros(rng, dtype), rng.normal(size=24).astype(dtype)
    m = rng.normal(size=24).astype(dtype)
    v = rng.uniform(0, 1, size=24).astype(dtype)
    settings = {"learning_rate": 0.01, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-8}
    step_size = _kernels.adam_step_size(0.01, 0.9, 0.999, 3)
    expected_w, (expected_m, expected_v) = twin_step(
        Update.ADAM, w, grad, [m, v], settings, l1, l2, step_size
    )
    _adam_step_for_tests(w, grad, m, v, step_size, 0.9, 0.999, 1e-8, l1, l2)
    close(w, expected_w, dtype)
    close(m, expected_m, dtype)
    close(v, expected_v, dtype)


def test_adam_step_size_is_the_bias_corrected_rate():
    assert_allclose(
        _kernels.adam_step_size(0.01, 0.9, 0.999, 1), 0.01 * np.sqrt(0.001) / 0.1
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_max_norm_projection_is_the_twins(dtype):
    rng = np.random.default_rng(10)
    w = rng.normal(scale=0.8, size=(6, 5)).astype(dtype)
    factors = to_numpy(_kernels.max_norm_factors(xp, w, 1.5))
    expected = w * factors
    squares = np.sum(w.astype(np.float64) ** 2, axis=0)
    assert np.any(squares > 1.5**2) and np.any(squares < 1.5**2)
    _project_columns_for_tests(w, 1.5, squares.copy())  # it writes the factors
    close(w, expected, dtype)
    # Columns within the ball keep their bits.
    assert np.all(factors[squares <= 1.5**2] == 1)


# ---------------------------------------------------------------------------
# The passes: prediction's forward pass and the engine's full-batch gradient


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", list(Activation))
def test_forward_pass_is_the_twins(dtype, activation):
    rng = np.random.default_rng(11)
    X = rng.normal(size=(10, 6)).astype(dtype)
    weights = [rng.normal(size=s).astype(dtype) for s in [(6, 5), (5, 3)]]
    biases = [rng.normal(size=n).astype(dtype) for n in (5, 3)]
    _, _, expected = _kernels.forward(xp, X, weights, biases, activation)
    hidden = np.empty((10, 5), dtype=dtype)
    dense_forward(X, weights[0], biases[0], hidden, activation)
    out = np.empty((10, 3), dtype=dtype)
    dense_forward(hidden, weights[1], biases[1], out, Activation.IDENTITY)
    close(out, to_numpy(expected), dtype)


def gradient_problem(dtype, output, optimizer_class=GradientOnly, seed=12):
    """A small network, its data and both engines' pieces for it."""
    rng = np.random.RandomState(seed)
    layout = ParameterLayout([6, 5, 4, 3])
    X = rng.normal(size=(23, 6)).astype(dtype)
    if output == OutputLayer.SIGMOID:
        y = rng.randint(0, 2, (23, 3)).astype(np.uint8)
    else:
        y = (np.arange(23) % 3).astype(np.intc)
    sample_weight = rng.uniform(0.5, 2, 23).astype(dtype)
    params = initialize(
        layout,
        init="glorot_uniform",
        init_scale=None,
        output_init="same",
        activation="tanh",
        random_state=rng,
        dtype=dtype,
    )
    settings = {"learning_rate": 0.1}
    if optimizer_class is Adam:
        settings.update(beta_1=0.9, beta_2=0.999, epsilon=1e-8)
    config = EngineConfig(
        layout,
        batch_size=7,
        dtype=dtype,
        activation=Activation.TANH,
        optimizer=optimizer_class(layout.n_params, dtype, **settings),
        output=output,
        l1=0.01,
        l2=0.02,
        label_smoothing=0.1 if output == OutputLayer.SOFTMAX else 0.0,
    )
    rows = np.arange(23)
    return (
        config,
        params,
        RowSource(X, y, sample_weight, rows, 3),
        DeviceRows(X, y, sample_weight, rows, 3, xp=xp, device=NP.device),
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("output", list(OutputLayer))
def test_full_batch_gradient_is_the_twins(dtype, output):
    """Forward, loss, back-propagation and the penalties of the compiled
    engine (``Engine.loss_gradient``) against the array API engine on NumPy."""
    config, params, rows, device_rows = gradient_problem(dtype, output)
    grad = np.empty_like(params)
    loss = Engine(config).loss_gradient(rows, params, grad)
    twin_grad = np.empty_like(params)
    twin = ArrayAPIEngine(config, xp=xp, device=NP.device)
    twin_loss = twin.loss_gradient(device_rows, params.copy(), twin_grad)
    assert_allclose(loss, twin_loss, rtol=RTOL[dtype])
    close(grad, twin_grad, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_training_epoch_is_the_twins(dtype):
    """Adam's steps over an epoch of minibatches, each of the compiled
    engine's kernels in its place, against the twin's."""
    config, params, rows, device_rows = gradient_problem(
        dtype, OutputLayer.SOFTMAX, Adam
    )
    twin_config = config._replace(optimizer=Adam(len(params), dtype, **_ADAM))
    twin_params = params.copy()
    Engine(config).run_epoch(rows, params)
    twin = ArrayAPIEngine(twin_config, xp=xp, device=NP.device)
    twin.run_epoch(device_rows, twin_params)
    close(params, twin_params, dtype)
    close(config.optimizer.buffers["m"], twin_config.optimizer.buffers["m"], dtype)


_ADAM = {"learning_rate": 0.1, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-8}


# ---------------------------------------------------------------------------
# The twin on each namespace


def test_the_kernels_agree_on_every_namespace(namespace):
    """The twin's formulas give NumPy's values on the namespace under test."""
    rng = np.random.default_rng(13)
    z = logits(rng, (6, 4), np.float64, scale=5)
    targets = np.eye(4)[rng.integers(0, 4, 6)]
    weights = rng.uniform(0.5, 2, 6)
    on = namespace.asarray
    for output in OutputLayer:
        loss, delta = _kernels.output_loss_delta(xp, output, z, targets, weights, 0.5)
        device_loss, device_delta = _kernels.output_loss_delta(
            namespace.xp, output, on(z), on(targets), on(weights), 0.5
        )
        assert_allclose(float(device_loss), float(loss), rtol=1e-13)
        assert_allclose(to_numpy(device_delta), delta, rtol=1e-13, atol=1e-15)
    for activation in Activation:
        assert_allclose(
            to_numpy(_kernels.activation_forward(namespace.xp, on(z), activation)),
            _kernels.activation_forward(xp, z, activation),
            rtol=1e-13,
        )
