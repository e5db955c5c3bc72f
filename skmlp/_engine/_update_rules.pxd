# Gradients into new weights, on fused float/double: the bias gradient and
# one layer's step of each update rule over spans of the flat parameter
# buffer. A new update rule is one Update value (_types.pxd), its pass and
# its cases in _update_rules.pyx. The kernels that write weights take
# (n_cols, column_sq): with column_sq, they also sum the squares of the new
# weights' columns, which max-norm needs (_max_norm.pxd).
from cython cimport floating

from ._types cimport Hyper


cdef double begin_step(const Hyper *hyper, long long *n_steps) noexcept nogil

cdef double update_weights(
    const Hyper *hyper, floating *w, floating *grad, floating *state_1,
    floating *state_2, const floating *a, const floating *delta, Py_ssize_t n_rows,
    Py_ssize_t n_in, Py_ssize_t n_out, double step_size, bint accumulate,
    double *column_sq,
) noexcept nogil

cdef void update_biases(
    const Hyper *hyper, floating *b, floating *grad, floating *state_1,
    floating *state_2, const floating *delta, Py_ssize_t n_rows, Py_ssize_t n_out,
    double step_size, bint accumulate,
) noexcept nogil

cdef void column_sums(
    const floating *d, Py_ssize_t n_rows, Py_ssize_t n_cols, floating *out,
    bint accumulate,
) noexcept nogil
