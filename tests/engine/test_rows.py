"""Row sources and the gathering kernels of :mod:`skmlp._engine._rows`,
against NumPy and SciPy."""

import numpy as np
import pytest
from kernel_helpers import DTYPES
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse

from skmlp._engine._rows import (
    RowSource,
    _gather_csr_rows_for_tests,
    _gather_rows_for_tests,
    _load_rows_for_tests,
    _total_weight_for_tests,
)

# ---------------------------------------------------------------------------
# gather_rows


def _layouts(dtype):
    rng = np.random.default_rng(6)
    base = rng.normal(size=(7, 6)).astype(dtype)
    wide = rng.normal(size=(7, 12)).astype(dtype)
    tall = rng.normal(size=(21, 6)).astype(dtype)
    read_only = base.copy()
    read_only.setflags(write=False)
    read_only_strided = wide[:, 1::2]
    read_only_strided.setflags(write=False)
    return {
        "C": base,
        "F": np.asfortranarray(base),
        "columns_step_2": wide[:, ::2],
        "rows_step_3": tall[::3],
        "reversed": base[::-1],
        "read_only": read_only,
        "read_only_strided": read_only_strided,
    }


LAYOUTS = list(_layouts(np.float64))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_gather_rows(dtype, layout):
    x = _layouts(dtype)[layout]
    assert x.shape == (7, 6)
    rows = np.array([4, 0, 6, 4, 2], dtype=np.intp)  # repeats, any order
    out = np.full((rows.shape[0], x.shape[1]), np.nan, dtype=dtype)

    _gather_rows_for_tests(x, rows, out)

    assert_allclose(out, x[rows], rtol=0, atol=0)


def test_gather_rows_read_only_indices():
    x = np.arange(12.0).reshape(4, 3)
    x.setflags(write=False)
    rows = np.array([3, 1], dtype=np.intp)
    rows.setflags(write=False)
    out = np.zeros((2, 3))

    _gather_rows_for_tests(x, rows, out)

    assert_allclose(out, [[9, 10, 11], [3, 4, 5]], rtol=0, atol=0)


# ---------------------------------------------------------------------------
# gather_csr_rows


def _csr_arrays(X):
    return X.data, X.indices.astype(np.intp), X.indptr.astype(np.intp)


@pytest.mark.parametrize("dtype", DTYPES)
def test_gather_csr_rows(dtype):
    rng = np.random.default_rng(18)
    dense = rng.normal(size=(9, 7)) * (rng.uniform(size=(9, 7)) < 0.3)
    dense[4] = 0  # an empty row
    X = sparse.csr_matrix(dense.astype(dtype))
    rows = np.array([4, 0, 8, 0, 3], dtype=np.intp)  # repeats, any order
    out = np.full((len(rows), 7), np.nan, dtype=dtype)

    _gather_csr_rows_for_tests(*_csr_arrays(X), rows, out)

    assert_allclose(out, X[rows].toarray(), rtol=0, atol=0)


def test_gather_csr_rows_sums_duplicate_entries_in_order():
    # A non-canonical CSR matrix (unsorted, repeated columns): its value at a
    # position is the sum of the entries stored there, as SciPy reads it.
    data = np.array([1.0, 2.0, 0.25, 4.0, -1.0])
    indices = np.array([2, 0, 2, 1, 1], dtype=np.intp)
    indptr = np.array([0, 3, 5], dtype=np.intp)
    X = sparse.csr_matrix((data, indices, indptr), shape=(2, 3))
    out = np.empty((2, 3))

    _gather_csr_rows_for_tests(data, indices, indptr, np.array([1, 0]), out)

    assert_allclose(out, X[[1, 0]].toarray(), rtol=0, atol=0)
    assert_allclose(out, [[0, 3, 0], [2, 0, 1.25]], rtol=0, atol=0)


# ---------------------------------------------------------------------------
# RowSource


def _source_data(dtype, n=12, n_features=5, n_classes=3):
    rng = np.random.default_rng(19)
    X = rng.normal(size=(n, n_features)).astype(dtype)
    y = (np.arange(n) % n_classes).astype(np.intc)
    sample_weight = rng.uniform(0.5, 2, size=n).astype(dtype)
    return X, y, sample_weight


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("container", ["dense", "fortran", "csr"])
def test_load_rows_gathers_the_rows_in_order(dtype, container):
    X, y, sample_weight = _source_data(dtype)
    X_in = {
        "dense": X,
        "fortran": np.asfortranarray(X),
        "csr": sparse.csr_matrix(X),
    }[container]
    rows = np.array([7, 2, 2, 11, 0, 5], dtype=np.intp)
    source = RowSource(X_in, y, sample_weight, rows, 3)
    x_out = np.empty((4, X.shape[1]), dtype=dtype)
    y_out = np.empty(4, dtype=np.intc)
    w_out = np.empty(4, dtype=dtype)

    total = _load_rows_for_tests(source, 1, x_out, y_out, w_out)

    picked = rows[1:5]
    assert_allclose(x_out, X[picked], rtol=0, atol=0)
    assert_array_equal(y_out, y[picked])
    assert_allclose(w_out, sample_weight[picked], rtol=0, atol=0)
    assert total == sum(float(w) for w in sample_weight[picked])
    assert source.n_rows == 6 and source.n_samples == 12 and source.n_features == 5


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("container", ["dense", "csr"])
def test_load_rows_gathers_multilabel_targets(dtype, container):
    X, _, sample_weight = _source_data(dtype)
    targets = np.random.default_rng(20).integers(0, 2, size=(12, 3)).astype(np.uint8)
    X_in = sparse.csr_matrix(X) if container == "csr" else X
    rows = np.array([7, 2, 2, 11, 0, 5], dtype=np.intp)
    source = RowSource(X_in, targets, sample_weight, rows, 3)
    x_out = np.empty((4, X.shape[1]), dtype=dtype)
    y_out = np.full(4, -7, dtype=np.intc)
    t_out = np.empty((4, 3), dtype=np.uint8)
    w_out = np.empty(4, dtype=dtype)

    total = _load_rows_for_tests(source, 1, x_out, y_out, w_out, t_out)

    picked = rows[1:5]
    assert source.multilabel
    assert_allclose(x_out, X[picked], rtol=0, atol=0)
    assert_array_equal(t_out, targets[picked])
    assert_array_equal(y_out, -7)  # class codes are not written
    assert_allclose(w_out, sample_weight[picked], rtol=0, atol=0)
    assert total == sum(float(w) for w in sample_weight[picked])


