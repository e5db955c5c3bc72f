"""Numerical faults, interruption, unusual memory and the caller's data.

The compiled training loop runs without the GIL on whatever buffers the
Python layer hands it. These tests protect what a user sees when things go
wrong or are unusual: an absurd learning rate must end in a warning and a
finite model, Ctrl-C must stop training promptly and leave a usable model,
read-only memory maps and Fortran arrays must train like any other array, and
no call may write to the caller's X, y or sample_weight.
"""

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_blobs
from sklearn.exceptions import ConvergenceWarning

import skmlp
from skmlp import MLPDigitClassifier

# --------------------------------------------------- (a) absurd learning rate


@pytest.fixture(scope="module")
def digits_data():
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


def _assert_finite_model(clf, X):
    for i, (coef, intercept) in enumerate(zip(clf.coefs_, clf.intercepts_)):
        assert np.all(np.isfinite(coef)), f"coefs_[{i}] holds NaN/inf"
        assert np.all(np.isfinite(intercept)), f"intercepts_[{i}] holds NaN/inf"
    proba = clf.predict_proba(X)
    bad = ~np.all(np.isfinite(proba), axis=1)
    assert not bad.any(), (
        f"predict_proba is not finite on {bad.sum()} of {len(X)} samples"
    )
    tolerance = 1e-4 if proba.dtype == np.float32 else 1e-10
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=tolerance)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "solver, learning_rate", [("sgd", 1e8), ("adam", 1e6)], ids=["sgd-1e8", "adam-1e6"]
)
def test_absurd_learning_rate_warns_and_keeps_finite_weights(
    digits_data, solver, learning_rate, dtype
):
    """A learning rate that blows the weights up must end training with a
    ConvergenceWarning that points at learning_rate, and leave finite
    weights whose predictions are finite probabilities."""
    X, y = digits_data
    X = X.astype(dtype)
    clf = MLPDigitClassifier(
        (32,), solver=solver, learning_rate=learning_rate, max_iter=20, random_state=0
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf.fit(X, y)
    messages = [
        str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)
    ]
    assert any("learning_rate" in m for m in messages), (
        f"no ConvergenceWarning mentions learning_rate: {messages}; "
        f"loss_curve_ starts {clf.loss_curve_[:3]}, score {clf.score(X, y):.3f}"
    )
    runtime = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    assert not runtime, [str(w.message) for w in runtime]
    _assert_finite_model(clf, X)
    assert clf.coefs_[0].dtype == dtype


