"""The compiled backward pass against central finite differences.

``Engine.loss_gradient`` computes the objective J and its gradient with the
same forward/backward code the training steps use; the training updates are
then checked against that verified gradient, one step per update rule.
"""

import numpy as np
import pytest
from network_problems import random_problem
from numpy.testing import assert_allclose, assert_array_equal

from skmlp import _optimizers
from skmlp._engine._config import EngineConfig
from skmlp._engine._engine import Engine
from skmlp._engine._rows import RowSource
from skmlp._engine._types import OutputLayer, Update
from skmlp._layers import ACTIVATIONS
from skmlp._network import ParameterLayout, initialize

N_FEATURES, N_CLASSES, N_SAMPLES = 5, 3, 11


def make_problem(hidden, activation, dtype=np.float64, seed=0):
    return random_problem(
        hidden,
        activation,
        n_features=N_FEATURES,
        n_classes=N_CLASSES,
        n_samples=N_SAMPLES,
        dtype=dtype,
        seed=seed,
    )


OPTIMIZERS = {
    Update.SGD: _optimizers.SGD,
    Update.MOMENTUM: _optimizers.Momentum,
    Update.NESTEROV: _optimizers.Nesterov,
    Update.ADAM: _optimizers.Adam,
    Update.GRADIENT: _optimizers.GradientOnly,
}
HYPER_PARAMETERS = {"momentum": 0.9, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-8}


def make_optimizer(update, n_params, dtype, learning_rate=0.1, momentum=0.9):
    cls = OPTIMIZERS[update]
    settings = {**HYPER_PARAMETERS, "momentum": momentum}
    return cls(
        n_params,
        dtype,
        learning_rate=learning_rate,
        **{name: settings[name] for name in cls.hyper_parameter_names},
    )


def make_engine(
    layout,
    activation,
    dtype,
    batch_size,
    update=Update.GRADIENT,
    learning_rate=0.1,
    momentum=0.9,
    l1=0.0,
    l2=0.0,
    dropout=None,
    output=OutputLayer.SOFTMAX,
):
    optimizer = make_optimizer(update, layout.n_params, dtype, learning_rate, momentum)
    return Engine(
        EngineConfig(
            layout,
            batch_size=batch_size,
            dtype=dtype,
            activation=ACTIVATIONS[activation].code,
            optimizer=optimizer,
            l1=l1,
            l2=l2,
            dropout=dropout,
            output=output,
        )
    )


def all_rows(X, y, sample_weight):
    """A row source over all of X, in order (y: class codes, or a multilabel
    indicator matrix)."""
    n_classes = N_CLASSES
    return RowSource(X, y, sample_weight, np.arange(len(X)), n_classes)


def multilabel_targets(seed=0):
    """A 0/1 indicator matrix of N_CLASSES labels: rows with none, some, all."""
    targets = np.random.RandomState(seed).randint(2, size=(N_SAMPLES, N_CLASSES))
    targets[0], targets[1] = 0, 1
    return targets.astype(np.uint8)


def numeric_gradient(engine, X, y, sample_weight, params, h=1e-6):
    """Central differences. Every evaluation restarts the dropout stream from
    the same seed, so that all of them see the same (fixed) masks."""
    grad = np.empty_like(params)
    scratch = np.empty_like(params)
    numeric = np.empty_like(params)

    rows = all_rows(X, y, sample_weight)

    def loss_at(point, out):
        engine.seed(12345)
        return engine.loss_gradient(rows, point, out)

    for i in range(params.size):
        shifted = params.copy()
        shifted[i] += h
        plus = loss_at(shifted, scratch)
        shifted[i] -= 2 * h
        minus = loss_at(shifted, scratch)
        numeric[i] = (plus - minus) / (2 * h)
    loss = loss_at(params, grad)
    return loss, grad, numeric


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("hidden", [(), (4,), (4, 6, 3)], ids=["0h", "1h", "3h"])
@pytest.mark.parametrize("l1, l2", [(0.0, 0.0), (0.01, 0.0), (0.0, 0.05), (0.01, 0.05)])
@pytest.mark.parametrize("batch_size", [N_SAMPLES, 4], ids=["full", "chunked"])
def test_gradient_matches_finite_differences(activation, hidden, l1, l2, batch_size):
    X, y, sample_weight, layout, params = make_problem(hidden, activation)
    engine = make_engine(layout, activation, np.float64, batch_size, l1=l1, l2=l2)
    _, grad, numeric = numeric_gradient(engine, X, y, sample_weight, params)
    assert np.linalg.norm(grad) > 1e-3
    assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_gradient_with_dropout_matches_finite_differences(activation):
    X, y, sample_weight, layout, params = make_problem((6, 5), activation)
    engine = make_engine(layout, activation, np.float64, 4, l2=0.01, dropout=[0.3, 0.5])
    _, grad, numeric = numeric_gradient(engine, X, y, sample_weight, params)
    assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)
    # The masks really dropped something: another seed, another gradient.
    engine.seed(999)
    other = np.empty_like(grad)
    engine.loss_gradient(all_rows(X, y, sample_weight), params, other)
    assert np.abs(other - grad).max() > 1e-6


