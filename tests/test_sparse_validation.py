"""Malformed scipy.sparse input raises ValueError instead of corrupting memory.

scipy's constructors, ``save_npz``/``load_npz`` and scikit-learn's
``validate_data`` all accept a CSR matrix whose column index lies outside its
shape. Unchecked, ``fit`` segfaulted on an index of 10**8 and wrote silently
past the minibatch buffer on an index of 9 in 8 columns, or of -3; scipy's own
C++ conversions (CSC, COO or BSR to CSR) crash on such input too.

Every hostile matrix is built here by hand. The estimator calls on them run in
one child process (this file run as a script, see ``outcomes``), so that a
crash fails these tests instead of killing pytest.
"""

import functools
import itertools
import os
import pickle
import re
import subprocess
import sys
import tempfile
import tracemalloc
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from scipy import sparse

from skmlp import MLPDigitClassifier
from skmlp._engine._rows import RowSource
from skmlp._sparse import check_sparse_structure

DENSE = np.array(
    [
        [1, 0, 2, 0, 0, 0, 0, 3],
        [0, 4, 0, 0, 5, 0, 0, 0],
        [0, 0, 0, 6, 0, 0, 7, 0],
        [8, 0, 0, 0, 0, 9, 0, 0],
        [0, 0, 1, 0, 2, 0, 0, 0],
        [0, 3, 0, 0, 0, 0, 4, 5],
    ],
    dtype=np.float64,
)
Y = np.array([0, 1, 0, 1, 0, 1])
N_ROWS, N_COLS = DENSE.shape
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
SMALL = dict(hidden_layer_sizes=(3,), max_iter=2, batch_size=2, random_state=0)

# ---------------------------------------------------------- hostile matrices


def _with_index(container, value):
    """The second stored index replaced by ``value``, as a tampered file would."""
    X = container(DENSE)
    X.indices[1] = value
    return X


def _with_indptr(container, change):
    X = container(DENSE)
    X.indptr = change(X.indptr.copy())
    return X


def _decreasing(indptr):
    indptr[2] = indptr[-1]  # later rows then start before this one ends
    return indptr


def _past_the_end(indptr):
    indptr[-1] += 5
    return indptr


def _short(indptr):
    return indptr[:-1]


