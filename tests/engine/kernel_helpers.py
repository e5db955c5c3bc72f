"""What the kernel tests share: dtypes, tolerances, the activation
functions and the penalties in NumPy.

Each kernel is compared with the plain NumPy formula of its docstring,
computed in float64 from the same (possibly float32) inputs.
"""

import numpy as np
from numpy.testing import assert_allclose
from scipy.special import expit

from skmlp._engine._activations import LEAKY_RELU_SLOPE
from skmlp._engine._types import Activation

DTYPES = [np.float32, np.float64]
RTOL = {np.float32: 1e-5, np.float64: 1e-12}
# An absolute floor for entries of O(1) inputs that land close to 0.
ATOL = {np.float32: 1e-6, np.float64: 1e-13}
ACTIVATIONS = list(Activation)
PENALTIES = [(0.0, 0.0), (0.1, 0.0), (0.0, 0.2), (0.1, 0.2)]


def close(actual, expected, dtype, **kwargs):
    assert_allclose(actual, expected, rtol=RTOL[dtype], atol=ATOL[dtype], **kwargs)


def f(z, activation):
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


def f_prime_of_a(a, activation):
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


def logits_away_from_zero(rng, shape, scale=2.0):
    """Random values with |z| >= 0.1, so that ReLU is differentiable at each."""
    z = rng.uniform(0.1, scale, size=shape)
    return z * rng.choice([-1.0, 1.0], size=shape)


def weights_with_zeros(rng, dtype, n=9):
    """Random weights, two of them 0: sign(0) = 0, no L1 pull on them."""
    w = rng.normal(size=n)
    w[[1, 5]] = 0
    return w.astype(dtype)


def penalty_reference(w, l1, l2):
    """l1 * sum|w| + l2 * sum w**2, in float64."""
    w = w.astype(np.float64)
    return l1 * np.abs(w).sum() + l2 * np.sum(w**2)


def penalty_gradient_reference(w, l1, l2):
    """l1 * sign(w) + 2 * l2 * w, in float64."""
    w = w.astype(np.float64)
    return l1 * np.sign(w) + 2 * l2 * w


_MASK64 = 2**64 - 1


def splitmix64_uniforms(seed, n):
    """The dropout stream in Python: splitmix64 draws mapped to [0, 1), and
    the state after them."""
    state, draws = seed, []
    for _ in range(n):
        state = (state + 0x9E3779B97F4A7C15) & _MASK64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
        z ^= z >> 31
        draws.append((z >> 11) * (1.0 / 9007199254740992.0))
    return np.array(draws), state
