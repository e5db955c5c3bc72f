"""Fuzz target: sparse structure validation, then a tiny fit and predict.

Each input describes a CSR or CSC matrix field by field (shape, ``indptr``,
``indices``, ``data``, index dtypes) and is assigned to a scipy container's
attributes directly, past scipy's constructor checks, as a tampered object or
file would be. Then:

- ``check_sparse_structure`` must accept it exactly when a naive loop over
  the same arrays finds it well-formed;
- ``fit`` (SGD or L-BFGS), then ``predict_proba`` on it, may raise nothing
  but ``ValueError`` or ``TypeError``, and must raise ``ValueError`` for a
  malformed matrix; what they return must be finite probabilities.

A crash, or any other exception, is a finding. Run it::

    pip install 'atheris>=2.3'
    python tests/fuzz/fuzz_csr.py -max_total_time=300

(``tests/fuzz/run_fuzzers.py`` runs every target for a bounded time;
``tests/test_fuzz_targets.py`` runs this one on its seeds and mutations of
them, without atheris.)
"""

import warnings

import numpy as np
from _harness import fuzz, instrumented_imports
from scipy import sparse

with instrumented_imports():
    from skmlp import MLPDigitClassifier
    from skmlp._sparse import check_sparse_structure

MAX_SIDE = 8
# Index values a fuzzer would take long to find byte by byte (cast to the
# index dtype, so they also wrap around as a 32-bit or unsigned file would).
SPECIAL_INDICES = [-1, -3, 10**8, 2**31 - 1, 2**31, -(2**31), 2**32 + 1, 2**63 - 1]
INDEX_DTYPES = [np.int32, np.int64, np.uint32, np.intc]


class _Bytes:
    """Reads the input front to back; zeros once it runs out."""

    def __init__(self, data):
        self.data, self.position = data, 0

    def next(self):
        value = self.data[self.position] if self.position < len(self.data) else 0
        self.position += 1
        return value

    def many(self, n):
        return [self.next() for _ in range(n)]


def decode(data):
    """The input as a matrix description: a dict of the fields."""
    source = _Bytes(data)
    flags = source.next()
    n_rows, n_cols = source.next() % (MAX_SIDE + 1), source.next() % (MAX_SIDE + 1)
    indptr_dtype = INDEX_DTYPES[source.next() % len(INDEX_DTYPES)]
    indices_dtype = INDEX_DTYPES[source.next() % len(INDEX_DTYPES)]
    fmt = "csc" if flags & 1 else "csr"
    n_major, n_minor = (n_cols, n_rows) if fmt == "csc" else (n_rows, n_cols)
    length = n_major + 1 + (source.next() % 5 - 2 if flags & 2 else 0)
    if flags & 4:  # raw signed bytes: anything goes
        indptr = [b - 256 if b >= 128 else b for b in source.many(max(length, 0))]
    else:  # running counts of 0-3 values a row: well-formed unless lengths differ
        counts = [b % 4 for b in source.many(max(length - 1, 0))]
        indptr = [0, *np.cumsum(counts).tolist()] if length > 0 else []
    n_stored = max(indptr[-1], 0) if indptr else 0
    n_stored += source.next() % 3 - 1 if flags & 8 else 0
    indices = [
        SPECIAL_INDICES[b - 0xF8] if b >= 0xF8 else b % (n_minor + 1)
        for b in source.many(min(max(n_stored, 0), 64))
    ]
    n_values = len(indices) + (source.next() % 3 - 1 if flags & 16 else 0)
    values = [
        {0xFF: np.nan, 0xFE: np.inf}.get(b, b / 32 - 2)
        for b in source.many(max(n_values, 0))
    ]
    return dict(
        fmt=fmt,
        array=bool(flags & 32),
        solver="lbfgs" if flags & 64 else "sgd",
        shape=(n_rows, n_cols),
        indptr=_cast(indptr, indptr_dtype),
        indices=_cast(indices, indices_dtype),
        values=np.array(values, dtype=np.float64),
    )


def _cast(values, dtype):
    """Integers in ``dtype``, wrapped around as reading them from a file would."""
    return np.array([v % 2**64 for v in values], dtype=np.uint64).astype(dtype)


