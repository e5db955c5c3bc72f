"""Saving and loading fitted models: pickle, joblib and skops, with the skmlp
version recorded and checked on load."""

import pickle
import warnings

import joblib
import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import BaseEstimator
from sklearn.exceptions import InconsistentVersionWarning as SklearnVersionWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skmlp
from skmlp import MLPDigitClassifier
from skmlp._persistence import (
    VERSION_KEY,
    InconsistentVersionWarning,
    VersionedPickleMixin,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

#: What skops must be told to trust to load an MLPDigitClassifier, and
#: nothing else: its fitted state, _optimizer_state included, is built-in
#: types and NumPy arrays.
#:
#: For contrast, scikit-learn's MLPClassifier keeps its optimizer object:
#: ``get_untrusted_types`` lists
#: ``['sklearn.neural_network._stochastic_optimizers.AdamOptimizer']`` for
#: ``solver='adam'`` (``SGDOptimizer`` for ``'sgd'``, nothing for ``'lbfgs'``),
#: checked with scikit-learn 1.9.1 and skops 0.16.0.
SKMLP_TYPES = {"skmlp._classifier.MLPDigitClassifier"}

SOLVERS = sorted(
    next(
        c.options
        for c in MLPDigitClassifier._parameter_constraints["solver"]
        if hasattr(c, "options")
    )
)


@pytest.fixture(scope="module")
def model(digits_split):
    X_train, _, y_train, _ = digits_split
    return MLPDigitClassifier((16,), max_iter=10, random_state=0).fit(X_train, y_train)


@pytest.fixture
def old_version(monkeypatch):
    """Pretend to be another skmlp version while saving: returns a context
    manager that sets ``skmlp.__version__`` inside it."""
    from contextlib import contextmanager

    @contextmanager
    def saving_as(version):
        with monkeypatch.context() as patch:
            patch.setattr(skmlp, "__version__", version)
            yield

    return saving_as


def test_mixin_comes_before_base_estimator():
    # The wiring: the mixin must come before BaseEstimator for super() to
    # reach scikit-learn's own __getstate__ / __setstate__.
    mro = MLPDigitClassifier.__mro__
    assert mro.index(VersionedPickleMixin) < mro.index(BaseEstimator)


# ------------------------------------------------------------ pickle, joblib


def test_pickle_round_trip(model, digits_split):
    X_test = digits_split[1]
    data = pickle.dumps(model)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = pickle.loads(data)

    assert model.__getstate__()[VERSION_KEY] == skmlp.__version__
    # The version goes to the pickle only, not back onto the estimator.
    assert not hasattr(loaded, VERSION_KEY)
    assert_array_equal(loaded.predict_proba(X_test), model.predict_proba(X_test))


def test_pickle_from_another_version_warns(model, old_version):
    with old_version("0.0.1"):
        data = pickle.dumps(model)

    with pytest.warns(InconsistentVersionWarning) as record:
        loaded = pickle.loads(data)

    warning = next(
        w.message for w in record if isinstance(w.message, InconsistentVersionWarning)
    )
    assert warning.original_version == "0.0.1"
    assert warning.current_version == skmlp.__version__
    assert "0.0.1" in str(warning) and skmlp.__version__ in str(warning)
    assert "MLPDigitClassifier" in str(warning)
    assert not hasattr(loaded, VERSION_KEY)


def test_pickle_without_version_warns(model):
    # A pickle made before skmlp recorded its version.
    state = model.__getstate__()
    del state[VERSION_KEY]
    loaded = MLPDigitClassifier.__new__(MLPDigitClassifier)

    with pytest.warns(InconsistentVersionWarning, match="unknown version") as record:
        loaded.__setstate__(state)

    assert record[0].message.original_version is None


def test_joblib_round_trip(model, digits_split, tmp_path):
    X_test = digits_split[1]
    joblib.dump(model, tmp_path / "model.joblib")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = joblib.load(tmp_path / "model.joblib")
    assert_array_equal(loaded.predict_proba(X_test), model.predict_proba(X_test))


def test_joblib_from_another_version_warns(model, old_version, tmp_path):
    with old_version("0.0.1"):
        joblib.dump(model, tmp_path / "model.joblib")
    with pytest.warns(InconsistentVersionWarning, match="0.0.1"):
        joblib.load(tmp_path / "model.joblib")


class _RecordsState:
    """A mixin between VersionedPickleMixin and BaseEstimator: its methods run
    only if VersionedPickleMixin calls super()."""

    def __getstate__(self):
        return {**super().__getstate__(), "_recorded": True}

    def __setstate__(self, state):
        state = dict(state)
        assert state.pop("_recorded")
        super().__setstate__(state)


class _Estimator(VersionedPickleMixin, _RecordsState, BaseEstimator):
    # BaseEstimator records and checks its own version only for classes of
    # sklearn.* modules: pose as one.
    __module__ = "sklearn.fake_module"

    def __init__(self, a=1):
        self.a = a


def test_cooperates_with_scikit_learn_version_check():
    state = _Estimator(a=2).__getstate__()
    assert state["_recorded"] and state[VERSION_KEY] == skmlp.__version__
    assert "_sklearn_version" in state

    # scikit-learn's version check still runs, and its key is consumed too.
    state["_sklearn_version"] = "0.0.1"
    loaded = _Estimator.__new__(_Estimator)
    with pytest.warns(SklearnVersionWarning):
        loaded.__setstate__(state)
    assert vars(loaded) == {"a": 2}


# ----------------------------------------------------------------------- skops


@pytest.mark.parametrize("solver", SOLVERS)
def test_skops_trusts_only_skmlp_types(digits_split, solver):
    sio = pytest.importorskip("skops.io")
    X_train, X_test, y_train, _ = digits_split
    model = MLPDigitClassifier((16,), solver=solver, max_iter=5, random_state=0)
    model.fit(X_train, y_train)

    data = sio.dumps(model)

    # _optimizer_state: a dict of a name, a step count and named arrays.
    assert set(sio.get_untrusted_types(data=data)) == SKMLP_TYPES
    with warnings.catch_warnings():
        warnings.simplefilter("error", InconsistentVersionWarning)
        loaded = sio.loads(data, trusted=sorted(SKMLP_TYPES))
    assert_array_equal(loaded.predict_proba(X_test), model.predict_proba(X_test))
    if solver == "lbfgs":  # SciPy's L-BFGS-B keeps no state between fits
        return
    saved, restored = model._optimizer_state, loaded._optimizer_state
    assert restored["name"] == saved["name"]
    assert restored["n_steps"] == saved["n_steps"]
    assert restored["buffers"].keys() == saved["buffers"].keys()
    for name, buffer in saved["buffers"].items():
        assert_array_equal(restored["buffers"][name], buffer)


def test_skops_float32_and_string_labels(digits_split, tmp_path):
    sio = pytest.importorskip("skops.io")
    X_train, X_test, y_train, _ = digits_split
    y_train = np.array([f"digit {v}" for v in y_train])
    model = MLPDigitClassifier((16,), max_iter=5, random_state=0)
    model.fit(X_train.astype(np.float32), y_train)

    sio.dump(model, tmp_path / "model.skops")

    assert set(sio.get_untrusted_types(file=tmp_path / "model.skops")) == SKMLP_TYPES
    loaded = sio.load(tmp_path / "model.skops", trusted=sorted(SKMLP_TYPES))
    assert loaded.coefs_[0].dtype == np.float32
    assert_array_equal(loaded.classes_, model.classes_)
    X_test = X_test.astype(np.float32)
    assert_array_equal(loaded.predict_proba(X_test), model.predict_proba(X_test))


def test_skops_pipeline(digits_split, tmp_path):
    sio = pytest.importorskip("skops.io")
    X_train, X_test, y_train, _ = digits_split
    pipeline = make_pipeline(
        StandardScaler(), MLPDigitClassifier((16,), max_iter=5, random_state=0)
    ).fit(X_train, y_train)

    sio.dump(pipeline, tmp_path / "pipeline.skops")
    untrusted = sio.get_untrusted_types(file=tmp_path / "pipeline.skops")

    # Pipeline and StandardScaler are on skops' list of trusted types.
    assert set(untrusted) == SKMLP_TYPES
    loaded = sio.load(tmp_path / "pipeline.skops", trusted=untrusted)
    assert_array_equal(loaded.predict_proba(X_test), pipeline.predict_proba(X_test))


def test_skops_from_another_version_warns(model, old_version):
    sio = pytest.importorskip("skops.io")
    with old_version("0.0.1"):
        data = sio.dumps(model)
    with pytest.warns(InconsistentVersionWarning, match="0.0.1"):
        sio.loads(data, trusted=sorted(SKMLP_TYPES))
