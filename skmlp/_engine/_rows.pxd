# Rows of the training data gathered into the minibatch buffer, on fused
# float/double.
from cython cimport floating


cdef void gather_rows(
    const floating[:, :] x, const Py_ssize_t *rows, Py_ssize_t n_rows, floating *out
) noexcept nogil

cdef void gather_csr_rows(
    const floating[::1] data, const Py_ssize_t[::1] indices,
    const Py_ssize_t[::1] indptr, const Py_ssize_t *rows, Py_ssize_t n_rows,
    Py_ssize_t n_features, floating *out,
) noexcept nogil
