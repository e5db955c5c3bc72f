"""Training rows, dense or CSR, gathered into the minibatch buffer.

A :class:`RowSource` holds what a fit trains on: X (a dense array of any
strides, or a CSR matrix), the targets (class codes, or the 0/1 indicator
matrix of multilabel targets), the sample weights and the rows to train on, in
the order of the coming epoch. Everything is checked once,
when the source is built; the kernels then index with those values
unchecked. The minibatch is the only dense copy of the data.
"""
from cython cimport floating
from libc.string cimport memcpy

import numpy as np
from scipy import sparse

from .._sparse import check_sparse_structure


cdef class RowSource:
    """The training data of one fit, checked for the kernels.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
        float32 or float64; a dense array may have any strides (a read-only
        memory map, a Fortran array), a CSR matrix is read row by row.
    y : ndarray of shape (n_samples,), dtype=intc, or (n_samples, n_classes), dtype=uint8
        Class codes, in ``[0, n_classes)``; or, for multilabel targets, the
        C-contiguous indicator matrix of the labels (0 or 1), one column per
        output unit.
    sample_weight : ndarray of shape (n_samples,)
        Of X's dtype.
    rows : ndarray of shape (n_rows,), dtype=intp
        The rows of X to train on, in order; copied (:meth:`shuffle` reorders
        the copy).
    n_classes : int
        The number of output units: the codes index them, the indicator
        matrix has one column each.

    Raises
    ------
    TypeError
        If X is neither a float ndarray nor a CSR matrix.
    ValueError
        If a size, a class code, a row index or the CSR structure is out of
        range.
    """

    def __init__(self, X, y, sample_weight, rows, Py_ssize_t n_classes):
        if sparse.issparse(X):
            if X.format != "csr":
                raise TypeError(f"RowSource needs a CSR matrix, got {X.format!r}.")
            data = X.data
        elif isinstance(X, np.ndarray) and X.ndim == 2:
            data = X
        else:
            raise TypeError(
                f"RowSource needs a 2-D ndarray or a CSR matrix, got {type(X)}.")
        if data.dtype not in (np.float32, np.float64):
            raise TypeError(f"X must be float32 or float64, got {data.dtype}.")
        self.dtype = data.dtype
        self.is_float32 = self.dtype == np.float32
        self.n_samples, self.n_features = X.shape
        self.n_classes = n_classes
        self.is_sparse = sparse.issparse(X)
        if self.is_sparse:
            # The gathering kernel indexes the minibatch with these, unchecked.
            check_sparse_structure(X, "X")
            self._csr_indices = np.ascontiguousarray(X.indices, dtype=np.intp)
            self._csr_indptr = np.ascontiguousarray(X.indptr, dtype=np.intp)
            if self.dtype == np.float32:
                self._csr_data32 = np.ascontiguousarray(data)
            else:
                self._csr_data64 = np.ascontiguousarray(data)
        elif self.dtype == np.float32:
            self._dense32 = X
        else:
            self._dense64 = X
        self._set_targets(y, sample_weight)
        self._set_rows(rows)

    def _set_targets(self, y, sample_weight):
        y = np.asarray(y)
        sample_weight = np.asarray(sample_weight)
        self.multilabel = y.ndim == 2
        if self.multilabel:
            self._set_indicators(y)
        else:
            self._set_codes(y)
        if sample_weight.dtype != self.dtype or sample_weight.shape != (self.n_samples,):
            raise ValueError(
                f"sample_weight must hold {self.n_samples} weights of dtype "
                f"{self.dtype}; got {sample_weight.dtype} of shape "
                f"{sample_weight.shape}.")
        if self.dtype == np.float32:
            self._weight32 = np.ascontiguousarray(sample_weight)
        else:
            self._weight64 = np.ascontiguousarray(sample_weight)

    def _set_codes(self, y):
        if y.dtype != np.intc or y.shape != (self.n_samples,):
            raise ValueError(
                f"y must hold {self.n_samples} class codes of dtype intc; got "
                f"{y.dtype} of shape {y.shape}.")
        if y.size and (y.min() < 0 or y.max() >= self.n_classes):
            raise ValueError(
                f"y holds class codes outside [0, {self.n_classes}).")
        self._y = np.ascontiguousarray(y)

    def _set_indicators(self, y):
        if y.dtype != np.uint8 or y.shape != (self.n_samples, self.n_classes):
            raise ValueError(
                f"A multilabel y must be a ({self.n_samples}, {self.n_classes}) "
                f"indicator matrix of dtype uint8; got {y.dtype} of shape {y.shape}.")
        if y.size and y.max() > 1:
            raise ValueError("A multilabel y must hold only 0 and 1.")
        self._indicators = np.ascontiguousarray(y)

    def _set_rows(self, rows):
        rows = np.array(rows, dtype=np.intp, copy=True, order="C")
        if rows.ndim != 1:
            raise ValueError(f"rows must be 1-D, got shape {rows.shape}.")
        if rows.size and (rows.min() < 0 or rows.max() >= self.n_samples):
            raise ValueError(
                f"rows holds row indices outside [0, {self.n_samples}).")
        self._order_array = rows
        self._order = rows
        self.n_rows = rows.shape[0]

    def shuffle(self, rng):
        """Reorder the rows for the next epoch, in place, with ``rng.shuffle``."""
        rng.shuffle(self._order_array)

    @property
    def order(self):
        """The rows of the coming epoch, in order (a read-only view)."""
        view = self._order_array.view()
        view.flags.writeable = False
        return view


