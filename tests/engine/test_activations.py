"""The kernels of :mod:`skmlp._engine._activations` against NumPy."""

import numpy as np
import pytest
from kernel_helpers import (
    ACTIVATIONS,
    DTYPES,
    close,
    f,
    f_prime_of_a,
    logits_away_from_zero,
    splitmix64_uniforms,
)
from numpy.testing import assert_allclose
from scipy.special import expit

from skmlp._engine._activations import (
    _activation_backward_for_tests,
    _bias_activation_for_tests,
    _dropout_activation_backward_for_tests,
    _dropout_forward_for_tests,
)
from skmlp._engine._types import Activation

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
    expected = f(z.astype(np.float64) + bias.astype(np.float64), activation)

    _bias_activation_for_tests(z, bias, activation)

    close(z, expected, dtype)
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
    close(z, expected, dtype)


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
    z = logits_away_from_zero(rng, (4, 3))
    a = f(z, activation).astype(dtype)
    delta = rng.normal(size=(4, 3)).astype(dtype)
    expected = delta.astype(np.float64) * f_prime_of_a(a, activation)
    a_before = a.copy()

    _activation_backward_for_tests(delta, a, activation)

    close(delta, expected, dtype)
    assert_allclose(a, a_before, rtol=0, atol=0)


@pytest.mark.parametrize("activation", ACTIVATIONS, ids=lambda a: a.name)
def test_activation_backward_finite_difference(activation):
    # The kernel only sees a = f(z): check that it recovers the derivative of
    # f at z itself, by central differences.
    rng = np.random.default_rng(2)
    z = logits_away_from_zero(rng, (3, 5))
    eps = 1e-6
    derivative = (f(z + eps, activation) - f(z - eps, activation)) / (2 * eps)
    a = f(z, activation)
    delta = rng.normal(size=z.shape)
    expected = delta * derivative

    _activation_backward_for_tests(delta, a, activation)

    assert_allclose(delta, expected, rtol=1e-7, atol=1e-9)


# ---------------------------------------------------------------------------
# dropout_forward and its backward


def dropout_reference(a, rate, seed):
    """mask = 0 where the draw is below rate, else 1 / (1 - rate); a * mask."""
    draws, state = splitmix64_uniforms(seed, a.size)
    scale = a.dtype.type(1 / (1 - rate))
    mask = np.where(draws < rate, a.dtype.type(0), scale).astype(a.dtype)
    return a * mask, mask, state


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("rate", [0.0, 0.2, 0.5, 0.9])
def test_dropout_forward(dtype, rate):
    rng = np.random.default_rng(13)
    a = rng.normal(size=257).astype(dtype)
    mask = np.full_like(a, np.nan)
    seed = 2**63 + 12345
    expected_a, expected_mask, expected_state = dropout_reference(a, rate, seed)

    state = _dropout_forward_for_tests(a, mask, rate, seed)

    # Bit for bit: the same draws, the same scale, one product per unit.
    assert_allclose(mask, expected_mask, rtol=0, atol=0)
    assert_allclose(a, expected_a, rtol=0, atol=0)
    assert state == expected_state


def test_dropout_forward_drops_the_rate_of_units_and_keeps_the_mean():
    a = np.ones(200_000)
    mask = np.empty_like(a)
    _dropout_forward_for_tests(a, mask, 0.3, 7)
    assert abs(np.mean(mask == 0) - 0.3) < 0.005
    assert abs(a.mean() - 1) < 0.01  # inverted dropout: the expectation stays


def dropout_backward_reference(delta, a, mask, activation):
    """delta * mask * f'(z), with f(z) = a / mask; 0 where the unit was dropped."""
    delta, a, mask = (x.astype(np.float64) for x in (delta, a, mask))
    kept = mask != 0
    unscaled = np.divide(a, mask, out=np.zeros_like(a), where=kept)
    return np.where(kept, delta * mask * f_prime_of_a(unscaled, activation), 0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ACTIVATIONS, ids=lambda a: a.name)
def test_dropout_activation_backward(dtype, activation):
    rng = np.random.default_rng(14)
    z = logits_away_from_zero(rng, 64)
    a = f(z, activation).astype(dtype)
    mask = np.empty_like(a)
    _dropout_forward_for_tests(a, mask, 0.4, 99)  # a := a * mask
    delta = rng.normal(size=64).astype(dtype)
    expected = dropout_backward_reference(delta, a, mask, activation)
    a_before, mask_before = a.copy(), mask.copy()

    _dropout_activation_backward_for_tests(delta, a, mask, activation)

    close(delta, expected, dtype)
    assert np.all(delta[mask == 0] == 0)
    assert_allclose(a, a_before, rtol=0, atol=0)
    assert_allclose(mask, mask_before, rtol=0, atol=0)


@pytest.mark.parametrize("activation", ACTIVATIONS, ids=lambda a: a.name)
def test_dropout_backward_without_drops_is_the_activation_backward(activation):
    rng = np.random.default_rng(15)
    a = f(logits_away_from_zero(rng, 40), activation)
    delta = rng.normal(size=40)
    expected = delta.copy()
    _activation_backward_for_tests(expected[None, :], a[None, :], activation)

    _dropout_activation_backward_for_tests(delta, a, np.ones_like(a), activation)

    assert_allclose(delta, expected, rtol=1e-15, atol=0)
