"""Which BLAS the engine calls (:mod:`skmlp._engine._blas_provider`).

NumPy's OpenBLAS where NumPy's wheels bundle one, SciPy's otherwise or when
``SKMLP_BLAS=scipy`` asks for it; a misspelt choice is an error, and so is
``SKMLP_BLAS=numpy`` where NumPy's BLAS cannot be used. Each library must
give the products of the other: the engine's results are compared across a
subprocess that forces SciPy's.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from skmlp._engine import _blas_provider
from skmlp._engine._blas import PROVIDER
from skmlp._engine._blas_provider import BlasProvider, choose_provider


def _numpy_bundles_openblas():
    """Whether NumPy's wheel brought its OpenBLAS (in numpy.libs, or
    numpy/.dylibs on macOS)."""
    return any(
        info["internal_api"] == "openblas"
        and Path(info["filepath"]).parent.name in ("numpy.libs", ".dylibs")
        for info in threadpool_info()
    )


def test_the_engine_calls_numpy_openblas_where_numpy_bundles_one():
    if not _numpy_bundles_openblas():
        pytest.skip("NumPy's BLAS here is not a bundled OpenBLAS")
    assert PROVIDER.name == "numpy"
    assert set(PROVIDER.addresses) == set(_blas_provider.NUMPY_ROUTINES)
    assert all(address for address in PROVIDER.addresses.values())
    # The library the thread policy will set is the one found.
    assert PROVIDER.filepath in {info["filepath"] for info in threadpool_info()}


@pytest.mark.parametrize("value", ["scipy", "SciPy", " scipy "])
def test_scipy_can_be_chosen(value):
    provider = choose_provider({"SKMLP_BLAS": value})
    assert provider.name == "scipy"
    assert provider.addresses == {}


@pytest.mark.parametrize("value", ["", "auto", "AUTO"])
def test_auto_is_the_default(value):
    assert choose_provider({"SKMLP_BLAS": value}).name == choose_provider({}).name


@pytest.mark.parametrize("value", ["mkl", "numpy,scipy", "1"])
def test_an_unknown_choice_is_an_error(value):
    with pytest.raises(
        ValueError, match="SKMLP_BLAS=.*expected one of auto, numpy, scipy"
    ):
        choose_provider({"SKMLP_BLAS": value})


def test_numpy_refused_where_numpy_has_no_usable_openblas(monkeypatch):
    monkeypatch.setattr(_blas_provider, "_numpy_openblas", lambda: None)
    with pytest.raises(ImportError, match="SKMLP_BLAS=numpy, but NumPy's BLAS"):
        choose_provider({"SKMLP_BLAS": "numpy"})
    # Without the demand, SciPy's is the fallback.
    assert choose_provider({}).name == "scipy"


def test_a_failing_search_falls_back_to_scipy_unless_numpy_is_demanded(monkeypatch):
    def broken():
        raise OSError("cannot inspect the loaded libraries")

    monkeypatch.setattr(_blas_provider, "_numpy_openblas", broken)
    assert choose_provider({}).name == "scipy"
    with pytest.raises(OSError, match="cannot inspect"):
        choose_provider({"SKMLP_BLAS": "numpy"})


def test_a_library_missing_a_routine_is_not_used(monkeypatch):
    """An OpenBLAS in NumPy's folder without the 64-bit interface (another
    build) is passed over, not called through a wrong signature."""
    monkeypatch.setattr(
        _blas_provider,
        "NUMPY_ROUTINES",
        (*_blas_provider.NUMPY_ROUTINES, "no_such_routine_"),
    )
    assert _blas_provider._numpy_openblas() is None


def test_provider_is_frozen():
    provider = BlasProvider("scipy")
    with pytest.raises(AttributeError):
        provider.name = "numpy"


_FIT = textwrap.dedent(
    """
    import json, warnings
    import numpy as np
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits
    from skmlp import MLPDigitClassifier
    from skmlp._engine._blas import PROVIDER

    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype(np.{dtype})
    warnings.simplefilter("ignore", ConvergenceWarning)
    with threadpool_limits(1):
        clf = MLPDigitClassifier((32,), max_iter=3, batch_size=64, random_state=0)
        clf.fit(X[:300], y[:300])
        print(json.dumps({{
            "provider": PROVIDER.name,
            "proba": clf.predict_proba(X[300:310]).tolist(),
            "one_row": clf.predict_proba(X[300:301]).tolist(),
            "loss": clf.loss_curve_,
        }}))
    """
)


def _fit_in(env_value, dtype):
    env = {**os.environ, "SKMLP_BLAS": env_value}
    out = subprocess.run(
        [sys.executable, "-c", _FIT.format(dtype=dtype)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.splitlines()[-1])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_both_libraries_train_the_same_model(dtype):
    """The same fit through NumPy's and through SciPy's BLAS: the same model
    to rounding (GEMM and GEMV both, through every routine the engine calls)."""
    if not _numpy_bundles_openblas():
        pytest.skip("NumPy's BLAS here is not a bundled OpenBLAS")
    numpy_fit, scipy_fit = _fit_in("numpy", dtype), _fit_in("scipy", dtype)
    assert (numpy_fit["provider"], scipy_fit["provider"]) == ("numpy", "scipy")
    rtol = 1e-4 if dtype == "float32" else 1e-10
    for key in ("proba", "one_row", "loss"):
        np.testing.assert_allclose(numpy_fit[key], scipy_fit[key], rtol=rtol, atol=rtol)


def test_a_misspelt_choice_fails_the_import_with_its_message():
    env = {**os.environ, "SKMLP_BLAS": "nunpy"}
    result = subprocess.run(
        [sys.executable, "-c", "import skmlp"], env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SKMLP_BLAS='nunpy': expected one of auto, numpy, scipy" in result.stderr