def test_loss_is_the_documented_objective():
    """J = sum_i s_i CE_i / sum_i s_i + l1 sum|W| + l2 sum W^2, biases unpenalised."""
    X, y, sample_weight, layout, params = make_problem((4,), "tanh")
    l1, l2 = 0.03, 0.02
    engine = make_engine(layout, "tanh", np.float64, 3, l1=l1, l2=l2)
    loss = engine.loss_gradient(
        all_rows(X, y, sample_weight), params, np.empty_like(params)
    )

    coefs, intercepts = layout.views(params)
    hidden = np.tanh(X @ coefs[0] + intercepts[0])
    logits = hidden @ coefs[1] + intercepts[1]
    log_proba = logits - logits.max(1, keepdims=True)
    log_proba -= np.log(np.exp(log_proba).sum(1, keepdims=True))
    cross_entropy = -log_proba[np.arange(N_SAMPLES), y]
    weights = params[layout.weight_mask()]
    expected = (
        np.sum(sample_weight * cross_entropy) / sample_weight.sum()
        + l1 * np.abs(weights).sum()
        + l2 * np.square(weights).sum()
    )
    assert_allclose(loss, expected, rtol=1e-12)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_float32_gradient_agrees_with_float64(activation):
    X, y, sample_weight, layout, params = make_problem((4, 6), activation)
    grads = {}
    for dtype in (np.float64, np.float32):
        engine = make_engine(layout, activation, dtype, 4, l1=0.01, l2=0.05)
        grad = np.empty(layout.n_params, dtype=dtype)
        rows = all_rows(X.astype(dtype), y, sample_weight.astype(dtype))
        engine.loss_gradient(rows, params.astype(dtype), grad)
        grads[dtype] = grad
    assert grads[np.float32].dtype == np.float32
    assert_allclose(grads[np.float32], grads[np.float64], rtol=1e-4, atol=1e-5)


def expected_first_step(update, params, grad, lr, momentum):
    """Parameters after one step from zeroed optimizer state."""
    if update in (Update.SGD, Update.MOMENTUM):
        return params - lr * grad
    if update == Update.NESTEROV:
        return params + momentum * (-lr * grad) - lr * grad
    beta_1, beta_2, eps = 0.9, 0.999, 1e-8
    m, v = (1 - beta_1) * grad, (1 - beta_2) * grad**2
    step = lr * np.sqrt(1 - beta_2) / (1 - beta_1)
    return params - step * m / (np.sqrt(v) + eps)


@pytest.mark.parametrize(
    "update", [Update.SGD, Update.MOMENTUM, Update.NESTEROV, Update.ADAM]
)
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_training_step_follows_the_gradient(update, activation):
    """One full-batch step of run_epoch moves the parameters as the update rule
    says, with the finite-difference-verified gradient (penalties included)."""
    X, y, sample_weight, layout, params = make_problem((4, 6), activation)
    lr, momentum, l1, l2 = 0.05, 0.9, 0.01, 0.05
    engine = make_engine(
        layout,
        activation,
        np.float64,
        N_SAMPLES,
        update=update,
        learning_rate=lr,
        momentum=momentum,
        l1=l1,
        l2=l2,
    )
    grad = np.empty_like(params)
    rows = all_rows(X, y, sample_weight)
    loss = engine.loss_gradient(rows, params, grad)

    trained = params.copy()
    engine.run_epoch(rows, trained)

    assert_allclose(engine.loss_sum / engine.weight_sum, loss, rtol=1e-12)
    assert_allclose(
        trained,
        expected_first_step(update, params, grad, lr, momentum),
        rtol=1e-10,
        atol=1e-12,
    )


