"""Hidden layers: bias + activation, its derivative, and inverted dropout.

One fused, cache-friendly loop per job over a row-major minibatch; every
forward kernel has its backward kernel beside it. The kernels never allocate
and never validate: the Python layer owns shapes and memory. The
``_*_for_tests`` functions at the end expose them to the tests, which compare
each one with a plain NumPy version.
"""
from cython cimport floating

from ._math cimport _exp, _tanh
from ._types cimport IDENTITY, LEAKY_RELU, LOGISTIC, RELU, TANH, Activation


cdef extern from "_vector_passes.h" nogil:
    # The passes without exp or tanh, compiled for the baseline CPU and for
    # AVX2 (see the header).
    cdef enum skmlp_pass_activation:
        SKMLP_PASS_RELU
        SKMLP_PASS_LEAKY_RELU
        SKMLP_PASS_IDENTITY
        SKMLP_PASS_TANH
        SKMLP_PASS_LOGISTIC
    void skmlp_bias_activation_f(float *z, const float *bias, Py_ssize_t n_rows,
                                 Py_ssize_t n_cols, skmlp_pass_activation activation,
                                 float slope)
    void skmlp_bias_activation_d(double *z, const double *bias, Py_ssize_t n_rows,
                                 Py_ssize_t n_cols, skmlp_pass_activation activation,
                                 double slope)
    void skmlp_activation_backward_f(float *delta, const float *a, Py_ssize_t n,
                                     skmlp_pass_activation activation, float slope)
    void skmlp_activation_backward_d(double *delta, const double *a, Py_ssize_t n,
                                     skmlp_pass_activation activation, double slope)

# Slope of leaky_relu for negative inputs: f(z) = z if z > 0 else 0.01 * z.
cdef double _LEAKY_RELU_SLOPE = 0.01
LEAKY_RELU_SLOPE = _LEAKY_RELU_SLOPE


# ---------------------------------------------------------------------------
# Hidden layers: forward and backward

cdef void bias_activation(
    floating *z,                # IN/OUT (n_rows, n_cols): x @ W in, activations out
    const floating *bias,       # IN     (n_cols,)
    Py_ssize_t n_rows,          # IN
    Py_ssize_t n_cols,          # IN
    Activation activation,      # IN
) noexcept nogil:
    """z[i, j] = f(z[i, j] + bias[j])"""
    cdef Py_ssize_t i, j
    cdef floating *row
    cdef skmlp_pass_activation kind
    if activation == TANH:
        for i in range(n_rows):
            row = z + i * n_cols
            for j in range(n_cols):
                row[j] = _tanh(row[j] + bias[j])
    elif activation == LOGISTIC:
        for i in range(n_rows):
            row = z + i * n_cols
            for j in range(n_cols):
                # exp overflows to inf for very negative inputs: 1 / inf = 0, no NaN.
                row[j] = 1 / (1 + _exp(-(row[j] + bias[j])))
    else:
        kind = (SKMLP_PASS_RELU if activation == RELU else
                SKMLP_PASS_LEAKY_RELU if activation == LEAKY_RELU else
                SKMLP_PASS_IDENTITY)
        if floating is float:
            skmlp_bias_activation_f(z, bias, n_rows, n_cols, kind, _LEAKY_RELU_SLOPE)
        else:
            skmlp_bias_activation_d(z, bias, n_rows, n_cols, kind, _LEAKY_RELU_SLOPE)


cdef void activation_backward(
    floating *delta,            # IN/OUT (n,): dL/da in, dL/dz out
    const floating *a,          # IN     (n,): the activations f(z)
    Py_ssize_t n,               # IN
    Activation activation,      # IN
) noexcept nogil:
    """delta *= f'(z), with f'(z) written in terms of a = f(z)"""
    cdef skmlp_pass_activation kind
    if activation == RELU:
        kind = SKMLP_PASS_RELU
    elif activation == LEAKY_RELU:
        kind = SKMLP_PASS_LEAKY_RELU
    elif activation == TANH:
        kind = SKMLP_PASS_TANH
    elif activation == LOGISTIC:
        kind = SKMLP_PASS_LOGISTIC
    else:
        return  # the identity's derivative is 1
    if floating is float:
        skmlp_activation_backward_f(delta, a, n, kind, _LEAKY_RELU_SLOPE)
    else:
        skmlp_activation_backward_d(delta, a, n, kind, _LEAKY_RELU_SLOPE)