def _through_npz(make):
    """``make()`` saved with ``save_npz`` and loaded back with ``load_npz``."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "X.npz")
        sparse.save_npz(path, make())
        return sparse.load_npz(path)


def _coo_with_column(value):
    X = sparse.coo_matrix(DENSE)
    X.col[1] = value
    return X


def _bsr_with_block_column(value):
    X = sparse.bsr_matrix(DENSE, blocksize=(2, 2))
    X.indices[1] = value
    return X


def _lil_with_column(value):
    X = sparse.lil_matrix(DENSE)
    X.rows[0] = [value]
    X.data[0] = [1.0]
    return X


def _dia_missing_offsets():
    X = sparse.dia_matrix(DENSE)
    X.offsets = X.offsets[:1]
    return X


def _hostile_cases():
    """case id -> (builder, regex of the expected message with {name} for X/X_val)"""
    cases = {}
    for container in (sparse.csr_matrix, sparse.csc_array):
        fmt = "csr" if container is sparse.csr_matrix else "csc"
        minor, n_minor = ("column", N_COLS) if fmt == "csr" else ("row", N_ROWS)
        n_major = N_ROWS if fmt == "csr" else N_COLS
        huge = functools.partial(_with_index, container, 10**8)
        decreasing = functools.partial(_with_indptr, container, _decreasing)
        index_message = (
            rf"{{name}} has a {minor} index {{value}} outside \[0, {n_minor}\)"
        )
        for value in (10**8, n_minor + 1, -3):
            cases[f"{fmt}-index{value}"] = (
                functools.partial(_with_index, container, value),
                index_message.replace("{value}", str(value)),
            )
        cases[f"{fmt}-indptr-decreasing"] = (
            decreasing,
            r"{name}\.indptr decreases from",
        )
        cases[f"{fmt}-indptr-past-nnz"] = (
            functools.partial(_with_indptr, container, _past_the_end),
            r"{name}\.indptr ends at \d+, but {name} stores \d+ indices",
        )
        cases[f"{fmt}-indptr-short"] = (
            functools.partial(_with_indptr, container, _short),
            rf"{{name}}\.indptr has {n_major} entries; .* needs {n_major + 1}",
        )
        cases[f"{fmt}-npz-index1e8"] = (
            functools.partial(_through_npz, huge),
            index_message.replace("{value}", str(10**8)),
        )
        cases[f"{fmt}-npz-indptr-decreasing"] = (
            functools.partial(_through_npz, decreasing),
            r"{name}\.indptr decreases from",
        )
    cases["coo-column1e8"] = (
        functools.partial(_coo_with_column, 10**8),
        rf"{{name}} has a column index 100000000 outside \[0, {N_COLS}\)",
    )
    cases["bsr-block-column1e8"] = (
        functools.partial(_bsr_with_block_column, 10**8),
        r"{name} has a block column index 100000000 outside \[0, 4\)",
    )
    cases["lil-column1e8"] = (
        functools.partial(_lil_with_column, 10**8),
        rf"{{name}} has a column index 100000000 outside \[0, {N_COLS}\)",
    )
    cases["dia-missing-offsets"] = (
        _dia_missing_offsets,
        r"{name} has 1 diagonal offsets but data of shape",
    )
    return cases


CASES = _hostile_cases()

# ------------------------------------------------------------- entry points


@functools.cache
def _fitted():
    return MLPDigitClassifier(**SMALL).fit(DENSE, Y)


ENTRY_POINTS = {
    # entry point -> (how the input is named in the message, the call)
    "fit": ("X", lambda X: MLPDigitClassifier(**SMALL).fit(X, Y)),
    "partial_fit": (
        "X",
        lambda X: MLPDigitClassifier(**SMALL).partial_fit(X, Y, classes=[0, 1]),
    ),
    "fit-X_val": (
        "X_val",
        lambda X: MLPDigitClassifier(**SMALL).fit(DENSE, Y, X_val=X, y_val=Y),
    ),
    "predict": ("X", lambda X: _fitted().predict(X)),
    "predict_proba": ("X", lambda X: _fitted().predict_proba(X)),
}


def _outcome(case, entry):
    """What one call does with one hostile matrix, as one line of text."""
    build, _ = CASES[case]
    _, call = ENTRY_POINTS[entry]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            call(build())
    except Exception as error:  # the tests decide which ones are right
        return f"{type(error).__name__}: {error}"
    return "no error"


def _run_all_cases():
    """Child process: one tab-separated line per (case, entry point)."""
    for case, entry in itertools.product(CASES, ENTRY_POINTS):
        outcome = _outcome(case, entry).replace("\n", " ")
        print(case, entry, outcome, sep="\t", flush=True)


@pytest.fixture(scope="module")
def outcomes():
    """Every case run in a child process; a crash leaves the rest missing."""
    child = subprocess.run(
        [sys.executable, __file__], capture_output=True, text=True, timeout=300
    )
    results = {}
    for line in child.stdout.splitlines():
        case, entry, outcome = line.split("\t", 2)
        results[case, entry] = outcome
    died = (
        f"not reached: the child process ended with code {child.returncode} "
        f"({child.stderr[-500:]!r})"
    )
    return lambda case, entry: results.get((case, entry), died)


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("case", CASES)
def test_malformed_sparse_input_raises_value_error(outcomes, case, entry):
    name, _ = ENTRY_POINTS[entry]
    pattern = CASES[case][1].replace("{name}", name)
    outcome = outcomes(case, entry)
    assert outcome.startswith("ValueError: "), outcome
    assert_matches(pattern, outcome)


def assert_matches(pattern, text):
    assert re.search(pattern, text), f"{pattern!r} not in {text!r}"


# --------------------------------------- check_sparse_structure on its own


def _valid_inputs():
    X = sparse.csr_matrix(DENSE)
    duplicates = sparse.csr_matrix(
        (np.array([1.0, 2.0, 3.0]), np.array([3, 3, 0]), np.array([0, 2, 3])),
        shape=(2, 4),
    )
    uint_indices = sparse.csr_matrix(DENSE)
    uint_indices.indices = uint_indices.indices.astype(np.uint32)
    uint_indices.indptr = uint_indices.indptr.astype(np.uint64)
    return {
        "csr_matrix": X,
        "csr_array": sparse.csr_array(DENSE),
        "csc_matrix": sparse.csc_matrix(DENSE),
        "csc_array": sparse.csc_array(DENSE),
        "coo": sparse.coo_matrix(DENSE),
        "coo_array": sparse.coo_array(DENSE),
        "bsr": sparse.bsr_matrix(DENSE, blocksize=(3, 2)),
        "dia": sparse.dia_matrix(DENSE),
        "lil": sparse.lil_matrix(DENSE),
        "dok": sparse.dok_matrix(DENSE),
        "1-D csr_array": sparse.csr_array(DENSE[0]),
        "1-D coo_array": sparse.coo_array(DENSE[0]),
        "no stored values": sparse.csr_matrix((3, 5)),
        "no rows": sparse.csr_matrix((0, 5)),
        "no columns": sparse.csc_matrix((5, 0)),
        "duplicate and unsorted indices": duplicates,
        "int64 indices": sparse.csr_matrix(
            (X.data, X.indices.astype(np.int64), X.indptr.astype(np.int64)),
            shape=X.shape,
        ),
        "unsigned indices": uint_indices,
    }


@pytest.mark.parametrize("name", list(_valid_inputs()))
def test_valid_sparse_input_passes_unchanged(name):
    X = _valid_inputs()[name]
    before = pickle.dumps(X)
    check_sparse_structure(X, "X")
    assert pickle.dumps(X) == before


def test_non_sparse_input_is_left_to_validate_data():
    for X in (DENSE, DENSE.tolist(), None, "text"):
        check_sparse_structure(X, "X")


def test_index_arrays_must_hold_integers():
    X = sparse.csr_matrix(DENSE)
    X.indices = X.indices.astype(np.float64)
    with pytest.raises(ValueError, match=r"X\.indices must hold integers, got dtype"):
        check_sparse_structure(X)
    X = sparse.csr_matrix(DENSE)
    X.indptr = X.indptr.astype(bool)
    with pytest.raises(ValueError, match=r"X\.indptr must hold integers"):
        check_sparse_structure(X)


def test_unsigned_decreasing_indptr_is_caught():
    """A difference of unsigned integers wraps around to a huge positive step."""
    X = sparse.csr_matrix(DENSE)
    indptr = X.indptr.astype(np.uint64)
    indptr[2] = indptr[-1]
    X.indptr = indptr
    with pytest.raises(ValueError, match=r"X\.indptr decreases from \d+ to \d+ at row"):
        check_sparse_structure(X)


def test_indices_and_values_must_pair_up():
    X = sparse.csr_matrix(DENSE)
    X.data = X.data[:-1]
    with pytest.raises(ValueError, match="X has 14 column indices but 13 values"):
        check_sparse_structure(X)


def test_indptr_must_start_at_zero():
    X = sparse.csc_matrix(DENSE)
    X.indptr = X.indptr + 1
    with pytest.raises(ValueError, match=r"X_val\.indptr must start at 0, got 1"):
        check_sparse_structure(X, "X_val")


def test_coo_coordinates_must_pair_up_with_values():
    X = sparse.coo_matrix(DENSE)
    X.data = X.data[:-2]
    with pytest.raises(ValueError, match="X has 14 row coordinates but 12 values"):
        check_sparse_structure(X)


def test_check_reads_without_copying_the_matrix():
    """O(nnz) time, but memory of the order of the rows only, never of nnz."""
    rng = np.random.RandomState(0)
    X = sparse.random(
        2000, 5000, density=0.1, format="csr", random_state=rng, dtype=np.float32
    )
    tracemalloc.start()
    try:
        check_sparse_structure(X)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert X.nnz == 1_000_000
    assert peak < (X.indices.nbytes + X.data.nbytes) / 20


# ------------------------------------------------- the engine's own boundary


def _row_source(X):
    n_samples = X.shape[0]
    y = np.zeros(n_samples, dtype=np.intc)
    return RowSource(X, y, np.ones(n_samples), np.arange(n_samples), 2)


def test_row_source_refuses_malformed_csr_rows():
    with pytest.raises(ValueError, match=r"X has a column index 9 outside \[0, 8\)"):
        _row_source(_with_index(sparse.csr_matrix, 9))


def test_row_source_gathers_rows_from_csr_only():
    with pytest.raises(TypeError, match="RowSource needs a CSR matrix"):
        _row_source(sparse.csc_matrix(DENSE))


# ------------------------------------------------- valid input, every format


@pytest.mark.parametrize(
    "convert",
    [
        sparse.coo_matrix,
        functools.partial(sparse.bsr_matrix, blocksize=(2, 2)),
        sparse.lil_matrix,
        sparse.dia_matrix,
        sparse.dok_matrix,
    ],
    ids=["coo", "bsr", "lil", "dia", "dok"],
)
def test_every_valid_sparse_format_trains_as_dense(convert):
    dense = MLPDigitClassifier(**SMALL).fit(DENSE, Y)
    other = MLPDigitClassifier(**SMALL).fit(convert(DENSE), Y)
    for a, b in zip(dense.coefs_, other.coefs_):
        assert_array_equal(a, b)
    assert_array_equal(other.predict_proba(convert(DENSE)), dense.predict_proba(DENSE))


if __name__ == "__main__":
    _run_all_cases()
