"""Plain SGD's decay through a scale per layer (skmlp._engine._scaled_decay)
against the decay pass it replaces, and against NumPy.

The scaled layers' weights take other roundings than the decay pass's, so
the two are compared with a tolerance: float64 rounding in float64.
"""

import numpy as np
import pytest
from network_problems import random_problem
from numpy.testing import assert_allclose

from skmlp import _optimizers
from skmlp._engine._config import EngineConfig
from skmlp._engine._engine import Engine
from skmlp._engine._rows import RowSource
from skmlp._engine._scaled_decay import _scaled_sgd_steps_for_tests, scaling_pays
from skmlp._layers import ACTIVATIONS


def _decayed_steps(w0, a, delta, lr, l2):
    """Plain SGD with the L2 decay as a pass, in NumPy: the weights after the
    steps, and the penalty before each step."""
    w, penalties = w0.copy(), []
    for a_step, delta_step in zip(a, delta):
        penalties.append(l2 * np.sum(w**2))
        w = (1 - 2 * lr * l2) * w - lr * a_step.T @ delta_step
    return w, penalties


def test_steps_match_numpy_and_track_the_penalty():
    """Each step is (1 - 2 lr l2) W - lr A.T @ delta, and the penalty the
    step reports, from the tracked |V|**2, is l2 |W|**2 before it."""
    rng = np.random.default_rng(0)
    n_steps, n_rows, n_in, n_out = 40, 6, 30, 20
    w0 = rng.standard_normal((n_in, n_out))
    a = rng.standard_normal((n_steps, n_rows, n_in))
    delta = rng.standard_normal((n_steps, n_rows, n_out))
    lr, l2 = 0.02, 0.3  # the scale halves in ~58 steps: no refold here
    v = w0.copy()
    penalties, tracked = _scaled_sgd_steps_for_tests(v, a, delta, lr, l2)
    w, expected = _decayed_steps(w0, a, delta, lr, l2)
    assert_allclose(v, w, rtol=1e-12, atol=1e-14)
    assert_allclose(penalties, expected, rtol=1e-12)
    assert 0.6 < (1 - 2 * lr * l2) ** n_steps < 1  # the scale did move
    # The tracked |V|**2, scaled, is |W|**2 after the last step.
    assert_allclose(tracked * (1 - 2 * lr * l2) ** (2 * n_steps), np.sum(w**2))


def test_a_scale_below_one_half_is_folded_back_mid_way():
    """A strong decay shrinks the scale fast: it is folded into the weights
    when below 1/2, and the steps stay exact."""
    rng = np.random.default_rng(1)
    n_steps, n_rows, n_in, n_out = 30, 4, 12, 9
    w0 = rng.standard_normal((n_in, n_out))
    a = rng.standard_normal((n_steps, n_rows, n_in))
    delta = rng.standard_normal((n_steps, n_rows, n_out))
    lr, l2 = 0.1, 0.5  # decay 0.9: below 1/2 after 7 steps, several refolds
    v = w0.copy()
    penalties, _ = _scaled_sgd_steps_for_tests(v, a, delta, lr, l2)
    w, expected = _decayed_steps(w0, a, delta, lr, l2)
    assert_allclose(v, w, rtol=1e-12, atol=1e-14)
    assert_allclose(penalties, expected, rtol=1e-12)


@pytest.mark.parametrize(
    "n_rows, n_in, n_out, pays",
    [(20, 784, 500, True), (128, 784, 500, False), (20, 500, 10, False)],
)
def test_scaling_pays_for_small_minibatches_of_wide_layers(n_rows, n_in, n_out, pays):
    assert scaling_pays(n_rows, n_in, n_out) == pays


def _epochs(dtype, scaled_decay, l2, n_epochs=3, dropout=None, hidden=(40,)):
    """Weights, per-epoch losses and the scaled layers of a plain SGD
    training on a random problem."""
    X, y, sample_weight, layout, params = random_problem(
        hidden, "tanh", n_features=30, n_classes=4, n_samples=97, dtype=dtype
    )
    optimizer = _optimizers.SGD(layout.n_params, dtype, learning_rate=0.05)
    engine = Engine(
        EngineConfig(
            layout,
            batch_size=8,
            dtype=dtype,
            activation=ACTIVATIONS["tanh"].code,
            optimizer=optimizer,
            l2=l2,
            dropout=dropout,
            seed=3,
            scaled_decay=scaled_decay,
        )
    )
    rows = RowSource(X, y, sample_weight, np.arange(len(X)), 4)
    losses = []
    for epoch in range(n_epochs):
        engine.seed(epoch)
        engine.run_epoch(rows, params, epoch=epoch)
        losses.append(engine.loss_sum / engine.weight_sum)
    return params, np.array(losses), engine.scaled_layers


@pytest.mark.parametrize("dropout", [None, [0.3]])
def test_an_epoch_with_scaled_layers_is_the_epoch_with_decay_passes(dropout):
    """The same training, up to float64 rounding: the weights after three
    epochs and the loss curve (the penalty tracked, not summed)."""
    scaled, scaled_losses, layers = _epochs(np.float64, "always", 0.01, dropout=dropout)
    plain, plain_losses, none = _epochs(np.float64, "never", 0.01, dropout=dropout)
    assert layers == (0, 1) and none == ()
    assert_allclose(scaled, plain, rtol=1e-11, atol=1e-13)
    assert_allclose(scaled_losses, plain_losses, rtol=1e-12)
    # Between epochs the buffer holds the weights themselves.
    assert not np.array_equal(scaled, _epochs(np.float64, "always", 0.0)[0])


def test_float32_stays_within_float32_rounding():
    scaled, scaled_losses, _ = _epochs(np.float32, "always", 0.01)
    plain, plain_losses, _ = _epochs(np.float32, "never", 0.01)
    assert_allclose(scaled, plain, rtol=1e-4, atol=1e-5)
    assert_allclose(scaled_losses, plain_losses, rtol=1e-5)


def test_only_plain_sgd_with_l2_scales():
    """Without an L2 penalty the layers train as they always did: the same
    bits with the option on or off."""
    on, on_losses, _ = _epochs(np.float64, "always", 0.0)
    off, off_losses, _ = _epochs(np.float64, "never", 0.0)
    assert np.array_equal(on, off) and np.array_equal(on_losses, off_losses)


def test_the_option_is_checked():
    X, y, sample_weight, layout, params = random_problem(
        (4,), "relu", n_features=3, n_classes=2, n_samples=5
    )
    optimizer = _optimizers.SGD(layout.n_params, np.float64, learning_rate=0.1)
    with pytest.raises(ValueError, match="scaled_decay must be"):
        Engine(
            EngineConfig(
                layout,
                2,
                np.float64,
                ACTIVATIONS["relu"].code,
                optimizer,
                scaled_decay="sometimes",
            )
        )
