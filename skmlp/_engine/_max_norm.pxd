# Max-norm (Srivastava et al., 2014), on fused float/double: the squared
# norms of a weight matrix's columns (each hidden unit's incoming weights),
# and their projection back onto the L2 ball.
from cython cimport floating


cdef void add_column_squares(
    const floating *w, Py_ssize_t n_rows, Py_ssize_t n_cols, double *column_sq
) noexcept nogil

cdef void project_columns(
    floating *w, Py_ssize_t n_rows, Py_ssize_t n_cols, double max_norm,
    double *column_sq,
) noexcept nogil
