"""Rows of the training data gathered into the minibatch buffer.

The minibatch is the only dense copy of the data: rows are gathered, in the
order of the (shuffled) row indices, from a dense array of any strides or from
a CSR matrix. The kernels never validate: the indices they are given have
been checked.
"""
from cython cimport floating
from libc.string cimport memcpy


cdef void gather_rows(
    const floating[:, :] x,     # IN   (n_samples, n_features), any strides
    const Py_ssize_t *rows,     # IN   (n_rows,) row indices into x
    Py_ssize_t n_rows,          # IN
    floating *out,              # OUT  (n_rows, n_features) row-major
) noexcept nogil:
    """out[i, :] = x[rows[i], :]"""
    cdef Py_ssize_t i, j, n_features = x.shape[1]
    cdef floating *out_row
    if n_features == 0:
        return
    if x.strides[1] == sizeof(floating):
        # Contiguous rows (C order, or a slice of rows): one memcpy per row
        # instead of a strided element-by-element loop.
        for i in range(n_rows):
            memcpy(out + i * n_features, &x[rows[i], 0], n_features * sizeof(floating))
        return
    for i in range(n_rows):
        out_row = out + i * n_features
        for j in range(n_features):
            out_row[j] = x[rows[i], j]


cdef void gather_csr_rows(
    const floating[::1] data,           # IN   CSR values
    const Py_ssize_t[::1] indices,      # IN   CSR column indices
    const Py_ssize_t[::1] indptr,       # IN   CSR row pointers
    const Py_ssize_t *rows,             # IN   (n_rows,) row indices
    Py_ssize_t n_rows,                  # IN
    Py_ssize_t n_features,              # IN
    floating *out,                      # OUT  (n_rows, n_features) row-major
) noexcept nogil:
    """out[i, :] = X[rows[i], :] for a CSR matrix X: only the minibatch is
    ever dense."""
    cdef Py_ssize_t i, j, k
    cdef floating *out_row
    for i in range(n_rows):
        out_row = out + i * n_features
        for j in range(n_features):
            out_row[j] = 0
        for k in range(indptr[rows[i]], indptr[rows[i] + 1]):
            out_row[indices[k]] += data[k]


# ---------------------------------------------------------------------------
# Python entry points for the tests (one per kernel, compared with NumPy)

def _gather_rows_for_tests(
    const floating[:, :] x, const Py_ssize_t[::1] rows, floating[:, ::1] out
):
    gather_rows(x, &rows[0], rows.shape[0], &out[0, 0])


def _gather_csr_rows_for_tests(
    const floating[::1] data, const Py_ssize_t[::1] indices,
    const Py_ssize_t[::1] indptr, const Py_ssize_t[::1] rows, floating[:, ::1] out,
):
    gather_csr_rows(data, indices, indptr, &rows[0], rows.shape[0], out.shape[1],
                    &out[0, 0])
