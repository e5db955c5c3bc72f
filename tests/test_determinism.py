"""Reproducibility: the same random_state gives the same model, bit for bit.

The engine trains without the GIL and may run several fits at once (joblib
threads) or in worker processes (loky), where BLAS is limited to one thread
while fits overlap. None of that may change a single bit of the result:
model selection that compares scores or refits a winner must not depend on
n_jobs or the joblib backend.
"""

import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest
from joblib import parallel_config
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from threadpoolctl import ThreadpoolController, threadpool_info

import skmlp
from skmlp import MLPDigitClassifier

GRID = {"learning_rate": [1e-3, 1e-2], "l2": [1e-4, 1e-2]}


@pytest.fixture(scope="module", autouse=True)
def _leave_blas_threads_as_found():
    """Threaded fits may leave BLAS limited to one thread (see
    test_overlapping_fits_restore_the_blas_thread_limit): do not let that
    leak into the test modules that run after this one."""
    before = {
        info["filepath"]: info["num_threads"]
        for info in threadpool_info()
        if info["user_api"] == "blas"
    }
    yield
    ThreadpoolController().limit(limits=before)


@pytest.fixture(scope="module")
def digits_data():
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


def _weights(clf):
    return clf.coefs_ + clf.intercepts_


def _assert_bitwise_equal(a, b, what):
    assert len(a) == len(b), what
    for i, (x, z) in enumerate(zip(a, b)):
        assert x.dtype == z.dtype and x.shape == z.shape, f"{what}[{i}]"
        if x.tobytes() != z.tobytes():
            diff = np.max(np.abs(x.astype(np.float64) - z.astype(np.float64)))
            raise AssertionError(f"{what}[{i}] differs (max |diff| {diff:.3g})")


def _fit(X, y, **params):
    params = {
        "hidden_layer_sizes": (16,),
        "max_iter": 5,
        "random_state": 0,
        **params,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return MLPDigitClassifier(**params).fit(X, y)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "params",
    [
        {"solver": "adam"},
        {"solver": "sgd", "nesterov": True},
        {"solver": "sgd", "momentum": 0.0, "l1": 1e-4},
        {"solver": "adam", "early_stopping": True},
        {"solver": "adam", "batch_size": 1, "max_iter": 1},
    ],
    ids=["adam", "nesterov", "sgd-l1", "early-stopping", "batch-1"],
)
def test_same_random_state_gives_bitwise_identical_weights(digits_data, params, dtype):
    """Two fits with the same random_state give the same weights, loss curve
    and predictions to the last bit, in float64 and float32."""
    X, y = digits_data
    X = X.astype(dtype)
    first = _fit(X, y, **params)
    second = _fit(X, y, **params)
    _assert_bitwise_equal(_weights(first), _weights(second), "coefs_/intercepts_")
    assert first.loss_curve_ == second.loss_curve_
    assert first.predict_proba(X).tobytes() == second.predict_proba(X).tobytes()
    assert first.coefs_[0].dtype == dtype


def test_another_random_state_gives_other_weights(digits_data):
    """The bitwise comparisons above can fail: another seed changes the
    weights (initialisation and shuffling both follow random_state)."""
    X, y = digits_data
    a = _fit(X, y, random_state=0)
    b = _fit(X, y, random_state=1)
    assert a.coefs_[0].tobytes() != b.coefs_[0].tobytes()
    c = _fit(X, y, random_state=0, shuffle=False)
    assert a.coefs_[0].tobytes() != c.coefs_[0].tobytes()


