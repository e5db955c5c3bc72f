# Gradients into new weights, on fused float/double: the bias gradient,
# penalties, weight decay and the fused update kernel of each update rule,
# over spans of the flat parameter buffer. A new update rule is one Update
# value (_types.pxd), one fused kernel here and a case in update_weights and
# update_biases. The kernels that write weights take (n_cols, column_sq): with
# column_sq, they also sum the squares of the new weights' columns, which
# project_columns needs for max-norm.
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

cdef double penalty(const floating *w, Py_ssize_t n, double l1, double l2) noexcept nogil

cdef double weight_decay(
    floating *w, Py_ssize_t n, double learning_rate, double l2
) noexcept nogil

cdef double add_penalty_gradient(
    floating *grad, const floating *w, Py_ssize_t n, double l1, double l2
) noexcept nogil

cdef void add_column_squares(
    const floating *w, Py_ssize_t n_rows, Py_ssize_t n_cols, double *column_sq
) noexcept nogil

cdef void project_columns(
    floating *w, Py_ssize_t n_rows, Py_ssize_t n_cols, double max_norm,
    double *column_sq,
) noexcept nogil

cdef double momentum_finish(
    floating *w, floating *velocity, Py_ssize_t n, double learning_rate,
    double l1, double l2, Py_ssize_t n_cols, double *column_sq,
) noexcept nogil

cdef double sgd_step(
    floating *w, floating *grad, floating *velocity, Py_ssize_t n,
    double learning_rate, double momentum, bint nesterov, double l1, double l2,
    Py_ssize_t n_cols, double *column_sq,
) noexcept nogil

cdef double adam_step(
    floating *w, floating *grad, floating *m, floating *v, Py_ssize_t n,
    double step_size, double beta_1, double beta_2, double epsilon,
    double l1, double l2, Py_ssize_t n_cols, double *column_sq,
) noexcept nogil
