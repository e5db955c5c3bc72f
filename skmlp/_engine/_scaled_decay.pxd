# Plain SGD's L2 weight decay applied through a scale per layer instead of a
# pass over the weights at every step (see _scaled_decay.pyx).
from cython cimport floating

from ._types cimport Hyper


cdef struct ScaledLayer:
    # A layer's weights are scale * v, v the buffer's values.
    double scale
    double sq_norm              # sum v**2, tracked from step to step


cdef void begin_scaling(
    const floating *v, Py_ssize_t n, ScaledLayer *layer
) noexcept nogil

cdef void fold_scale(floating *v, Py_ssize_t n, ScaledLayer *layer) noexcept nogil

cdef double scaled_sgd_step(
    const Hyper *hyper, floating *v, const floating *a, const floating *delta,
    const floating *scaled_product, floating *gram, Py_ssize_t n_rows,
    Py_ssize_t n_in, Py_ssize_t n_out, ScaledLayer *layer,
) noexcept nogil
