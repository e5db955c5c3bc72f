"""Structure checks for scipy.sparse input, before any compiled code reads it.

scipy's constructors check only the cheap invariants of a sparse matrix
(``indptr``'s length and first value), and ``save_npz``/``load_npz`` and
scikit-learn's ``validate_data`` check nothing more. A CSR matrix holding a
column index of ``10**8`` in an 8-column shape is accepted by all of them;
converted by scipy's C++ routines or gathered into a minibatch by skmlp's
kernels, it reads or writes far outside its buffers. Every sparse input is
therefore checked here, once per call, in vectorised NumPy: O(nnz) time, no
copy of the data.
"""

from operator import index

import numpy as np
from scipy import sparse

__all__ = ["check_sparse_structure"]


def check_sparse_structure(X, name="X"):
    """Raise ``ValueError`` unless a scipy.sparse X's index arrays fit its shape.

    Checks what scipy's conversions (CSC to CSR, COO to CSR, ...) and
    skmlp's kernels trust without checking: that ``indptr`` has one entry
    per row (CSR) or column (CSC) plus one, starts at 0, never decreases and
    ends at the number of stored values; that every index lies inside the
    shape; that the index arrays are of an integer dtype. Covers the
    compressed formats (CSR, CSC, BSR) and COO, as matrices and as arrays.
    Anything that is not a scipy.sparse container is left alone.

    Parameters
    ----------
    X : object
        The input to check.
    name : str, default="X"
        How the input is named in error messages (``"X"``, ``"X_val"``).

    Raises
    ------
    ValueError
        Naming ``name`` and what is wrong with it.
    """
    if not sparse.issparse(X):
        return
    shape = _checked_shape(X, name)
    if X.format in ("csr", "csc"):
        _check_compressed(X, shape, name)
    elif X.format == "bsr":
        _check_block_compressed(X, shape, name)
    elif X.format == "coo":
        _check_coordinates(X, shape, name)
    elif X.format == "dia":
        _check_diagonals(X, name)
    # LIL and DOK keep Python lists and dicts: scipy converts them through
    # constructors that check, or into a CSR matrix that is checked again
    # once validate_data has returned it.


def _checked_shape(X, name):
    try:
        shape = tuple(index(n) for n in X.shape)
    except TypeError:
        raise ValueError(
            f"{name} has shape {X.shape!r}: sizes must be integers."
        ) from None
    if any(n < 0 for n in shape):
        raise ValueError(f"{name} has a negative size in its shape {shape}.")
    return shape


def _index_array(X, attribute, name):
    """``X.<attribute>`` as a 1-D array of integers (no copy), or raise."""
    values = np.asarray(getattr(X, attribute))
    if values.ndim != 1:
        raise ValueError(
            f"{name}.{attribute} must be 1-D, got {values.ndim} dimensions."
        )
    if not np.issubdtype(values.dtype, np.integer):
        raise ValueError(
            f"{name}.{attribute} must hold integers, got dtype {values.dtype}."
        )
    return values


def _check_compressed(X, shape, name):
    """CSR and CSC (also 1-D CSR arrays): indptr, indices, data."""
    if X.format == "csr":
        n_major, n_minor = shape if len(shape) == 2 else (1, shape[0])
        major, minor = "row", "column"
    else:
        n_minor, n_major = shape
        major, minor = "column", "row"
    indptr = _index_array(X, "indptr", name)
    indices = _index_array(X, "indices", name)
    data = np.asarray(X.data)
    if data.ndim != 1:
        raise ValueError(f"{name}.data must be 1-D, got {data.ndim} dimensions.")
    if len(indices) != len(data):
        raise ValueError(
            f"{name} has {len(indices)} {minor} indices but {len(data)} values."
        )
    _check_indptr(indptr, n_major, len(indices), major, name, X.format.upper())
    _check_bounds(indices, n_minor, f"{name} has a {minor} index")