cdef double load_rows(
    RowSource source,           # IN
    Py_ssize_t start,           # IN   the minibatch's first position in the order
    Py_ssize_t n_rows,          # IN
    floating *x,                # OUT  (n_rows, n_features) row-major
    int *y,                     # OUT  (n_rows,) class codes; unused if multilabel
    unsigned char *indicators,  # OUT  (n_rows, n_classes) targets if multilabel, else unused
    floating *sample_weight,    # OUT  (n_rows,)
) noexcept nogil:
    """The rows source.order[start:start + n_rows] of X, the targets and
    sample_weight; return the sum of their weights (in double, in order).
    Needs n_rows >= 1."""
    cdef const Py_ssize_t *rows = &source._order[start]
    cdef const floating *weights
    cdef Py_ssize_t i
    cdef double total = 0
    if floating is float:
        weights = &source._weight32[0]
        if source.is_sparse:
            gather_csr_rows(source._csr_data32, source._csr_indices, source._csr_indptr,
                            rows, n_rows, source.n_features, x)
        else:
            gather_rows(source._dense32, rows, n_rows, x)
    else:
        weights = &source._weight64[0]
        if source.is_sparse:
            gather_csr_rows(source._csr_data64, source._csr_indices, source._csr_indptr,
                            rows, n_rows, source.n_features, x)
        else:
            gather_rows(source._dense64, rows, n_rows, x)
    if source.multilabel:
        gather_indicator_rows(source._indicators, rows, n_rows, indicators)
    else:
        for i in range(n_rows):
            y[i] = source._y[rows[i]]
    for i in range(n_rows):
        sample_weight[i] = weights[rows[i]]
        total += sample_weight[i]
    return total


cdef double total_weight(RowSource source) noexcept nogil:
    """The sum of the weights of source.order's rows, in double, in order."""
    cdef Py_ssize_t i
    cdef double total = 0
    if source.is_float32:
        for i in range(source.n_rows):
            total += source._weight32[source._order[i]]
    else:
        for i in range(source.n_rows):
            total += source._weight64[source._order[i]]
    return total


# ---------------------------------------------------------------------------
# Gathering kernels

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


cdef void gather_indicator_rows(
    const unsigned char[:, ::1] indicators,     # IN   (n_samples, n_labels)
    const Py_ssize_t *rows,                     # IN   (n_rows,) row indices
    Py_ssize_t n_rows,                          # IN
    unsigned char *out,                         # OUT  (n_rows, n_labels) row-major
) noexcept nogil:
    """out[i, :] = indicators[rows[i], :]"""
    cdef Py_ssize_t i, n_labels = indicators.shape[1]
    for i in range(n_rows):
        memcpy(out + i * n_labels, &indicators[rows[i], 0], n_labels)


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


def _load_rows_for_tests(
    RowSource source, Py_ssize_t start, floating[:, ::1] x, int[::1] y,
    floating[::1] sample_weight, unsigned char[:, ::1] indicators=None,
):
    """load_rows into x, y (or, multilabel, indicators) and sample_weight
    (whose length is the minibatch's); return the sum of the weights."""
    if (start < 0 or start + y.shape[0] > source.n_rows or x.shape[0] != y.shape[0]
            or sample_weight.shape[0] != y.shape[0] or x.shape[1] != source.n_features
            or source.dtype != np.asarray(x).dtype):
        raise ValueError("buffers do not match the source and the minibatch")
    if source.multilabel and (
            indicators is None or indicators.shape[0] != y.shape[0]
            or indicators.shape[1] != source.n_classes):
        raise ValueError("a multilabel source needs an indicators buffer")
    return load_rows(source, start, y.shape[0], &x[0, 0], &y[0],
                     &indicators[0, 0] if source.multilabel else NULL,
                     &sample_weight[0])


def _total_weight_for_tests(RowSource source):
    return total_weight(source)
