"""One estimator object used from several threads at once.

scikit-learn does not promise that ``fit`` is thread-safe, but skmlp must not
corrupt itself: fits of one object run one at a time (none of their updates
lost), and a refit publishes its fitted attributes together when it ends, so
that a ``predict`` running meanwhile answers with the previous model or the
new one, entirely, and never raises.
"""

import pickle
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from skmlp import MLPDigitClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _run_together(functions):
    """Call each function in a thread of its own, all released at once."""
    barrier = threading.Barrier(len(functions))

    def run(function):
        barrier.wait()
        return function()

    with ThreadPoolExecutor(len(functions)) as pool:
        futures = [pool.submit(run, function) for function in functions]
        return [future.result() for future in futures]


def _model(clf):
    """Everything a fitted model is made of, for comparing two fits."""
    return {
        "coefs_": [c.copy() for c in clf.coefs_],
        "intercepts_": [b.copy() for b in clf.intercepts_],
        "classes_": clf.classes_.copy(),
        "n_features_in_": clf.n_features_in_,
        "t_": clf.t_,
        "loss_curve_": list(clf.loss_curve_),
    }


def _same_model(a, b):
    return (
        a["n_features_in_"] == b["n_features_in_"]
        and np.array_equal(a["classes_"], b["classes_"])
        and a["t_"] == b["t_"]
        and a["loss_curve_"] == b["loss_curve_"]
        and all(
            x.shape == y.shape and np.array_equal(x, y)
            for x, y in zip(
                a["coefs_"] + a["intercepts_"], b["coefs_"] + b["intercepts_"]
            )
        )
    )


def test_partial_fit_from_four_threads_loses_no_update(digits):
    """4 threads x 5 partial_fit calls on one estimator end where 20 calls in a
    row end, bit for bit: every call of the same data, whichever thread makes
    it, draws the same streams (seeded by random_state and t_), so any order
    of the calls gives these bits, and a lost or overlapping update does not."""
    X, y = digits
    X, y = X[:400], y[:400]
    classes = np.unique(y)
    params = dict(
        hidden_layer_sizes=(32,),
        solver="sgd",
        learning_rate=0.05,
        batch_size=10,
        random_state=0,
    )
    n_threads, n_calls = 4, 5
    shared = MLPDigitClassifier(**params)

    def train():
        for _ in range(n_calls):
            shared.partial_fit(X, y, classes=classes)

    _run_together([train] * n_threads)

    serial = MLPDigitClassifier(**params)
    for _ in range(n_threads * n_calls):
        serial.partial_fit(X, y, classes=classes)
    assert shared.t_ == n_threads * n_calls * len(X)
    assert len(shared.loss_curve_) == n_threads * n_calls
    assert _same_model(_model(shared), _model(serial))


def test_predict_during_refits_answers_with_the_old_or_the_new_model(digits):
    """predict_proba, hammered from a thread while the main thread refits with
    other hidden layers and other classes, never raises and always returns
    the answer of one of the two models, whole."""
    X, y = digits
    X_probe = X[::50]
    configs = {
        "digits": ({"hidden_layer_sizes": (12,)}, y),
        "thirds": ({"hidden_layer_sizes": (7, 5)}, np.array(["a", "b", "c"])[y % 3]),
    }
    base = MLPDigitClassifier(max_iter=3, batch_size=64, random_state=0)
    expected = {
        name: clone(base).set_params(**params).fit(X, labels).predict_proba(X_probe)
        for name, (params, labels) in configs.items()
    }
    shared = clone(base).set_params(**configs["digits"][0]).fit(X, configs["digits"][1])
    answers, errors = [], []
    done = threading.Event()

    def hammer():
        while not done.is_set():
            try:
                answers.append(shared.predict_proba(X_probe))
            except Exception as exc:  # any error fails the test
                errors.append(exc)

    reader = threading.Thread(target=hammer)
    reader.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            for name in ["thirds", "digits"] * 4:
                params, labels = configs[name]
                shared.set_params(**params).fit(X, labels)
    finally:
        done.set()
        reader.join()
    assert not errors, f"{len(errors)} predictions raised, first: {errors[0]!r}"
    assert len(answers) > 10
    unexpected = [
        answer
        for answer in answers
        if not any(
            answer.shape == known.shape and np.array_equal(answer, known)
            for known in expected.values()
        )
    ]
    assert not unexpected, f"{len(unexpected)} of {len(answers)} answers mix models"


def test_two_concurrent_fits_leave_one_consistent_model(digits):
    """Two fits of one object at once (other features, other classes): the
    estimator ends with the model of one of them, all its attributes from
    that same fit."""
    X, y = digits
    fits = {
        "digits": (X, y),
        "thirds": (X[:, :40], np.array(["a", "b", "c"])[y % 3]),
    }
    base = MLPDigitClassifier((16,), max_iter=2, batch_size=64, random_state=0)
    expected = {name: _model(clone(base).fit(*data)) for name, data in fits.items()}
    for _ in range(5):
        shared = clone(base)
        _run_together([lambda d=data, s=shared: s.fit(*d) for data in fits.values()])
        model = _model(shared)
        assert model["coefs_"][0].shape[0] == model["n_features_in_"]
        assert model["coefs_"][-1].shape[1] == len(model["classes_"])
        assert any(_same_model(model, known) for known in expected.values())


def test_the_fit_lock_is_not_part_of_the_estimator(digits):
    """The per-object lock lives outside the instance: pickle, clone and
    get_params see the same estimator as before any fit."""
    X, y = digits
    clf = MLPDigitClassifier((8,), max_iter=1, random_state=0)
    params_before = clf.get_params()
    clf.fit(X, y)
    assert clf.get_params() == params_before
    assert not any(isinstance(v, type(threading.RLock())) for v in vars(clf).values())
    loaded = pickle.loads(pickle.dumps(clf))
    assert_array_equal(loaded.predict_proba(X[:5]), clf.predict_proba(X[:5]))
    assert clone(clf).get_params() == params_before
    # The lock of the loaded copy is its own: it fits while clf is fitting.
    _run_together([lambda: clf.fit(X, y), lambda: loaded.fit(X, y)])
    assert_array_equal(loaded.coefs_[0], clf.coefs_[0])
