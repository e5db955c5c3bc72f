"""Refactoring guard: a fixed matrix of fits gives the same bits as recorded.

Each configuration trains a small network and hashes ``coefs_``,
``intercepts_``, ``loss_curve_`` and ``predict_proba`` on held-back rows. The
hashes in ``data/bitwise_hashes.json`` were recorded before the engine and
the fit loop were reorganised, and again when the softmax's exp became
skmlp's own (fdlibm's, vectorised, instead of libm's); any change of a single
bit fails here.

Bits depend on the BLAS kernels (the order of a product's sums), so the
hashes are recorded per OpenBLAS kernel family and version of the BLAS skmlp
calls (NumPy's OpenBLAS where it can, else SciPy's:
:mod:`skmlp._engine._blas_provider`; ``SKMLP_BLAS=scipy`` checks SciPy's
hashes). SciPy 1.17's OpenBLAS 0.3.30 and NumPy 2.4's 0.3.31 gave the same
bits on every family below: the libraries differ in speed, not arithmetic.
A fit of a given configuration makes products of the same shapes on every
machine, and OpenBLAS splits a product's sums (along its
inner dimension, at most 360 here: L-BFGS's full-batch gradient) into blocks
of a size fixed by the kernel family; the cache size changes only the
blocking of the other two dimensions, which leaves every sum's order alone
(checked: the same hashes with ``OPENBLAS_L2_SIZE``, in KiB, from 128 to
8192, on every family below). Each test runs on one BLAS thread.

CI checks every family it runs (``.ci/kernel_families``): SkylakeX,
Haswell, Sandybridge and Katmai (what ``OPENBLAS_CORETYPE=Prescott`` loads).
A family without recorded hashes is skipped, and the test session's summary
says so in a section of its own (``conftest.py``): record it with

    OPENBLAS_CORETYPE=Haswell python tests/test_bitwise_regression.py --record

(from a folder where ``import skmlp`` finds the build under test).
"""

import hashlib
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy import sparse
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_info, threadpool_limits

from skmlp import MLPDigitClassifier

HASH_FILE = Path(__file__).parent / "data" / "bitwise_hashes.json"
#: The start of the skip reason that conftest.py's summary looks for.
NO_HASHES = "no bitwise hashes recorded for BLAS kernels"

SOLVERS = {
    "sgd": {"solver": "sgd", "momentum": 0.0, "learning_rate": 0.05},
    "momentum": {"solver": "sgd", "nesterov": False, "learning_rate": 0.02},
    "nesterov": {"solver": "sgd", "learning_rate": 0.02},
    "adam": {"solver": "adam", "learning_rate": 0.003},
    "lbfgs": {"solver": "lbfgs", "max_iter": 15},
}
ACTIVATIONS = ("relu", "tanh", "logistic", "identity", "leaky_relu")
DTYPES = {"f64": np.float64, "f32": np.float32}

EXTRA = {
    "csr-sgd": {"container": "csr", **SOLVERS["nesterov"]},
    "csr-adam": {"container": "csr", **SOLVERS["adam"]},
    "csr-lbfgs": {"container": "csr", **SOLVERS["lbfgs"]},
    "dropout": {"dropout": 0.2, "hidden_layer_sizes": (24, 12), **SOLVERS["adam"]},
    "dropout-layers": {"dropout": [0.3, 0.0], "hidden_layer_sizes": (24, 12)},
    "class-weight-dict": {"class_weight": {0: 3.0, 1: 0.5}, **SOLVERS["nesterov"]},
    "class-weight-balanced": {"class_weight": "balanced", "subsample": "skewed"},
    "sample-weight": {"sample_weight": True, **SOLVERS["momentum"]},
    "l1": {"l1": 1e-3, "l2": 0.0, **SOLVERS["sgd"]},
    "l1-adam": {"l1": 1e-3, **SOLVERS["adam"]},
    "early-stopping": {"early_stopping": True, "validation_fraction": 0.2},
    "x-val": {"x_val": True, **SOLVERS["nesterov"]},
    "x-val-early-stopping": {"x_val": True, "early_stopping": True},
    "warm-start": {"warm_start_twice": True, **SOLVERS["adam"]},
    "warm-start-nesterov": {"warm_start_twice": True, **SOLVERS["nesterov"]},
    "partial-fit": {"partial_fit": True, **SOLVERS["adam"]},
    "partial-fit-momentum": {"partial_fit": True, **SOLVERS["momentum"]},
    "schedule-cosine": {"lr_schedule": "cosine", **SOLVERS["nesterov"]},
    "schedule-adaptive": {"lr_schedule": "adaptive", "n_iter_no_change": 1},
    "schedule-invscaling": {"lr_schedule": "invscaling", "learning_rate": 0.5},
    "deep": {"hidden_layer_sizes": (20, 16, 12), **SOLVERS["sgd"]},
    "no-hidden": {"hidden_layer_sizes": (), **SOLVERS["sgd"]},
    "no-hidden-lbfgs": {"hidden_layer_sizes": (), **SOLVERS["lbfgs"]},
    "init-he": {"init": "he_normal", "output_init": "zeros"},
    "no-shuffle": {"shuffle": False, **SOLVERS["adam"]},
    "string-labels": {"labels": "strings"},
}