# ---------------------------------------------------------------------------
# The multilabel output layer: a sigmoid per label, binary cross-entropy


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("hidden", [(), (4,), (4, 6)], ids=["0h", "1h", "2h"])
@pytest.mark.parametrize("batch_size", [N_SAMPLES, 4], ids=["full", "chunked"])
def test_multilabel_gradient_matches_finite_differences(activation, hidden, batch_size):
    X, _, sample_weight, layout, params = make_problem(hidden, activation)
    targets = multilabel_targets()
    engine = make_engine(
        layout,
        activation,
        np.float64,
        batch_size,
        l1=0.01,
        l2=0.05,
        output=OutputLayer.SIGMOID,
    )
    _, grad, numeric = numeric_gradient(engine, X, targets, sample_weight, params)
    assert np.linalg.norm(grad) > 1e-3
    assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


def test_multilabel_loss_is_the_documented_objective():
    """J = sum_i s_i sum_j BCE_ij / sum_i s_i + l1 sum|W| + l2 sum W^2."""
    X, _, sample_weight, layout, params = make_problem((4,), "tanh")
    targets = multilabel_targets()
    l1, l2 = 0.03, 0.02
    engine = make_engine(
        layout, "tanh", np.float64, 3, l1=l1, l2=l2, output=OutputLayer.SIGMOID
    )
    loss = engine.loss_gradient(
        all_rows(X, targets, sample_weight), params, np.empty_like(params)
    )

    coefs, intercepts = layout.views(params)
    logits = np.tanh(X @ coefs[0] + intercepts[0]) @ coefs[1] + intercepts[1]
    proba = 1 / (1 + np.exp(-logits))
    bce = -(targets * np.log(proba) + (1 - targets) * np.log(1 - proba)).sum(1)
    weights = params[layout.weight_mask()]
    expected = (
        np.sum(sample_weight * bce) / sample_weight.sum()
        + l1 * np.abs(weights).sum()
        + l2 * np.square(weights).sum()
    )
    assert_allclose(loss, expected, rtol=1e-12)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_multilabel_float32_gradient_agrees_with_float64(activation):
    """float32 to float32 precision: the float64 gradient (checked against
    finite differences above) of the same float32 inputs and weights."""
    X, _, sample_weight, layout, params = make_problem((4, 6), activation)
    X, sample_weight = X.astype(np.float32), sample_weight.astype(np.float32)
    params = params.astype(np.float32)
    targets = multilabel_targets()
    grads = {}
    for dtype in (np.float64, np.float32):
        engine = make_engine(
            layout, activation, dtype, 4, l1=0.01, l2=0.05, output=OutputLayer.SIGMOID
        )
        grad = np.empty(layout.n_params, dtype=dtype)
        rows = all_rows(X.astype(dtype), targets, sample_weight.astype(dtype))
        engine.loss_gradient(rows, params.astype(dtype), grad)
        grads[dtype] = grad
    assert grads[np.float32].dtype == np.float32
    scale = np.abs(grads[np.float64]).max()
    assert_allclose(grads[np.float32], grads[np.float64], rtol=1e-5, atol=1e-6 * scale)


@pytest.mark.parametrize("update", [Update.SGD, Update.NESTEROV, Update.ADAM])
def test_multilabel_training_step_follows_the_gradient(update):
    X, _, sample_weight, layout, params = make_problem((4, 6), "relu")
    targets = multilabel_targets()
    lr, momentum = 0.05, 0.9
    engine = make_engine(
        layout,
        "relu",
        np.float64,
        N_SAMPLES,
        update=update,
        learning_rate=lr,
        momentum=momentum,
        l2=0.05,
        output=OutputLayer.SIGMOID,
    )
    grad = np.empty_like(params)
    rows = all_rows(X, targets, sample_weight)
    loss = engine.loss_gradient(rows, params, grad)

    trained = params.copy()
    engine.run_epoch(rows, trained)

    assert_allclose(engine.loss_sum / engine.weight_sum, loss, rtol=1e-12)
    assert_allclose(
        trained,
        expected_first_step(update, params, grad, lr, momentum),
        rtol=1e-10,
        atol=1e-12,
    )