def _check_block_compressed(X, shape, name):
    """BSR: indptr over block rows, indices of block columns, (nnz, R, C) data."""
    n_rows, n_cols = shape
    data = np.asarray(X.data)
    if data.ndim != 3:
        raise ValueError(f"{name}.data must be 3-D for BSR, got {data.ndim}-D.")
    block_rows, block_cols = data.shape[1:]
    if block_rows == 0 or block_cols == 0 or n_rows % block_rows or n_cols % block_cols:
        raise ValueError(
            f"{name}'s blocks {data.shape[1:]} do not tile its shape {shape}."
        )
    indptr = _index_array(X, "indptr", name)
    indices = _index_array(X, "indices", name)
    if len(indices) != len(data):
        raise ValueError(
            f"{name} has {len(indices)} block indices but {len(data)} blocks."
        )
    _check_indptr(indptr, n_rows // block_rows, len(indices), "block row", name, "BSR")
    _check_bounds(indices, n_cols // block_cols, f"{name} has a block column index")


def _check_coordinates(X, shape, name):
    """COO, of any number of dimensions: one index array per axis."""
    coords = X.coords if hasattr(X, "coords") else (X.row, X.col)
    if len(coords) != len(shape):
        raise ValueError(
            f"{name} has {len(coords)} coordinate arrays for {len(shape)} dimensions."
        )
    data = np.asarray(X.data)
    if data.ndim != 1:
        raise ValueError(f"{name}.data must be 1-D, got {data.ndim} dimensions.")
    n_values = len(data)
    if len(shape) == 2:
        labels = ("row", "column")
    else:
        labels = [f"axis-{axis}" for axis in range(len(shape))]
    for size, values, label in zip(shape, coords, labels):
        values = np.asarray(values)
        if values.ndim != 1 or not np.issubdtype(values.dtype, np.integer):
            raise ValueError(
                f"{name}'s {label} coordinates must be a 1-D array of integers."
            )
        if len(values) != n_values:
            raise ValueError(
                f"{name} has {len(values)} {label} coordinates but {n_values} values."
            )
        _check_bounds(values, size, f"{name} has a {label} index")


def _check_diagonals(X, name):
    """DIA: one row of data per offset (scipy's conversion walks both)."""
    offsets = _index_array(X, "offsets", name)
    data = np.asarray(X.data)
    if data.ndim != 2 or data.shape[0] != len(offsets):
        raise ValueError(
            f"{name} has {len(offsets)} diagonal offsets but data of shape "
            f"{data.shape}: it needs one row per offset."
        )


def _check_indptr(indptr, n_major, n_stored, major, name, fmt):
    """indptr: n_major + 1 entries, from 0 to n_stored, never decreasing."""
    if len(indptr) != n_major + 1:
        raise ValueError(
            f"{name}.indptr has {len(indptr)} entries; a {fmt} matrix with "
            f"{n_major} {major}s needs {n_major + 1}."
        )
    if indptr[0] != 0:
        raise ValueError(f"{name}.indptr must start at 0, got {indptr[0]}.")
    if indptr[-1] != n_stored:
        raise ValueError(
            f"{name}.indptr ends at {indptr[-1]}, but {name} stores {n_stored} "
            "indices: they must be equal."
        )
    # Comparisons, not np.diff: a difference of unsigned integers wraps around.
    decreasing = np.flatnonzero(indptr[1:] < indptr[:-1])
    if len(decreasing):
        i = int(decreasing[0])
        raise ValueError(
            f"{name}.indptr decreases from {indptr[i]} to {indptr[i + 1]} at "
            f"{major} {i}: it must be non-decreasing."
        )


def _check_bounds(indices, size, what):
    """Every index in [0, size)."""
    if len(indices) == 0:
        return
    low, high = indices.min(), indices.max()
    if low < 0:
        raise ValueError(f"{what} {low} outside [0, {size}).")
    if high >= size:
        raise ValueError(f"{what} {high} outside [0, {size}).")
