# Hidden layers, forward and backward, on fused float/double: bias +
# activation, its derivative, and inverted dropout. Every forward op has its
# backward op beside it.
from cython cimport floating

from ._types cimport Activation


cdef void bias_activation(
    floating *z, const floating *bias, Py_ssize_t n_rows, Py_ssize_t n_cols,
    Activation activation,
) noexcept nogil

cdef void activation_backward(
    floating *delta, const floating *a, Py_ssize_t n, Activation activation
) noexcept nogil

cdef void dropout_forward(
    floating *a, floating *mask, Py_ssize_t n, double rate,
    unsigned long long *rng_state,
) noexcept nogil

cdef void dropout_activation_backward(
    floating *delta, const floating *a, const floating *mask, Py_ssize_t n,
    Activation activation,
) noexcept nogil