def test_engine_refuses_targets_of_the_other_output_layer():
    X, y, sample_weight, layout, params = make_problem((4,), "relu")
    softmax_engine = make_engine(layout, "relu", np.float64, 4)
    sigmoid_engine = make_engine(
        layout, "relu", np.float64, 4, output=OutputLayer.SIGMOID
    )
    codes = all_rows(X, y, sample_weight)
    indicators = all_rows(X, multilabel_targets(), sample_weight)
    grad = np.empty_like(params)
    with pytest.raises(ValueError, match="SOFTMAX output layer trains on class codes"):
        softmax_engine.loss_gradient(indicators, params, grad)
    with pytest.raises(ValueError, match="SIGMOID output layer trains on an indicator"):
        sigmoid_engine.run_epoch(codes, params)
    with pytest.raises(ValueError, match="OutputLayer code 2 is unknown"):
        make_engine(layout, "relu", np.float64, 4, output=len(OutputLayer))


def test_uninformed_objective_of_the_sigmoid_layer():
    _, _, _, layout, params = make_problem((4,), "relu")
    engine = make_engine(
        layout, "relu", np.float64, 4, l2=0.02, output=OutputLayer.SIGMOID
    )
    penalty = 0.02 * np.square(params[layout.weight_mask()]).sum()
    assert_allclose(
        engine.uninformed_objective(params), N_CLASSES * np.log(2) + penalty, rtol=1e-13
    )


# ---------------------------------------------------------------------------
# What the engine checks, once per fit or once per call


def test_engine_takes_one_configuration():
    _, _, _, layout, _ = make_problem((4,), "relu")
    optimizer = make_optimizer(Update.SGD, layout.n_params, np.float64)
    config = EngineConfig(layout, 4, np.float64, ACTIVATIONS["relu"].code, optimizer)
    assert Engine(config).batch_size == 4
    with pytest.raises(TypeError, match="positional argument"):
        Engine(layout, 4, np.float64, ACTIVATIONS["relu"].code, optimizer)


@pytest.mark.parametrize(
    "break_state, message",
    [
        (lambda opt: opt.buffers.update(m=opt.buffers["m"][:-1]), "state buffers"),
        (
            lambda opt: opt.buffers.update(v=opt.buffers["v"].astype(np.float32)),
            "state",
        ),
        (lambda opt: opt.buffers.update(m=opt.buffers["m"][::-1]), "contiguous"),
        (lambda opt: setattr(opt, "buffer_names", ("m",)), "needs 2 state buffers"),
        (lambda opt: setattr(opt, "step_counter", np.zeros(1)), "step_counter"),
    ],
)
def test_engine_refuses_optimizer_state_its_kernels_cannot_index(break_state, message):
    _, _, _, layout, _ = make_problem((4,), "relu")
    optimizer = make_optimizer(Update.ADAM, layout.n_params, np.float64)
    break_state(optimizer)
    with pytest.raises(ValueError, match=message):
        Engine(
            EngineConfig(
                layout,
                batch_size=4,
                dtype=np.float64,
                activation=ACTIVATIONS["relu"].code,
                optimizer=optimizer,
            )
        )


@pytest.mark.parametrize(
    "update, change, message",
    [
        (Update.MOMENTUM, lambda h: h.pop("momentum"), r"lacks \['momentum'\]"),
        (Update.ADAM, lambda h: h.pop("epsilon"), r"lacks \['epsilon'\]"),
        (Update.ADAM, lambda h: h.pop("learning_rate"), r"lacks \['learning_rate'\]"),
        (
            Update.NESTEROV,
            lambda h: h.update(momentun=h.pop("momentum")),
            r"lacks \['momentum'\] and has \['momentun'\], which the rule",
        ),
        (Update.SGD, lambda h: h.update(beta_1=0.9), r"has \['beta_1'\], which"),
        (Update.SGD, lambda h: h.update(update=Update.ADAM), "names update rule 3"),
    ],
)
def test_engine_takes_every_setting_of_the_rule_from_hyper_and_no_default(
    update, change, message
):
    """A setting the update rule reads that the optimizer's hyper() lacks
    (or misspells) is an error, never a silent 0."""
    _, _, _, layout, _ = make_problem((4,), "relu")
    optimizer = make_optimizer(update, layout.n_params, np.float64)
    hyper = optimizer.hyper()
    change(hyper)
    optimizer.hyper = lambda: hyper
    config = EngineConfig(layout, 4, np.float64, ACTIVATIONS["relu"].code, optimizer)
    with pytest.raises(ValueError, match=message):
        Engine(config)


