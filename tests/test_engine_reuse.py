"""partial_fit keeps its engine from one call to the next
(:mod:`skmlp._engine_reuse`): the same bits as an engine built at every call,
a new engine whenever the configuration changes, and nothing added to the
estimator's state."""

import copy
import pickle
import warnings

import numpy as np
import pytest
from callback_hooks import Hooks
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

import skmlp._engine_reuse as engine_reuse
from skmlp import MLPDigitClassifier

X, y = load_digits(return_X_y=True)
X = (X[:400] / 16).astype(np.float32)
y = y[:400]
CLASSES = np.unique(y)

SETTINGS = {
    "nesterov": dict(solver="sgd", momentum=0.9, nesterov=True),
    "adam": dict(solver="adam"),
    "sgd_l2": dict(solver="sgd", momentum=0.0, l2=1e-3),
    "dropout": dict(solver="sgd", momentum=0.9, dropout=0.3),
    "max_norm": dict(solver="sgd", momentum=0.5, max_norm=1.0, l1=1e-4),
}


def _calls(clf, n_calls=4):
    for _ in range(n_calls):
        clf.partial_fit(X, y, classes=CLASSES)
    return clf


def _model(settings, **extra):
    return MLPDigitClassifier(
        (24,), batch_size=32, learning_rate=0.01, random_state=0, **settings, **extra
    )


def _no_reuse(monkeypatch):
    """Build a new engine at every call, as before engines were kept."""
    import skmlp._fit_loop

    monkeypatch.setattr(
        skmlp._fit_loop, "take_engine", lambda owner, key, config, build: build(config)
    )
    monkeypatch.setattr(skmlp._fit_loop, "keep_engine", lambda *args: None)


@pytest.mark.parametrize("name", list(SETTINGS))
def test_a_kept_engine_trains_the_bits_of_a_new_one(name, monkeypatch):
    kept = _calls(_model(SETTINGS[name]))
    engine = engine_reuse._LAST_ENGINES[kept][1]
    kept.partial_fit(X, y)
    assert engine_reuse._LAST_ENGINES[kept][1] is engine  # reused, not rebuilt

    _no_reuse(monkeypatch)
    fresh = _calls(_model(SETTINGS[name]))
    fresh.partial_fit(X, y)
    assert fresh not in engine_reuse._LAST_ENGINES
    for a, b in zip(kept.coefs_ + kept.intercepts_, fresh.coefs_ + fresh.intercepts_):
        np.testing.assert_array_equal(a, b)
    assert kept.loss_curve_ == fresh.loss_curve_
    for key, buffer in kept._optimizer_state["buffers"].items():
        np.testing.assert_array_equal(buffer, fresh._optimizer_state["buffers"][key])
    assert kept._optimizer_state["n_steps"] == fresh._optimizer_state["n_steps"]


@pytest.mark.parametrize(
    "change",
    [
        {"learning_rate": 0.02},
        {"momentum": 0.5},
        {"l1": 1e-3},
        {"l2": 1e-2},
        {"batch_size": 16},
        {"dropout": 0.1},
        {"activation": "tanh"},
        {"max_norm": 2.0},
        {"label_smoothing": 0.1},
    ],
)
def test_a_changed_configuration_builds_a_new_engine(change, monkeypatch):
    kept = _calls(_model(SETTINGS["nesterov"]), 2)
    engine = engine_reuse._LAST_ENGINES[kept][1]
    kept.set_params(**change)
    kept.partial_fit(X, y)
    assert engine_reuse._LAST_ENGINES[kept][1] is not engine

    _no_reuse(monkeypatch)
    fresh = _calls(_model(SETTINGS["nesterov"]), 2)
    fresh.set_params(**change)
    fresh.partial_fit(X, y)
    for a, b in zip(kept.coefs_, fresh.coefs_):
        np.testing.assert_array_equal(a, b)


def test_augmentation_keeps_no_engine():
    from skmlp.augmentation import DigitAugmentation

    clf = _model(SETTINGS["nesterov"], augment=DigitAugmentation(rotation=5.0))
    _calls(clf, 2)
    assert clf not in engine_reuse._LAST_ENGINES


def test_the_estimator_carries_no_engine():
    """Nothing of the kept engine is in the estimator: it pickles, clones
    and deep-copies as before, and a copy trains on as the original does."""
    clf = _calls(_model(SETTINGS["adam"]), 2)
    assert not any("engine" in name for name in vars(clf))
    copies = [pickle.loads(pickle.dumps(clf)), copy.deepcopy(clf)]
    assert clone(clf).get_params() == clf.get_params()
    clf.partial_fit(X, y)
    for other in copies:
        assert other not in engine_reuse._LAST_ENGINES
        other.partial_fit(X, y)
        for a, b in zip(other.coefs_, clf.coefs_):
            np.testing.assert_array_equal(a, b)


class _NestedPartialFit(Hooks):
    """A callback that, once, runs a partial_fit of the estimator being
    fitted as an epoch begins: after the outer call took its engine and
    before it trains with it."""

    def __init__(self):
        self.done = False

    def on_fit_task_begin(self, estimator, context, **kwargs):
        if context.task_name == "epoch" and not self.done:
            self.done = True
            estimator.partial_fit(X[:100], y[:100])


def test_a_nested_partial_fit_builds_its_own_engine(monkeypatch):
    """The outer call keeps training with its own optimizer state: the same
    bits as when every call builds its engine."""

    def nested_run():
        clf = _calls(_model(SETTINGS["nesterov"]), 2)
        clf.set_callbacks(_NestedPartialFit())
        clf.partial_fit(X, y)
        clf.set_callbacks()
        clf.partial_fit(X, y)
        return clf

    kept = nested_run()
    _no_reuse(monkeypatch)
    fresh = nested_run()
    for a, b in zip(kept.coefs_, fresh.coefs_):
        np.testing.assert_array_equal(a, b)
    for key, buffer in kept._optimizer_state["buffers"].items():
        np.testing.assert_array_equal(buffer, fresh._optimizer_state["buffers"][key])


def test_fit_drops_the_kept_engine():
    clf = _calls(_model(SETTINGS["nesterov"]), 2)
    assert clf in engine_reuse._LAST_ENGINES
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.set_params(max_iter=1).fit(X, y)
    assert clf not in engine_reuse._LAST_ENGINES


def test_fit_then_partial_fit_then_fit():
    """A fit from scratch between partial_fit calls starts over: the kept
    engine binds the new optimizer's zero state, as a new engine would."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = _calls(_model(SETTINGS["adam"], max_iter=2), 2).fit(X, y)
        a.partial_fit(X, y)
        b = _model(SETTINGS["adam"], max_iter=2).fit(X, y)
        b.partial_fit(X, y)
    for u, v in zip(a.coefs_, b.coefs_):
        np.testing.assert_array_equal(u, v)