def _grid_search(X, y, n_jobs, backend):
    search = GridSearchCV(
        MLPDigitClassifier((16,), max_iter=5, random_state=0),
        GRID,
        cv=3,
        n_jobs=n_jobs,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if backend is None:
            search.fit(X, y)
        else:
            with parallel_config(backend=backend, n_jobs=n_jobs):
                search.fit(X, y)
    return search


@pytest.fixture(scope="module", params=[np.float64, np.float32], ids=["f64", "f32"])
def sequential_search(request, digits_data):
    X, y = digits_data
    X = X.astype(request.param)
    return X, y, _grid_search(X, y, n_jobs=1, backend=None)


@pytest.mark.parametrize("backend", ["threading", "loky"])
def test_grid_search_is_identical_across_n_jobs_and_backends(
    sequential_search, backend
):
    """GridSearchCV with n_jobs=2 (threads training at once without the GIL,
    or loky worker processes) gives exactly the cv scores and the refit best
    model of n_jobs=1."""
    X, y, reference = sequential_search
    search = _grid_search(X, y, n_jobs=2, backend=backend)
    for key in ("mean_test_score", "std_test_score", "rank_test_score"):
        np.testing.assert_array_equal(
            search.cv_results_[key], reference.cv_results_[key], err_msg=key
        )
    for i in range(3):
        key = f"split{i}_test_score"
        np.testing.assert_array_equal(
            search.cv_results_[key], reference.cv_results_[key]
        )
    assert search.best_params_ == reference.best_params_
    _assert_bitwise_equal(
        _weights(search.best_estimator_),
        _weights(reference.best_estimator_),
        "best_estimator_ coefs_/intercepts_",
    )
    assert search.best_estimator_.coefs_[0].dtype == X.dtype


def test_grid_search_scores_differ_between_candidates(sequential_search):
    """The grid is not degenerate: its candidates score differently, so the
    exact comparison across backends compares something."""
    _, _, reference = sequential_search
    scores = reference.cv_results_["mean_test_score"]
    assert len(np.unique(scores)) > 1, scores


# The wide-layer checks run in a fresh interpreter: whether BLAS is
# multi-threaded there must not depend on the fits that ran before in the
# test process (tests/test_threads.py checks that fits leave BLAS as found).
_WIDE_CHILD = textwrap.dedent(
    """
    import hashlib
    import warnings

    from joblib import parallel_config
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import cross_validate
    from threadpoolctl import threadpool_limits

    from skmlp import MLPDigitClassifier

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    for backend, n_jobs in [("sequential", 1), ("loky", 2), ("threading", 2)]:
        # The user guide's recipe for bit-exact reproducibility: one BLAS thread.
        with warnings.catch_warnings(), parallel_config(backend=backend), \
                threadpool_limits(limits=1, user_api="blas"):
            warnings.simplefilter("ignore", ConvergenceWarning)
            models = cross_validate(
                MLPDigitClassifier((512,), max_iter=2, random_state=0),
                X, y, cv=2, n_jobs=n_jobs, return_estimator=True,
            )["estimator"]
        digests = [
            hashlib.sha256(
                b"".join(a.tobytes() for a in m.coefs_ + m.intercepts_)
            ).hexdigest()[:16]
            for m in models
        ]
        print("MODELS", backend, *digests)
    """
)


def _run_fresh_interpreter(script):
    """stdout lines of ``python -c script`` with skmlp importable and BLAS
    left to its defaults."""
    env = dict(os.environ, PYTHONPATH=str(Path(skmlp.__file__).parent.parent))
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        # Not the repository root: there, the uncompiled sources would shadow
        # the installed package.
        cwd=Path(skmlp.__file__).resolve().parent.parent,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


@pytest.fixture(scope="module")
def wide_runs():
    """Per-fold weight digests of each backend, from one fresh interpreter."""
    runs = {}
    for line in _run_fresh_interpreter(_WIDE_CHILD):
        words = line.split()
        if words and words[0] == "MODELS":
            runs[words[1]] = words[2:]
    return runs


@pytest.mark.parametrize("backend", ["threading", "loky"])
def test_wide_network_models_are_identical_across_n_jobs(wide_runs, backend):
    """The per-fold models themselves (not only their accuracy) are identical
    with n_jobs=1 and n_jobs=2, for a 512-unit layer, with BLAS limited to one
    thread as the user guide recommends for bit-exact results: a product
    split over a different number of threads may round differently in the
    last bit. Equal bits hold because every side makes products of the same
    shapes (the same folds, the same minibatches) on one thread: the
    ``threadpool_limits`` block covers the sequential and threading runs,
    and in loky's workers (which do not inherit it) skmlp's thread policy
    keeps products this small (about 5e7 flops a step) on one thread."""
    assert len(wide_runs["sequential"]) == 2
    assert wide_runs[backend] == wide_runs["sequential"], (
        f"n_jobs=2 ({backend}) fold digests {wide_runs[backend]} differ from "
        f"n_jobs=1 {wide_runs['sequential']}"
    )