def test_engine_refuses_rows_and_params_of_another_network():
    X, y, sample_weight, layout, params = make_problem((4,), "tanh")
    engine = make_engine(layout, "tanh", np.float64, 4, update=Update.SGD)
    rows = all_rows(X, y, sample_weight)
    with pytest.raises(ValueError, match="params has"):
        engine.run_epoch(rows, params[:-1])
    with pytest.raises(ValueError, match="trains in float64"):
        engine.run_epoch(rows, params.astype(np.float32))
    narrow = RowSource(X[:, :3].copy(), y, sample_weight, np.arange(N_SAMPLES), 3)
    with pytest.raises(ValueError, match="3 features; the network expects 5"):
        engine.run_epoch(narrow, params)
    more_classes = RowSource(X, y, sample_weight, np.arange(N_SAMPLES), 4)
    with pytest.raises(ValueError, match="index 4 classes"):
        engine.loss_gradient(more_classes, params, np.empty_like(params))
    f32 = all_rows(X.astype(np.float32), y, sample_weight.astype(np.float32))
    with pytest.raises(ValueError, match="trains in float64"):
        engine.run_epoch(f32, params)


def test_uninformed_objective_is_the_start_of_the_yardstick():
    """log(n_classes) (a uniform softmax's cross-entropy) plus the weights'
    penalty: the objective the engine measures blow-ups against."""
    _, _, _, layout, params = make_problem((4, 6), "relu")
    engine = make_engine(layout, "relu", np.float64, 4, l1=0.03, l2=0.02)
    weights = params[layout.weight_mask()]
    penalty = 0.03 * np.abs(weights).sum() + 0.02 * np.square(weights).sum()
    assert_allclose(engine.weight_penalty(params), penalty, rtol=1e-13)
    assert_allclose(
        engine.uninformed_objective(params), np.log(N_CLASSES) + penalty, rtol=1e-13
    )


def test_a_minibatch_of_zero_weight_is_skipped():
    """A minibatch whose samples all weigh 0 carries no data: it neither moves
    the weights nor counts in the epoch's loss, but its samples were seen."""
    X, y, sample_weight, layout, params = make_problem((4,), "relu")
    sample_weight[:4] = 0
    engine = make_engine(layout, "relu", np.float64, 4, update=Update.SGD)
    first_only = RowSource(X, y, sample_weight, np.arange(4), N_CLASSES)
    trained = params.copy()
    engine.run_epoch(first_only, trained)
    assert_array_equal(trained, params)
    assert engine.weight_sum == 0 and engine.n_samples_done == 4


def test_loss_gradient_of_an_overflowing_point_is_not_finite():
    X, y, sample_weight, layout, params = make_problem((4,), "identity")
    engine = make_engine(layout, "identity", np.float64, 4)
    huge = params * 1e200
    loss = engine.loss_gradient(
        all_rows(X, y, sample_weight), huge, np.empty_like(huge)
    )
    assert not np.isfinite(loss)


# ---------------------------------------------------------------------------
# Max-norm and augmentation: training steps only


def _hidden_column_norms(layout, params):
    coefs, _ = layout.views(params)
    return [np.linalg.norm(w, axis=0) for w in coefs[:-1]]


def _project_hidden_columns(layout, params, max_norm):
    """The NumPy twin of max-norm: each hidden layer's columns scaled onto the
    ball; the output layer and the biases left alone."""
    projected = params.copy()
    coefs, _ = layout.views(projected)
    for w in coefs[:-1]:
        w *= np.minimum(1.0, max_norm / np.linalg.norm(w, axis=0))
    return projected