def _configurations():
    configs = {}
    for solver, solver_params in SOLVERS.items():
        for activation in ACTIVATIONS:
            for dtype in DTYPES:
                configs[f"{solver}-{activation}-{dtype}"] = {
                    **solver_params,
                    "activation": activation,
                    "dtype": dtype,
                }
    for name, params in EXTRA.items():
        for dtype in DTYPES:
            configs[f"{name}-{dtype}"] = {**params, "dtype": dtype}
    return configs


CONFIGS = _configurations()


def _data():
    X, y = load_digits(return_X_y=True)
    return X[:360] / 16.0, y[:360], X[1700:] / 16.0


def _hash(arrays):
    digest = hashlib.sha256()
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(str((array.dtype.str, array.shape)).encode())
        digest.update(array.tobytes())
    return digest.hexdigest()[:24]


def _fit_and_hash(config):
    config = dict(config)
    dtype = DTYPES[config.pop("dtype")]
    container = config.pop("container", None)
    subsample = config.pop("subsample", None)
    use_sample_weight = config.pop("sample_weight", False)
    use_x_val = config.pop("x_val", False)
    warm_start_twice = config.pop("warm_start_twice", False)
    partial_fit = config.pop("partial_fit", False)
    labels = config.pop("labels", None)

    X, y, X_test = _data()
    X, X_test = X.astype(dtype), X_test.astype(dtype)
    if subsample == "skewed":
        keep = (y != 0) | (np.arange(len(y)) % 3 == 0)
        X, y = X[keep], y[keep]
    if labels == "strings":
        y = np.array([f"digit {label}" for label in y])
    fit_params = {}
    if use_sample_weight:
        fit_params["sample_weight"] = 0.5 + (np.arange(len(y)) % 4)
    if use_x_val:
        X, y, X_val, y_val = X[:280], y[:280], X[280:], y[280:]
        fit_params.update(X_val=X_val, y_val=y_val)
    if container == "csr":
        X = sparse.csr_matrix(X)
    params = {
        "hidden_layer_sizes": (32,),
        "batch_size": 40,
        "max_iter": 4,
        "random_state": 7,
        **config,
    }
    clf = MLPDigitClassifier(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if partial_fit:
            classes = np.unique(y)
            for start in (0, 120, 240, 0):
                part = slice(start, start + 120)
                clf.partial_fit(X[part], y[part], classes=classes)
        else:
            clf.fit(X, y, **fit_params)
            if warm_start_twice:
                clf.set_params(warm_start=True, max_iter=2)
                clf.fit(X, y, **fit_params)
    return {
        "weights": _hash(clf.coefs_ + clf.intercepts_),
        "loss_curve": _hash([np.asarray(clf.loss_curve_, dtype=np.float64)]),
        "proba": _hash([clf.predict_proba(X_test)]),
    }


def blas_kernels():
    """Kernel family and version of the OpenBLAS that skmlp calls (NumPy's,
    or SciPy's: :mod:`skmlp._engine._blas_provider`)."""
    from skmlp._engine._blas import PROVIDER

    libraries = [
        info
        for info in threadpool_info()
        if info["user_api"] == "blas" and info["filepath"] == PROVIDER.filepath
    ]
    if len(libraries) != 1:
        return None
    return f"{libraries[0]['architecture']}-{libraries[0]['version']}"


def _recorded():
    if not HASH_FILE.exists():
        return {}
    return json.loads(HASH_FILE.read_text())


@pytest.mark.parametrize("name", list(CONFIGS))
def test_fit_gives_the_recorded_bits(name):
    kernels = blas_kernels()
    recorded = _recorded().get(kernels)
    if recorded is None:
        pytest.skip(f"{NO_HASHES} {kernels}")
    with threadpool_limits(limits=1, user_api="blas"):
        assert _fit_and_hash(CONFIGS[name]) == recorded[name]


def _record():
    kernels = blas_kernels()
    with threadpool_limits(limits=1, user_api="blas"):
        hashes = {name: _fit_and_hash(config) for name, config in CONFIGS.items()}
    everything = _recorded()
    everything[kernels] = hashes
    HASH_FILE.parent.mkdir(exist_ok=True)
    HASH_FILE.write_text(json.dumps(everything, indent=1, sort_keys=True) + "\n")
    print(f"recorded {len(hashes)} configurations for {kernels}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--record"]:
        _record()
    else:
        sys.exit(__doc__)
