"""The array API engine on its own: its interface and checks, what an epoch
reports, divergence, Ctrl-C, dropout's statistics and the one
synchronisation per epoch."""

import os
import signal

import numpy as np
import pytest
from array_api_helpers import to_numpy
from numpy.testing import assert_allclose

from skmlp._array_api import _engine as engine_module
from skmlp._array_api._engine import ArrayAPIEngine
from skmlp._array_api._rows import DeviceRows
from skmlp._engine._activations import _dropout_forward_for_tests
from skmlp._engine._config import EngineConfig
from skmlp._engine._engine import Engine
from skmlp._engine._rows import RowSource
from skmlp._engine._types import Activation, OutputLayer, Status
from skmlp._network import ParameterLayout, initialize
from skmlp._optimizers import SGD, Nesterov

N_SAMPLES, N_FEATURES = 50, 6


def problem(
    namespace, *, learning_rate=0.1, dropout=None, hidden=(5,), weightless=0, seed=0
):
    """Both engines, their rows and starting weights for one small network
    (the first ``weightless`` samples of weight 0)."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(N_SAMPLES, N_FEATURES))
    y = (np.arange(N_SAMPLES) % 3).astype(np.intc)
    sample_weight = rng.uniform(0.5, 2, N_SAMPLES)
    sample_weight[:weightless] = 0
    layout = ParameterLayout([N_FEATURES, *hidden, 3])
    params = initialize(
        layout,
        init="glorot_uniform",
        init_scale=None,
        output_init="same",
        activation="relu",
        random_state=rng,
        dtype=np.float64,
    )

    def config():
        return EngineConfig(
            layout,
            batch_size=8,
            dtype=np.float64,
            activation=Activation.RELU,
            optimizer=Nesterov(
                layout.n_params, np.float64, learning_rate=learning_rate, momentum=0.9
            ),
            l2=0.01,
            dropout=dropout,
        )

    rows = np.arange(N_SAMPLES)
    compiled = (Engine(config()), RowSource(X, y, sample_weight, rows, 3), params)
    xp, device = namespace.xp, namespace.device
    device_rows = DeviceRows(
        namespace.asarray(X), y, sample_weight, rows, 3, xp=xp, device=device
    )
    engine = ArrayAPIEngine(config(), xp=xp, device=device)
    return compiled, (engine, device_rows, namespace.asarray(params))


def test_an_epoch_reports_the_compiled_engines_progress(namespace):
    (compiled, rows, params), (engine, device_rows, device_params) = problem(namespace)
    assert compiled.run_epoch(rows, params) == Status.COMPLETED
    assert engine.run_epoch(device_rows, device_params) == Status.COMPLETED
    assert engine.n_samples_done == compiled.n_samples_done == N_SAMPLES
    assert_allclose(engine.weight_sum, compiled.weight_sum, rtol=1e-13)
    assert_allclose(engine.loss_sum, compiled.loss_sum, rtol=1e-12)
    assert_allclose(to_numpy(device_params), params, rtol=1e-12, atol=1e-14)
    assert_allclose(
        engine.uninformed_objective(device_params),
        compiled.uninformed_objective(params),
        rtol=1e-12,
    )


def test_an_epoch_reads_the_device_once(namespace, monkeypatch):
    """The minibatches' losses stay on the device until the epoch ends: one
    transfer to the host per epoch, whatever the number of minibatches."""
    _, (engine, device_rows, device_params) = problem(namespace)
    transfers = []

    def counting(array):
        transfers.append(array)
        return to_numpy(array)

    monkeypatch.setattr(engine_module, "to_numpy", counting)
    engine.run_epoch(device_rows, device_params)
    # The losses and penalties of the 7 minibatches (50 rows by 8), at once.
    assert len(transfers) == 1 and tuple(transfers[0].shape) == (2, 7)


def test_a_diverging_epoch_is_reported_and_the_state_restored(namespace):
    """A minibatch whose loss is not finite makes the epoch DIVERGED, with the
    progress of the minibatches before it, as in the compiled engine; the
    optimizer's state goes back to the epoch's start."""
    (compiled, rows, params), (engine, device_rows, device_params) = problem(
        namespace, learning_rate=1e200
    )
    velocity = engine._optimizer.buffers["velocity"]
    velocity_before = to_numpy(velocity).copy()
    assert compiled.run_epoch(rows, params) == Status.DIVERGED
    assert engine.run_epoch(device_rows, device_params) == Status.DIVERGED
    assert engine.n_samples_done == compiled.n_samples_done
    assert 0 < engine.n_samples_done < N_SAMPLES
    assert_allclose(engine.loss_sum, compiled.loss_sum, rtol=1e-12)
    assert_allclose(to_numpy(engine._optimizer.buffers["velocity"]), velocity_before)


def test_a_minibatch_of_zero_weight_is_skipped(namespace):
    (compiled, rows, params), (engine, device_rows, device_params) = problem(
        namespace, weightless=8
    )
    compiled.run_epoch(rows, params)
    engine.run_epoch(device_rows, device_params)
    assert engine.n_samples_done == compiled.n_samples_done == N_SAMPLES
    assert_allclose(engine.weight_sum, compiled.weight_sum)
    assert_allclose(to_numpy(device_params), params, rtol=1e-12, atol=1e-14)


def test_ctrl_c_stops_the_epoch_after_the_current_minibatch(namespace, monkeypatch):
    """SIGINT during a minibatch takes effect once it is done: the weights are
    those of whole steps, the progress counts them, the handler is restored."""
    _, (engine, device_rows, device_params) = problem(namespace)
    step = engine._train_step
    steps = []

    def interrupted_step(*args):
        steps.append(1)
        if len(steps) == 3:
            os.kill(os.getpid(), signal.SIGINT)
        step(*args)

    monkeypatch.setattr(engine, "_train_step", interrupted_step)
    handler = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        engine.run_epoch(device_rows, device_params)
    assert signal.getsignal(signal.SIGINT) is handler
    assert len(steps) == 3 and engine.n_samples_done == 24
    # The same three whole steps, without an interruption.
    _, (again, again_rows, again_params) = problem(namespace)
    again_rows._set_rows(np.arange(24))
    again.run_epoch(again_rows, again_params)
    assert_allclose(to_numpy(device_params), to_numpy(again_params), rtol=1e-14)
    assert_allclose(engine.loss_sum, again.loss_sum, rtol=1e-14)


def test_dropout_masks_have_the_compiled_engines_statistics(namespace):
    """Other random numbers than the compiled engine's splitmix64 stream, the
    same distribution: the drop rate and the mean scale of a unit."""
    _, (engine, _, _) = problem(namespace, dropout=[0.3], hidden=(400,))
    (mask,) = engine._masks(500)
    mask = to_numpy(mask)
    compiled_mask = np.empty(200_000)
    _dropout_forward_for_tests(np.ones(200_000), compiled_mask, 0.3, 7)
    assert set(np.unique(mask)) == set(np.unique(compiled_mask)) == {0.0, 1 / 0.7}
    for drawn in (mask, compiled_mask):
        assert abs(np.mean(drawn == 0) - 0.3) < 0.005
        assert abs(drawn.mean() - 1.0) < 0.01
    # The masks of two minibatches differ; reseeding repeats them.
    engine.seed(11)
    first = to_numpy(engine._masks(20)[0])
    assert not np.array_equal(first, to_numpy(engine._masks(20)[0]))
    engine.seed(11)
    assert np.array_equal(first, to_numpy(engine._masks(20)[0]))


def test_dropout_keeps_the_mean_activation(namespace):
    """Inverted dropout: a hidden layer's mean activation with dropout is
    its mean without."""
    _, (engine, device_rows, device_params) = problem(
        namespace, dropout=[0.5], hidden=(300,)
    )
    xp = namespace.xp
    weights, biases = engine._layers(device_params)
    X = xp.take(device_rows.X, xp.asarray(np.arange(50).repeat(40)), axis=0)
    from skmlp._array_api._kernels import forward

    _, inputs, _ = forward(xp, X, weights, biases, Activation.RELU)
    _, dropped, _ = forward(
        xp, X, weights, biases, Activation.RELU, engine._masks(X.shape[0])
    )
    plain, with_dropout = to_numpy(inputs[1]).mean(), to_numpy(dropped[1]).mean()
    assert_allclose(with_dropout, plain, rtol=0.02)


def test_the_engine_checks_its_calls(namespace):
    _, (engine, device_rows, device_params) = problem(namespace)
    with pytest.raises(ValueError, match="params has 3 values"):
        engine.run_epoch(device_rows, namespace.asarray(np.zeros(3)))
    with pytest.raises(ValueError, match="grad must have the shape of params"):
        engine.loss_gradient(device_rows, device_params, namespace.asarray(np.zeros(3)))
    with pytest.raises(ValueError, match="trains in"):
        engine.run_epoch(
            device_rows, namespace.asarray(to_numpy(device_params), np.float32)
        )
    multilabel = DeviceRows(
        device_rows.X,
        np.zeros((N_SAMPLES, 3), dtype=np.uint8),
        device_rows.host_weight,
        np.arange(N_SAMPLES),
        3,
        xp=namespace.xp,
        device=namespace.device,
    )
    with pytest.raises(ValueError, match="SOFTMAX output layer trains on"):
        engine.run_epoch(multilabel, device_params)


def test_the_engine_refuses_what_the_compiled_one_refuses(namespace):
    layout = ParameterLayout([4, 3, 2])
    config = EngineConfig(
        layout,
        batch_size=4,
        dtype=np.float64,
        activation=Activation.TANH,
        optimizer=SGD(layout.n_params, np.float64, learning_rate=0.1),
    )
    make = dict(xp=namespace.xp, device=namespace.device)
    with pytest.raises(ValueError, match="batch_size must be positive"):
        ArrayAPIEngine(config._replace(batch_size=0), **make)
    with pytest.raises(TypeError, match="dtype must be float32 or float64"):
        ArrayAPIEngine(config._replace(dtype=np.int32), **make)
    with pytest.raises(ValueError, match="label_smoothing must be in"):
        ArrayAPIEngine(config._replace(label_smoothing=1.0), **make)
    with pytest.raises(ValueError, match="label_smoothing applies to the SOFTMAX"):
        ArrayAPIEngine(
            config._replace(output=OutputLayer.SIGMOID, label_smoothing=0.1), **make
        )
    with pytest.raises(ValueError, match="max_norm must be a positive finite"):
        ArrayAPIEngine(config._replace(max_norm=-1.0), **make)
    with pytest.raises(ValueError, match="dropout must be one rate"):
        ArrayAPIEngine(config._replace(dropout=[0.5, 0.5]), **make)


def test_device_rows_check_their_data(namespace):
    X = namespace.asarray(np.zeros((4, 2)))
    make = dict(xp=namespace.xp, device=namespace.device)
    with pytest.raises(ValueError, match="targets outside"):
        DeviceRows(
            X, np.array([0, 1, 2, 5], np.intc), np.ones(4), np.arange(4), 3, **make
        )
    with pytest.raises(ValueError, match="sample_weight must hold 4"):
        DeviceRows(X, np.zeros(4, np.intc), np.ones(3), np.arange(4), 3, **make)
    with pytest.raises(ValueError, match="rows holds row indices outside"):
        DeviceRows(X, np.zeros(4, np.intc), np.ones(4), [0, 4], 3, **make)
    rows = DeviceRows(X, np.zeros(4, np.intc), np.ones(4), np.arange(4), 3, **make)
    rows.shuffle(np.random.default_rng(0))
    order = np.arange(4)
    np.random.default_rng(0).shuffle(order)
    assert np.array_equal(rows.order, order)  # as a RowSource shuffles
    assert not rows.order.flags.writeable
