"""Max-norm (Srivastava et al., 2014): after a step, each column of a hidden
layer's W (the incoming weights of one unit) longer than the radius is
scaled back onto the L2 ball of that radius.

The update rules' passes (:mod:`~skmlp._engine._update_rules`) walk W one
row at a time when max-norm is on, adding each row's squares to the column
sums (:func:`add_column_squares`) while the row they just wrote is still in
L1 cache; :func:`project_columns` then rescales only when a column is over
the radius.
"""
from cython cimport floating
from libc.math cimport sqrt


cdef void add_column_squares(
    const floating *w,          # IN     (n_rows, n_cols) row-major
    Py_ssize_t n_rows,          # IN
    Py_ssize_t n_cols,          # IN
    double *column_sq,          # IN/OUT (n_cols,)
) noexcept nogil:
    """column_sq[j] += sum_i w[i, j]**2 (in double)"""
    cdef Py_ssize_t i, j
    cdef const floating *row
    for i in range(n_rows):
        row = w + i * n_cols
        for j in range(n_cols):
            column_sq[j] += <double> row[j] * row[j]


cdef void project_columns(
    floating *w,                # IN/OUT (n_rows, n_cols) row-major
    Py_ssize_t n_rows,          # IN
    Py_ssize_t n_cols,          # IN
    double max_norm,            # IN     the radius
    double *column_sq,          # IN/OUT (n_cols,) the squared column norms in;
                                #        each column's scale factor out
) noexcept nogil:
    """w[:, j] *= max_norm / ||w[:, j]|| for the columns longer than max_norm.

    Columns within the ball keep their bits (a factor of exactly 1), and no
    pass is made over w unless some column is over the radius.
    """
    cdef Py_ssize_t i, j
    cdef double limit = max_norm * max_norm
    cdef bint any_over = False
    cdef floating *row
    for j in range(n_cols):
        if column_sq[j] > limit:
            column_sq[j] = max_norm / sqrt(column_sq[j])
            any_over = True
        else:
            column_sq[j] = 1
    if not any_over:
        return
    for i in range(n_rows):
        row = w + i * n_cols
        for j in range(n_cols):
            row[j] *= <floating> column_sq[j]


# ---------------------------------------------------------------------------
# Python entry points for the tests (one per kernel, compared with NumPy)

def _add_column_squares_for_tests(const floating[:, ::1] w, double[::1] column_sq):
    add_column_squares(&w[0, 0], w.shape[0], w.shape[1], &column_sq[0])


def _project_columns_for_tests(floating[:, ::1] w, double max_norm, double[::1] column_sq):
    """Project w's columns, given their squared norms in column_sq (which
    returns each column's factor)."""
    project_columns(&w[0, 0], w.shape[0], w.shape[1], max_norm, &column_sq[0])