def test_divergence_in_a_later_epoch_keeps_a_usable_model(digits_data):
    """A fit that trains a few good epochs and then diverges (the learning
    rate raised between warm-started fits) keeps finite weights."""
    X, y = digits_data
    clf = MLPDigitClassifier(
        (32,), solver="sgd", learning_rate=0.1, max_iter=3, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    assert clf.score(X, y) > 0.5
    clf.set_params(warm_start=True, learning_rate=1e8, max_iter=10)
    with pytest.warns(ConvergenceWarning, match="learning_rate"):
        clf.fit(X, y)
    _assert_finite_model(clf, X)


# ------------------------------------------- no silent NaN or inf, ever


@pytest.fixture(scope="module")
def float32_model(digits_data):
    X, y = digits_data
    clf = MLPDigitClassifier((32,), max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return clf.fit(X.astype(np.float32), y)


@pytest.mark.parametrize("method", ["predict_proba", "predict_log_proba"])
def test_float32_model_computes_rows_beyond_float32_in_float64(
    float32_model, digits_data, method
):
    """One value beyond float32's range used to give a row of NaN (and a
    prediction of classes_[0]): the row is computed in float64 instead, as a
    float64 model would.

    The other rows must be the float32 model's own answer, bit for bit: they
    are compared with a prediction of the same 20 rows without the huge
    values, so both come from products of the same shapes, on the same BLAS
    kernels, on one thread (a 20-row prediction never starts BLAS threads),
    and a row of a product depends on that row of the input only. Rows
    predicted alone would come from products of other shapes, whose blocking
    (and so rounding) OpenBLAS may choose differently.
    """
    X, _ = digits_data
    X_big = X[:20].copy()
    X_big[3, 10] = 1e300
    X_big[7, 20] = -3e38 * 100
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no overflow warnings
        result = getattr(float32_model, method)(X_big)
    assert result.dtype == np.float32 and np.all(np.isfinite(result))
    as_float64 = float32_model.__class__(**float32_model.get_params())
    as_float64.__dict__.update(
        {
            **float32_model.__dict__,
            "coefs_": [c.astype(np.float64) for c in float32_model.coefs_],
            "intercepts_": [b.astype(np.float64) for b in float32_model.intercepts_],
        }
    )
    expected = getattr(as_float64, method)(X_big)
    # Log-probabilities below float32's range stop at its floor.
    expected = np.maximum(expected, np.finfo(np.float32).min)
    np.testing.assert_allclose(result[[3, 7]], expected[[3, 7]], rtol=1e-5)
    # The other rows are the float32 model's own answer, untouched.
    untouched = np.setdiff1d(np.arange(20), [3, 7])
    own_answer = getattr(float32_model, method)(X[:20].astype(np.float32))
    np.testing.assert_array_equal(result[untouched], own_answer[untouched])
    assert float32_model.predict(X_big)[3] == as_float64.predict(X_big)[3]


def test_float32_products_that_overflow_are_recomputed(float32_model):
    """float32 input near float32's largest number overflows inside the
    products; the row is redone in float64 rather than returned as NaN."""
    X = np.full((2, 64), 3e38, dtype=np.float32)
    X[1] = -3e38
    proba = float32_model.predict_proba(X)
    assert np.all(np.isfinite(proba))
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)


def test_rows_that_overflow_even_in_float64_raise(digits_data):
    X, y = digits_data
    clf = MLPDigitClassifier((32,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    X_huge = X[:4].copy()
    X_huge[2] = 1e308
    X_huge[2, ::2] = -1e308
    with pytest.raises(ValueError, match=r"too large for the network.*\[2\]"):
        clf.predict_proba(X_huge)


@pytest.mark.parametrize("dtype, scale", [(np.float64, 1e300), (np.float32, 1e30)])
def test_init_scale_that_overflows_is_refused(digits_data, dtype, scale):
    X, y = digits_data
    clf = MLPDigitClassifier((16,), init="normal", init_scale=scale, max_iter=2)
    with pytest.raises(ValueError, match="init_scale"):
        clf.fit(X.astype(dtype), y)
    assert not hasattr(clf, "coefs_")


@pytest.mark.parametrize(
    "data_scale, l2", [(1e200, 1e-4), (1.0, 1e300)], ids=["huge-X", "huge-l2"]
)
def test_lbfgs_that_overflows_warns_and_keeps_finite_weights(
    digits_data, data_scale, l2
):
    """L-BFGS used to end with loss_ = nan, no warning and moved weights."""
    X, y = digits_data
    clf = MLPDigitClassifier((16,), solver="lbfgs", l2=l2, max_iter=5, random_state=0)
    with pytest.warns(ConvergenceWarning, match="not finite"):
        clf.fit(X * data_scale, y)
    assert clf.n_iter_ == 0 and clf.loss_curve_ == []
    assert np.isnan(clf.loss_)
    _assert_finite_model(clf, X)


def test_lbfgs_steps_back_from_overflowing_points(digits_data):
    """A line-search trial that overflows is treated as infinitely bad, not
    accepted: training on data that is merely large still converges to
    finite weights."""
    X, y = digits_data
    clf = MLPDigitClassifier((16,), solver="lbfgs", max_iter=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X * 1e3, y)
    assert np.isfinite(clf.loss_) and clf.loss_ < clf.loss_curve_[0]
    _assert_finite_model(clf, X * 1e3)


# ------------------------------------------------------------- (b) Ctrl-C

_CHILD = textwrap.dedent(
    """
    import signal
    import sys
    import warnings

    import numpy as np

    from skmlp import MLPDigitClassifier

    signal.signal(signal.SIGINT, signal.default_int_handler)
    dtype = np.dtype(sys.argv[1])
    solver = sys.argv[2]
    n_samples = int(sys.argv[3])
    rng = np.random.RandomState(0)
    X = rng.uniform(0, 1, (n_samples, 64)).astype(dtype)
    y = rng.randint(0, 10, n_samples)
    clf = MLPDigitClassifier(
        (512,), solver=solver, learning_rate=1e-3, batch_size=32,
        max_iter=1_000_000, tol=0.0, n_iter_no_change=1_000_000, verbose=1,
        random_state=0,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            clf.fit(X, y)
        except KeyboardInterrupt:
            print("FIT_RETURNED", clf.n_iter_, clf.t_, flush=True)
        else:
            print("FIT_ENDED_WITHOUT_KEYBOARDINTERRUPT", flush=True)
            sys.exit(3)
    for w in caught:
        text = str(w.message).replace(chr(10), " ")
        print("WARNING", w.category.__name__, text, flush=True)
    finite = all(np.all(np.isfinite(a)) for a in clf.coefs_ + clf.intercepts_)
    print("OK weights finite" if finite else "BAD weights", flush=True)
    proba = clf.predict_proba(X)
    if np.all(np.isfinite(proba)) and np.allclose(proba.sum(axis=1), 1, atol=1e-4):
        print("OK predict_proba", proba.dtype, flush=True)
    before = clf.t_
    clf.set_params(verbose=0)
    clf.partial_fit(X, y)
    proba = clf.predict_proba(X)
    if (
        clf.t_ == before + len(X)
        and np.all(np.isfinite(proba))
        and np.allclose(proba.sum(axis=1), 1, atol=1e-4)
        and clf.coefs_[0].dtype == dtype
    ):
        print("OK partial_fit", flush=True)
    print("DONE", flush=True)
    """
)

# The engine checks for Ctrl-C about every 1e8 floating-point operations
# (~10 ms); two seconds leave room for a loaded machine. A loop that never
# checks runs the remaining million epochs and times out instead.
_INTERRUPT_LATENCY_LIMIT = 2.0
_N_SAMPLES = 20000


def _repo_root():
    return Path(skmlp.__file__).resolve().parent.parent


def _run_and_interrupt(dtype, solver):
    """Start the child, send SIGINT in the middle of its second epoch, and
    return (stdout lines, stderr, seconds from the signal to fit's return,
    exit code)."""
    env = dict(
        os.environ,
        PYTHONPATH=str(_repo_root()),
        # One BLAS thread: an epoch then takes the same time on a busy
        # machine (OpenBLAS threads spin-wait for each other when the cores
        # are shared) and the test stays light.
        OPENBLAS_NUM_THREADS="1",
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
    )
    child = subprocess.Popen(
        [sys.executable, "-u", "-c", _CHILD, dtype, solver, str(_N_SAMPLES)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=_repo_root(),
        env=env,
    )
    lines, stderr, returned_at = [], [], []
    returned = threading.Event()
    first_epoch = threading.Event()

    def read_stdout():
        for line in child.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("Epoch"):
                first_epoch.set()
            if line.startswith("FIT_RETURNED"):
                returned_at.append(time.monotonic())
                returned.set()
        returned.set()  # the child closed its stdout: exited

    readers = [
        threading.Thread(target=read_stdout, daemon=True),
        threading.Thread(
            target=lambda: stderr.append(child.stderr.read()), daemon=True
        ),
    ]
    for reader in readers:
        reader.start()
    try:
        assert first_epoch.wait(120), f"no epoch line: {lines} {stderr}"
        # "Epoch    1  loss 2.345  0.123s": sleep half an epoch to land in the
        # middle of the second one rather than between two.
        epoch_seconds = float(lines[0].split()[-1].rstrip("s"))
        time.sleep(min(epoch_seconds / 2, 1.0))
        signalled_at = time.monotonic()
        child.send_signal(signal.SIGINT)
        returned.wait(60)
        assert returned_at, f"fit did not return after SIGINT: {lines[-5:]} {stderr}"
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    for reader in readers:
        reader.join(5)
    return lines, "".join(stderr), returned_at[0] - signalled_at, child.returncode


@pytest.mark.parametrize(
    "dtype, solver",
    [("float64", "adam"), ("float32", "sgd")],
    ids=["f64-adam", "f32-sgd"],
)
def test_ctrl_c_stops_training_promptly_and_leaves_a_usable_model(dtype, solver):
    """SIGINT (a real signal) during a long fit: fit raises KeyboardInterrupt
    within a couple of seconds and in the middle of the epoch (the compiled
    loop checks for signals between minibatches), without warnings, and the
    model predicts finite probabilities and can be trained further with
    partial_fit."""
    lines, stderr, latency, returncode = _run_and_interrupt(dtype, solver)
    output = "\n".join(lines)
    assert returncode == 0, f"exit {returncode}\n{output}\n{stderr}"
    assert latency < _INTERRUPT_LATENCY_LIMIT, f"fit returned {latency:.2f}s after"
    assert not [ln for ln in lines if ln.startswith("WARNING")], output
    fit_line = next(ln for ln in lines if ln.startswith("FIT_RETURNED"))
    n_iter, samples_seen = (int(v) for v in fit_line.split()[1:])
    assert n_iter >= 1, output
    # Stopped inside an epoch: the completed epochs plus part of the next.
    assert _N_SAMPLES * n_iter < samples_seen < _N_SAMPLES * (n_iter + 1), output
    for marker in ("OK weights finite", "OK predict_proba", "OK partial_fit", "DONE"):
        assert marker in output, f"missing {marker!r}:\n{output}\n{stderr}"


# ------------------------------------------- (c) memory maps and Fortran order


@pytest.fixture(scope="module")
def blobs():
    """Three well-separated blobs: any working fit scores far above chance."""
    X, y = make_blobs(
        n_samples=300, centers=3, n_features=8, cluster_std=1.0, random_state=0
    )
    return (X - X.mean(axis=0)) / X.std(axis=0), y


def _read_only_memmap(a, path):
    np.save(path, np.ascontiguousarray(a))
    m = np.load(path, mmap_mode="r")
    assert isinstance(m, np.memmap) and not m.flags.writeable
    return m


@pytest.mark.parametrize(
    "layout, dtype",
    [
        ("memmap", np.float32),
        ("fortran", np.float64),
        ("memmap", np.float64),
        ("fortran", np.float32),
    ],
)
def test_memmap_and_fortran_input_train_like_c_arrays(blobs, tmp_path, layout, dtype):
    """A read-only np.memmap and a Fortran-ordered array train (far above
    chance), in their own dtype, to exactly the weights an ordinary
    C-contiguous copy gives: the engine reads any strides."""
    X, y = blobs
    X = X.astype(dtype)
    if layout == "memmap":
        X_odd = _read_only_memmap(X, tmp_path / "X.npy")
    else:
        X_odd = np.asfortranarray(X)
        assert not X_odd.flags.c_contiguous
    params = dict(hidden_layer_sizes=(16,), max_iter=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPDigitClassifier(**params).fit(X_odd, y)
        reference = MLPDigitClassifier(**params).fit(np.ascontiguousarray(X), y)
    assert clf.score(X_odd, y) > 0.9  # chance is 1/3
    assert all(c.dtype == dtype for c in clf.coefs_ + clf.intercepts_)
    assert clf.predict_proba(X_odd).dtype == dtype
    for got, expected in zip(
        clf.coefs_ + clf.intercepts_, reference.coefs_ + reference.intercepts_
    ):
        np.testing.assert_array_equal(got, expected)
    if layout == "memmap":
        # partial_fit and early stopping's validation split read it too.
        clf.partial_fit(X_odd, y)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            es = MLPDigitClassifier(**params, early_stopping=True).fit(X_odd, y)
        assert es.score(X_odd, y) > 0.9


# ------------------------------------------ (d) the caller's data is untouched


def _digest(a):
    if a is None:
        return None
    a = np.asarray(a)
    return hashlib.sha256(a.tobytes()).hexdigest(), a.dtype.str, a.shape, a.strides


_UNTOUCHED_CASES = [
    pytest.param(dtype, order, weighted, early_stopping, method, id=case_id)
    for dtype in ("float32", "float64", "int64")
    for order in ("C", "F")
    for weighted in (False, True)
    for early_stopping in (False, True)
    for method in ("fit", "partial_fit")
    if not (early_stopping and method == "partial_fit")  # not supported
    for case_id in [
        f"{dtype}-{order}-{'weighted' if weighted else 'unweighted'}-"
        f"{'es' if early_stopping else 'no_es'}-{method}"
    ]
]


@pytest.mark.parametrize(
    "dtype, order, weighted, early_stopping, method", _UNTOUCHED_CASES
)
def test_fit_and_predict_never_modify_the_callers_arrays(
    dtype, order, weighted, early_stopping, method
):
    """fit, partial_fit and every prediction method leave the caller's X, y,
    sample_weight and classes byte-for-byte as they were (the engine is
    handed the caller's buffer whenever its dtype and layout fit)."""
    rng = np.random.RandomState(0)
    X = rng.uniform(-3, 3, (120, 5))
    X = np.rint(X).astype(dtype) if dtype == "int64" else X.astype(dtype)
    X = np.asarray(X, order=order)
    y = np.arange(120) % 3
    # sample_weight in the training dtype, so no conversion copy protects it.
    training_dtype = np.float32 if dtype == "float32" else np.float64
    sw = rng.uniform(0.5, 2, 120).astype(training_dtype) if weighted else None
    classes = np.array([0, 1, 2])
    before = [_digest(a) for a in (X, y, sw, classes)]
    clf = MLPDigitClassifier(
        (8,), max_iter=3, batch_size=16, early_stopping=early_stopping, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if method == "fit":
            clf.fit(X, y, sample_weight=sw)
            clf.set_params(warm_start=True).fit(X, y, sample_weight=sw)
        else:
            clf.partial_fit(X, y, classes=classes, sample_weight=sw)
            clf.partial_fit(X, y, sample_weight=sw)
    clf.predict(X)
    clf.predict_proba(X)
    clf.predict_log_proba(X)
    clf.score(X, y, sample_weight=sw)
    after = [_digest(a) for a in (X, y, sw, classes)]
    for name, b, a in zip(("X", "y", "sample_weight", "classes"), before, after):
        assert a == b, f"{name} was modified"