@pytest.mark.parametrize(
    "update", [Update.SGD, Update.MOMENTUM, Update.NESTEROV, Update.ADAM]
)
@pytest.mark.parametrize("l1", [0.0, 0.01])
def test_max_norm_step_is_the_update_then_the_projection(update, l1):
    X, y, sample_weight, layout, params = make_problem((4, 6), "tanh")
    lr, momentum, l2 = 0.5, 0.9, 0.05
    settings = dict(update=update, learning_rate=lr, momentum=momentum, l1=l1, l2=l2)
    grad = np.empty_like(params)
    rows = all_rows(X, y, sample_weight)
    make_engine(layout, "tanh", np.float64, N_SAMPLES, l1=l1, l2=l2).loss_gradient(
        rows, params, grad
    )
    unconstrained = expected_first_step(update, params, grad, lr, momentum)
    # A radius some hidden columns exceed after the step and others do not.
    max_norm = float(
        np.median(np.concatenate(_hidden_column_norms(layout, unconstrained)))
    )
    expected = _project_hidden_columns(layout, unconstrained, max_norm)
    assert not np.allclose(expected, unconstrained)

    engine = make_engine(layout, "tanh", np.float64, N_SAMPLES, **settings)
    engine._set_max_norm(max_norm)
    trained = params.copy()
    engine.run_epoch(rows, trained)

    assert_allclose(trained, expected, rtol=1e-10, atol=1e-12)
    for norms in _hidden_column_norms(layout, trained):
        assert np.all(norms <= max_norm * (1 + 1e-12))
    # The output layer is not constrained: its columns stay longer.
    output = np.linalg.norm(layout.views(trained)[0][-1], axis=0)
    assert output.max() > max_norm


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("update", [Update.SGD, Update.NESTEROV, Update.ADAM])
def test_max_norm_holds_after_every_step(dtype, update):
    X, y, sample_weight, layout, params = make_problem((6, 5), "relu", dtype)
    max_norm = 0.8
    engine = make_engine(layout, "relu", dtype, 3, update=update, learning_rate=0.3)
    engine._set_max_norm(max_norm)
    params = params.astype(dtype)
    for _ in range(3):
        for start in range(0, N_SAMPLES, 3):
            step = RowSource(
                X, y, sample_weight, np.arange(start, min(start + 3, N_SAMPLES)), 3
            )
            engine.run_epoch(step, params)
            for norms in _hidden_column_norms(layout, params.astype(np.float64)):
                assert np.all(norms <= max_norm * (1 + 1e-6))
    # Training was pushing columns past the radius: some sit on the ball.
    norms = np.concatenate(_hidden_column_norms(layout, params.astype(np.float64)))
    assert_allclose(norms.max(), max_norm, rtol=1e-6)


@pytest.mark.parametrize(
    "update", [Update.SGD, Update.MOMENTUM, Update.NESTEROV, Update.ADAM]
)
@pytest.mark.parametrize("l1", [0.0, 0.01])
def test_max_norm_out_of_reach_changes_no_bit(update, l1):
    X, y, sample_weight, layout, params = make_problem((4, 6), "relu", np.float32)
    params = params.astype(np.float32)
    rows = RowSource(
        X, y, sample_weight.astype(np.float32), np.arange(N_SAMPLES), N_CLASSES
    )
    results = []
    for max_norm in (None, 1e6):
        engine = make_engine(
            layout,
            "relu",
            np.float32,
            4,
            update=update,
            learning_rate=0.1,
            l1=l1,
            l2=0.01,
        )
        engine._set_max_norm(max_norm)
        trained = params.copy()
        losses = []
        for _ in range(3):
            engine.run_epoch(rows, trained)
            losses.append(engine.loss_sum)
        results.append((trained.tobytes(), losses))
    assert results[0] == results[1]


def _image_problem(dtype=np.float64, n_samples=12):
    """Samples of 4 x 4 images, three classes, a hidden layer of 5."""
    rng = np.random.RandomState(3)
    X = rng.uniform(size=(n_samples, 16)).astype(dtype)
    y = rng.randint(N_CLASSES, size=n_samples).astype(np.intc)
    sample_weight = rng.uniform(0.5, 2.0, size=n_samples).astype(dtype)
    layout = ParameterLayout([16, 5, N_CLASSES])
    params = initialize(
        layout,
        init="glorot_uniform",
        init_scale=None,
        output_init="same",
        activation="relu",
        random_state=rng,
        dtype=dtype,
    )
    return X, y, sample_weight, layout, params


