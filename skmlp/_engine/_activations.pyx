"""Hidden layers: bias + activation, its derivative, and inverted dropout.

The activations' kernels are C (``_vector_passes.h``, compiled for the
baseline CPU and for AVX2): one pass per job over a row-major minibatch,
switching once on the activation, whose list in the header writes every
case. This module gives them fused float/double signatures and draws
dropout's masks. The kernels never allocate and never validate: the Python
layer owns shapes and memory. The ``_*_for_tests`` functions at the end
expose them to the tests, which compare each one with a plain NumPy version.
"""
from cython cimport floating
from libc.math cimport ceil

from ._random cimport uniform
from ._types cimport Activation


cdef extern from "_vector_passes.h" nogil:
    void skmlp_bias_activation_f(float *z, const float *bias, Py_ssize_t n_rows,
                                 Py_ssize_t n_cols, Activation activation)
    void skmlp_bias_activation_d(double *z, const double *bias, Py_ssize_t n_rows,
                                 Py_ssize_t n_cols, Activation activation)
    void skmlp_activation_backward_f(float *delta, const float *a, Py_ssize_t n,
                                     Activation activation)
    void skmlp_activation_backward_d(double *delta, const double *a, Py_ssize_t n,
                                     Activation activation)
    void skmlp_dropout_activation_backward_f(
        float *delta, const float *a, const float *mask, Py_ssize_t n,
        Activation activation)
    void skmlp_dropout_activation_backward_d(
        double *delta, const double *a, const double *mask, Py_ssize_t n,
        Activation activation)
    unsigned long long skmlp_dropout_forward_f(
        float *a, float *mask, Py_ssize_t n, unsigned long long threshold,
        float scale, unsigned long long state)
    unsigned long long skmlp_dropout_forward_d(
        double *a, double *mask, Py_ssize_t n, unsigned long long threshold,
        double scale, unsigned long long state)
    const double SKMLP_LEAKY_RELU_SLOPE

# Slope of leaky_relu for negative inputs: f(z) = z if z > 0 else 0.01 * z.
LEAKY_RELU_SLOPE = SKMLP_LEAKY_RELU_SLOPE


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
    if floating is float:
        skmlp_bias_activation_f(z, bias, n_rows, n_cols, activation)
    else:
        skmlp_bias_activation_d(z, bias, n_rows, n_cols, activation)


cdef void activation_backward(
    floating *delta,            # IN/OUT (n,): dL/da in, dL/dz out
    const floating *a,          # IN     (n,): the activations f(z)
    Py_ssize_t n,               # IN
    Activation activation,      # IN
) noexcept nogil:
    """delta *= f'(z), with f'(z) written in terms of a = f(z)"""
    if floating is float:
        skmlp_activation_backward_f(delta, a, n, activation)
    else:
        skmlp_activation_backward_d(delta, a, n, activation)


# ---------------------------------------------------------------------------
# Inverted dropout of hidden units (training only)

cdef void dropout_forward(
    floating *a,                    # IN/OUT (n,) activations, kept ones scaled up
    floating *mask,                 # OUT    (n,) 0 (dropped) or 1 / (1 - rate)
    Py_ssize_t n,                   # IN
    double rate,                    # IN     probability of dropping a unit
    unsigned long long *rng_state,  # IN/OUT splitmix64 state (_random.pxd)
) noexcept nogil:
    """Drop each unit with probability rate; a *= mask (inverted dropout: the
    expected activation is unchanged, so prediction needs no rescaling).

    Unit i is dropped when the (i + 1)-th uniform draw of the stream is below
    rate, tested on its 53 bits as an integer (the pass is in C, where it
    vectorises).
    """
    cdef floating scale = 1 / (1 - rate)
    # u = k / 2**53 < rate  <=>  k < rate * 2**53 (exact)  <=>  k < ceil(...)
    cdef unsigned long long threshold = <unsigned long long> ceil(rate * 9007199254740992.0)
    if floating is float:
        rng_state[0] = skmlp_dropout_forward_f(a, mask, n, threshold, scale, rng_state[0])
    else:
        rng_state[0] = skmlp_dropout_forward_d(a, mask, n, threshold, scale, rng_state[0])


cdef void dropout_activation_backward(
    floating *delta,            # IN/OUT (n,): dL/da in, dL/dz out
    const floating *a,          # IN     (n,) activations after dropout
    const floating *mask,       # IN     (n,) from dropout_forward
    Py_ssize_t n,               # IN
    Activation activation,      # IN
) noexcept nogil:
    """delta = delta * mask * f'(z): the backward of dropout and of the
    activation in one pass, f'(z) written in terms of f(z) = a / mask."""
    if floating is float:
        skmlp_dropout_activation_backward_f(delta, a, mask, n, activation)
    else:
        skmlp_dropout_activation_backward_d(delta, a, mask, n, activation)


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
    return [uniform(&state) for _ in range(n)]
