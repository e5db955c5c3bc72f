# nogil building blocks of the forward and backward passes, on fused float/double.
# Every forward op has its backward op beside it; buffers are raw row-major
# pointers so that the training loop can walk one flat parameter buffer.
from cython cimport floating


cpdef enum Activation:
    IDENTITY = 0
    LOGISTIC = 1
    TANH = 2
    RELU = 3
    LEAKY_RELU = 4


cdef void gather_rows(
    const floating[:, :] x, const Py_ssize_t *rows, Py_ssize_t n_rows, floating *out
) noexcept nogil

cdef void gather_csr_rows(
    const floating[::1] data, const Py_ssize_t[::1] indices,
    const Py_ssize_t[::1] indptr, const Py_ssize_t *rows, Py_ssize_t n_rows,
    Py_ssize_t n_features, floating *out,
) noexcept nogil

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

cdef double softmax_cross_entropy_delta(
    floating *z, const int *y, const floating *sample_weight,
    Py_ssize_t n_rows, Py_ssize_t n_classes, double delta_scale,
) noexcept nogil

cdef void softmax(floating *z, Py_ssize_t n_rows, Py_ssize_t n_classes) noexcept nogil

cdef void log_softmax(floating *z, Py_ssize_t n_rows, Py_ssize_t n_classes) noexcept nogil

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

cdef double momentum_finish(
    floating *w, floating *velocity, Py_ssize_t n, double learning_rate,
    double l1, double l2,
) noexcept nogil

cdef double sgd_step(
    floating *w, floating *grad, floating *velocity, Py_ssize_t n,
    double learning_rate, double momentum, bint nesterov, double l1, double l2,
) noexcept nogil

cdef double adam_step(
    floating *w, floating *grad, floating *m, floating *v, Py_ssize_t n,
    double step_size, double beta_1, double beta_2, double epsilon,
    double l1, double l2,
) noexcept nogil