# ---------------------------------------------------------------------------
# Inverted dropout of hidden units (training only)

cdef inline double _next_uniform(unsigned long long *state) noexcept nogil:
    """A uniform draw in [0, 1) from splitmix64 (fast, statistically sound,
    and seeded from the estimator's random_state, so runs repeat)."""
    cdef unsigned long long z
    state[0] += 0x9E3779B97F4A7C15ULL
    z = state[0]
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL
    z = z ^ (z >> 31)
    return (z >> 11) * (1.0 / 9007199254740992.0)


cdef void dropout_forward(
    floating *a,                    # IN/OUT (n,) activations, kept ones scaled up
    floating *mask,                 # OUT    (n,) 0 (dropped) or 1 / (1 - rate)
    Py_ssize_t n,                   # IN
    double rate,                    # IN     probability of dropping a unit
    unsigned long long *rng_state,  # IN/OUT
) noexcept nogil:
    """Drop each unit with probability rate; a *= mask (inverted dropout: the
    expected activation is unchanged, so prediction needs no rescaling)."""
    cdef Py_ssize_t i
    cdef floating scale = 1 / (1 - rate)
    for i in range(n):
        mask[i] = 0 if _next_uniform(rng_state) < rate else scale
        a[i] *= mask[i]


cdef void dropout_activation_backward(
    floating *delta,            # IN/OUT (n,): dL/da in, dL/dz out
    const floating *a,          # IN     (n,) activations after dropout
    const floating *mask,       # IN     (n,) from dropout_forward
    Py_ssize_t n,               # IN
    Activation activation,      # IN
) noexcept nogil:
    """delta = delta * mask * f'(z): the backward of dropout and of the
    activation in one pass, f'(z) written in terms of f(z) = a / mask."""
    cdef Py_ssize_t i
    cdef floating unscaled
    for i in range(n):
        if mask[i] == 0:
            delta[i] = 0
            continue
        unscaled = a[i] / mask[i]
        delta[i] *= mask[i]
        if activation == RELU:
            if unscaled <= 0:
                delta[i] = 0
        elif activation == LEAKY_RELU:
            if unscaled <= 0:
                delta[i] *= <floating> _LEAKY_RELU_SLOPE
        elif activation == TANH:
            delta[i] *= 1 - unscaled * unscaled
        elif activation == LOGISTIC:
            delta[i] *= unscaled * (1 - unscaled)


# ---------------------------------------------------------------------------
# Python entry points for the tests (one per kernel, compared with NumPy)

def _bias_activation_for_tests(floating[:, ::1] z, const floating[::1] bias, int activation):
    bias_activation(&z[0, 0], &bias[0], z.shape[0], z.shape[1], <Activation> activation)


def _activation_backward_for_tests(
    floating[:, ::1] delta, const floating[:, ::1] a, int activation
):
    activation_backward(&delta[0, 0], &a[0, 0], delta.shape[0] * delta.shape[1],
                        <Activation> activation)


def _dropout_forward_for_tests(
    floating[::1] a, floating[::1] mask, double rate, unsigned long long seed
):
    """Run dropout_forward from the random state ``seed``; return the state after."""
    cdef unsigned long long state = seed
    dropout_forward(&a[0], &mask[0], a.shape[0], rate, &state)
    return state


def _dropout_activation_backward_for_tests(
    floating[::1] delta, const floating[::1] a, const floating[::1] mask, int activation
):
    dropout_activation_backward(&delta[0], &a[0], &mask[0], delta.shape[0],
                                <Activation> activation)


def _next_uniform_for_tests(unsigned long long seed, Py_ssize_t n):
    """The first ``n`` draws of the dropout stream seeded with ``seed``."""
    cdef unsigned long long state = seed
    return [_next_uniform(&state) for _ in range(n)]