def build(spec):
    """The described matrix, its arrays set past scipy's constructor checks."""
    container = {
        ("csr", False): sparse.csr_matrix,
        ("csr", True): sparse.csr_array,
        ("csc", False): sparse.csc_matrix,
        ("csc", True): sparse.csc_array,
    }[spec["fmt"], spec["array"]]
    X = container(spec["shape"], dtype=np.float64)
    X.indptr, X.indices, X.data = spec["indptr"], spec["indices"], spec["values"]
    return X


def well_formed(X):
    """The naive oracle: a loop over the arrays as Python integers."""
    n_major, n_minor = X.shape if X.format == "csr" else X.shape[::-1]
    indptr, indices = X.indptr.tolist(), X.indices.tolist()
    return (
        len(indptr) == n_major + 1
        and indptr[0] == 0
        and indptr[-1] == len(indices) == len(X.data)
        and all(a <= b for a, b in zip(indptr, indptr[1:]))
        and all(0 <= i < n_minor for i in indices)
    )


def _fit_params(solver):
    return dict(
        hidden_layer_sizes=(2,), solver=solver, max_iter=1, batch_size=2, random_state=0
    )


def _warm_up():
    """One fit before fuzzing: it loads the BLAS libraries' thread controls
    (threadpoolctl, through ctypes), which the harness's side-effect guard
    would otherwise take for a reader loading a library."""
    X = sparse.csr_matrix(np.eye(4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for solver in ("sgd", "lbfgs"):
            MLPDigitClassifier(**_fit_params(solver)).fit(X, [0, 1, 0, 1])


def TestOneInput(data: bytes) -> None:
    spec = decode(data)
    X = build(spec)
    expected = well_formed(X)
    try:
        check_sparse_structure(X, "X")
        accepted = True
    except ValueError as exc:
        assert str(exc).startswith("X"), exc
        accepted = False
    assert accepted == expected, f"validation says {accepted}, the oracle {expected}"

    y = np.arange(X.shape[0]) % 2
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = MLPDigitClassifier(**_fit_params(spec["solver"])).fit(X, y)
            proba = model.predict_proba(X)
    except (ValueError, TypeError):
        return
    assert accepted, "fit and predict_proba took a malformed matrix"
    assert proba.shape == (X.shape[0], len(np.unique(y)))  # one class for one row
    assert np.all(np.isfinite(proba))
    assert np.allclose(proba.sum(axis=1), 1)


def _encode(fmt, shape, indptr, indices, values):
    """Bytes that decode to this matrix, int64 indices, indptr as raw bytes."""
    flags = (1 if fmt == "csc" else 0) | 4
    int64 = INDEX_DTYPES.index(np.int64)
    specials = {v: 0xF8 + i for i, v in enumerate(SPECIAL_INDICES)}
    index_bytes = [specials.get(i, i) for i in indices]
    value_bytes = [int((v + 2) * 32) for v in values]
    return bytes(
        [flags, *shape, int64, int64, *[p % 256 for p in indptr]]
        + index_bytes
        + value_bytes
    )


def seed_corpus():
    """Valid CSR and CSC matrices, and the malformed ones of the tests."""
    valid_csr = ("csr", (4, 3), [0, 2, 3, 3, 5], [0, 2, 1, 0, 2], [1, 0.5, 2, 1, 3])
    valid_csc = ("csc", (4, 3), [0, 2, 3, 5], [0, 3, 1, 0, 2], [1, 0.5, 2, 1, 3])
    seeds = [_encode(*valid_csr), _encode(*valid_csc)]
    for bad in ([0, 10**8, 1, 0, 2], [0, 3, 1, 0, 2], [0, -3, 1, 0, 2]):
        seeds.append(_encode("csr", (4, 3), [0, 2, 3, 3, 5], bad, [1, 1, 1, 1, 1]))
    seeds.append(_encode("csr", (4, 3), [0, 4, 1, 3, 5], [0, 1, 2, 0, 1], [1] * 5))
    seeds.append(_encode("csc", (4, 3), [0, 4, 2, 5], [0, 3, 1, 0, 2], [1] * 5))
    return seeds


if __name__ == "__main__":
    _warm_up()
    fuzz(TestOneInput, seed_corpus)