@pytest.mark.parametrize(
    "targets, message",
    [
        (np.zeros((12, 3), dtype=np.int64), "dtype uint8"),
        (np.zeros((12, 4), dtype=np.uint8), r"\(12, 3\) indicator matrix"),
        (np.zeros((5, 3), dtype=np.uint8), r"\(12, 3\) indicator matrix"),
        (np.full((12, 3), 2, dtype=np.uint8), "only 0 and 1"),
    ],
)
def test_row_source_checks_multilabel_targets(targets, message):
    X, _, sample_weight = _source_data(np.float64)
    with pytest.raises(ValueError, match=message):
        RowSource(X, targets, sample_weight, np.arange(12), 3)


def test_total_weight_sums_the_rows_in_their_order():
    X, y, sample_weight = _source_data(np.float32)
    rows = np.array([3, 1, 4, 1, 5], dtype=np.intp)
    source = RowSource(X, y, sample_weight, rows, 3)
    expected = 0.0
    for row in rows:
        expected += float(sample_weight[row])
    assert _total_weight_for_tests(source) == expected


def test_shuffle_reorders_a_copy_of_the_rows():
    X, y, sample_weight = _source_data(np.float64)
    rows = np.arange(12, dtype=np.intp)
    source = RowSource(X, y, sample_weight, rows, 3)
    source.shuffle(np.random.default_rng(0))
    expected = np.arange(12)
    np.random.default_rng(0).shuffle(expected)
    assert_array_equal(source.order, expected)
    assert_array_equal(rows, np.arange(12))  # the caller's array is not touched
    with pytest.raises(ValueError, match="read-only"):
        source.order[0] = 100


@pytest.mark.parametrize(
    "change, error, message",
    [
        (lambda d: {**d, "rows": np.array([0, 12])}, ValueError, "row indices"),
        (lambda d: {**d, "rows": np.array([-1])}, ValueError, "row indices"),
        (lambda d: {**d, "rows": np.zeros((2, 2))}, ValueError, "1-D"),
        (lambda d: {**d, "y": d["y"] + 1}, ValueError, "class codes outside"),
        (lambda d: {**d, "y": d["y"] - 1}, ValueError, "class codes outside"),
        (lambda d: {**d, "y": d["y"].astype(np.int64)}, ValueError, "intc"),
        (lambda d: {**d, "y": d["y"][:5]}, ValueError, "12 class codes"),
        (lambda d: {**d, "sample_weight": d["sample_weight"][:5]}, ValueError, "12"),
        (
            lambda d: {**d, "sample_weight": d["sample_weight"].astype(np.float32)},
            ValueError,
            "dtype",
        ),
        (lambda d: {**d, "X": d["X"].astype(np.int64)}, TypeError, "float32"),
        (lambda d: {**d, "X": d["X"][0]}, TypeError, "2-D"),
        (lambda d: {**d, "X": sparse.csc_matrix(d["X"])}, TypeError, "CSR"),
    ],
)
def test_row_source_checks_what_the_kernels_index_with(change, error, message):
    X, y, sample_weight = _source_data(np.float64)
    data = {"X": X, "y": y, "sample_weight": sample_weight, "rows": np.arange(12)}
    data = change(data)
    with pytest.raises(error, match=message):
        RowSource(data["X"], data["y"], data["sample_weight"], data["rows"], 3)


def _hostile_csr(kind):
    """A CSR matrix of shape (3, 4) whose structure would make the gathering
    kernel read or write out of bounds."""
    data = np.ones(4)
    indices = np.array([0, 1, 2, 3], dtype=np.int32)
    indptr = np.array([0, 2, 3, 4], dtype=np.int32)
    if kind == "column_past_the_end":
        indices[2] = 10**8
    elif kind == "negative_column":
        indices[1] = -3
    elif kind == "indptr_decreasing":
        indptr[1:3] = [3, 1]
    elif kind == "indptr_past_the_values":
        indptr[3] = 9
    elif kind == "indptr_short":
        indptr = indptr[:3]
    X = sparse.csr_matrix((3, 4))
    # Set the arrays after construction: SciPy would refuse some of them.
    X.data, X.indices, X.indptr = data, indices, indptr
    return X


@pytest.mark.parametrize(
    "kind, message",
    [
        ("column_past_the_end", r"X has a column index 100000000 outside \[0, 4\)"),
        ("negative_column", r"X has a column index -3 outside \[0, 4\)"),
        ("indptr_decreasing", "X.indptr decreases"),
        ("indptr_past_the_values", "X.indptr ends at 9"),
        ("indptr_short", "X.indptr has 3 entries"),
    ],
)
def test_row_source_refuses_a_broken_csr_structure(kind, message):
    X = _hostile_csr(kind)
    y = np.zeros(3, dtype=np.intc)
    with pytest.raises(ValueError, match=message):
        RowSource(X, y, np.ones(3), np.arange(3), 2)