def _augmenter(dtype, seed=7, n_features=16):
    from skmlp.augmentation import DigitAugmentation

    augmentation = DigitAugmentation(
        rotation=20, shift=1, elastic_alpha=4, elastic_sigma=2, flip=True
    )
    return augmentation._build_augmenter(n_features, dtype, seed)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_run_epoch_distorts_each_row_as_its_sample_at_that_epoch(dtype):
    """An epoch with an augmenter trains, bit for bit, as an epoch without one
    on the rows distorted beforehand for (seed, epoch, sample index): the
    distortion follows the sample, not its place in the shuffled order."""
    X, y, sample_weight, layout, params = _image_problem(dtype)
    order = np.random.default_rng(0).permutation(len(X))
    augmenter = _augmenter(dtype)
    distorted = X.copy()
    augmenter.augment(distorted, np.arange(len(X)), 5)
    assert not np.array_equal(distorted, X)

    def train_one_epoch(data, epoch, **kwargs):
        engine = Engine(
            EngineConfig(
                layout,
                batch_size=5,
                dtype=dtype,
                activation=ACTIVATIONS["relu"].code,
                optimizer=make_optimizer(Update.NESTEROV, layout.n_params, dtype),
                **kwargs,
            )
        )
        trained = params.copy()
        engine.run_epoch(
            RowSource(data, y, sample_weight, order, N_CLASSES), trained, epoch=epoch
        )
        return trained

    trained = {
        "engine": train_one_epoch(X, 5, augmenter=augmenter),
        "beforehand": train_one_epoch(distorted, 5),
    }
    assert trained["engine"].tobytes() == trained["beforehand"].tobytes()
    # Another epoch, other distortions.
    other = train_one_epoch(X, 6, augmenter=augmenter)
    assert other.tobytes() != trained["engine"].tobytes()


def test_loss_gradient_neither_distorts_nor_constrains():
    """The full-batch gradient is the objective's: an augmenter and max-norm
    change none of its bits, and it still matches finite differences."""
    X, y, sample_weight, layout, params = _image_problem()
    rows = RowSource(X, y, sample_weight, np.arange(len(X)), N_CLASSES)
    plain = make_engine(layout, "relu", np.float64, 5, l2=0.01)
    grad = np.empty_like(params)
    loss = plain.loss_gradient(rows, params, grad)

    engine = Engine(
        EngineConfig(
            layout,
            batch_size=5,
            dtype=np.float64,
            activation=ACTIVATIONS["relu"].code,
            optimizer=make_optimizer(Update.GRADIENT, layout.n_params, np.float64),
            l2=0.01,
            augmenter=_augmenter(np.float64),
            max_norm=0.01,
        )
    )
    other = np.empty_like(params)
    assert engine.loss_gradient(rows, params, other) == loss
    assert other.tobytes() == grad.tobytes()

    numeric = np.empty_like(params)
    h = 1e-6
    for i in range(params.size):
        shifted = params.copy()
        shifted[i] += h
        plus = engine.loss_gradient(rows, shifted, other)
        shifted[i] -= 2 * h
        minus = engine.loss_gradient(rows, shifted, other)
        numeric[i] = (plus - minus) / (2 * h)
    assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


def test_engine_refuses_an_augmenter_of_other_rows_and_a_bad_max_norm():
    _, _, _, layout, _ = _image_problem()
    optimizer = make_optimizer(Update.SGD, layout.n_params, np.float64)
    config = EngineConfig(
        layout,
        batch_size=4,
        dtype=np.float64,
        activation=ACTIVATIONS["relu"].code,
        optimizer=optimizer,
    )
    with pytest.raises(ValueError, match="16 float32 values; the engine trains on 16"):
        Engine(config._replace(augmenter=_augmenter(np.float32)))
    with pytest.raises(ValueError, match="rows of 25 float64"):
        Engine(config._replace(augmenter=_augmenter(np.float64, n_features=25)))
    with pytest.raises(TypeError, match="augmenter must be an Augmenter"):
        Engine(config._replace(augmenter="yes"))
    for max_norm in (0.0, -1.0, np.inf, np.nan):
        with pytest.raises(ValueError, match="max_norm must be a positive finite"):
            Engine(config._replace(max_norm=max_norm))
