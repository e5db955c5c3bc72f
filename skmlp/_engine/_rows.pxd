# Rows of the training data gathered into the minibatch buffer, on fused
# float/double.
from cython cimport floating


cdef class RowSource:
    cdef const float[:, :] _dense32
    cdef const double[:, :] _dense64
    cdef const float[::1] _csr_data32
    cdef const double[::1] _csr_data64
    cdef const Py_ssize_t[::1] _csr_indices
    cdef const Py_ssize_t[::1] _csr_indptr
    cdef const int[::1] _y
    cdef const unsigned char[:, ::1] _indicators
    cdef const float[::1] _weight32
    cdef const double[::1] _weight64
    cdef Py_ssize_t[::1] _order
    cdef object _order_array
    cdef readonly bint is_sparse
    cdef readonly bint is_float32
    cdef readonly bint multilabel
    cdef readonly object dtype
    cdef readonly Py_ssize_t n_samples
    cdef readonly Py_ssize_t n_features
    cdef readonly Py_ssize_t n_classes
    cdef readonly Py_ssize_t n_rows


cdef double load_rows(
    RowSource source, Py_ssize_t start, Py_ssize_t n_rows, floating *x, int *y,
    unsigned char *indicators, floating *sample_weight,
) noexcept nogil

cdef double total_weight(RowSource source) noexcept nogil

cdef void gather_rows(
    const floating[:, :] x, const Py_ssize_t *rows, Py_ssize_t n_rows, floating *out
) noexcept nogil

cdef void gather_csr_rows(
    const floating[::1] data, const Py_ssize_t[::1] indices,
    const Py_ssize_t[::1] indptr, const Py_ssize_t *rows, Py_ssize_t n_rows,
    Py_ssize_t n_features, floating *out,
) noexcept nogil

cdef void gather_indicator_rows(
    const unsigned char[:, ::1] indicators, const Py_ssize_t *rows, Py_ssize_t n_rows,
    unsigned char *out,
) noexcept nogil
