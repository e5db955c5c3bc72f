"""Behaviour of MLPDigitClassifier: it learns, and it behaves as an estimator."""

import os
import pickle
import signal
import threading
import time
import warnings

import joblib
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from skmlp import MLPDigitClassifier


def quiet_fit(model, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(*args, **kwargs)


# ---------------------------------------------------------------- it learns


def test_defaults_reach_97_percent_on_digits(digits_split):
    X_train, X_test, y_train, y_test = digits_split
    clf = quiet_fit(MLPDigitClassifier(random_state=0), X_train, y_train)
    assert clf.score(X_test, y_test) >= 0.97


def test_defaults_do_at_least_as_well_as_mlpclassifier_defaults(digits_split):
    from sklearn.neural_network import MLPClassifier

    X_train, X_test, y_train, y_test = digits_split
    ours, theirs = [], []
    for seed in range(3):
        ours.append(
            quiet_fit(MLPDigitClassifier(random_state=seed), X_train, y_train).score(
                X_test, y_test
            )
        )
        theirs.append(
            quiet_fit(MLPClassifier(random_state=seed), X_train, y_train).score(
                X_test, y_test
            )
        )
    assert np.mean(ours) >= np.mean(theirs) - 0.005


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
def test_loss_curve_falls(digits_split, solver, activation):
    X_train, _, y_train, _ = digits_split
    clf = MLPDigitClassifier(
        (30,),
        activation,
        solver=solver,
        max_iter=15,
        random_state=0,
        learning_rate=0.05 if solver == "sgd" else 0.005,
    )
    clf = quiet_fit(clf, X_train, y_train)
    curve = np.asarray(clf.loss_curve_)
    assert len(curve) == clf.n_iter_ == 15
    assert curve[-1] < 0.5 * curve[0]
    # Mostly monotone: SGD noise may raise the loss a little now and then.
    assert np.mean(np.diff(curve) < 0) > 0.8
    assert clf.loss_ == curve[-1]
    assert clf.t_ == 15 * len(X_train)


def test_the_theano_tutorial_recipe_learns(digits_split):
    """learning_rate=0.01, l1=0, l2=1e-4, batch 20, tanh, plain SGD."""
    X_train, X_test, y_train, y_test = digits_split
    clf = MLPDigitClassifier(
        (100,),
        "tanh",
        solver="sgd",
        momentum=0.0,
        learning_rate=0.01,
        l1=0.0,
        l2=1e-4,
        batch_size=20,
        max_iter=50,
        random_state=0,
    )
    clf = quiet_fit(clf, X_train, y_train)
    assert clf.score(X_test, y_test) >= 0.93


def test_deep_network_and_no_hidden_layer(digits_split):
    X_train, X_test, y_train, y_test = digits_split
    deep = quiet_fit(
        MLPDigitClassifier((64, 48, 32), max_iter=60, random_state=0), X_train, y_train
    )
    assert deep.n_layers_ == 5 and len(deep.coefs_) == 4
    assert deep.score(X_test, y_test) >= 0.95
    softmax_regression = quiet_fit(
        MLPDigitClassifier((), max_iter=100, learning_rate=0.01, random_state=0),
        X_train,
        y_train,
    )
    assert [c.shape for c in softmax_regression.coefs_] == [(64, 10)]
    assert softmax_regression.score(X_test, y_test) >= 0.93


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_training_dtype_follows_the_input(digits_split, dtype):
    X_train, X_test, y_train, y_test = digits_split
    clf = quiet_fit(
        MLPDigitClassifier(max_iter=30, random_state=0), X_train.astype(dtype), y_train
    )
    assert all(c.dtype == dtype for c in clf.coefs_ + clf.intercepts_)
    proba = clf.predict_proba(X_test.astype(dtype))
    assert proba.dtype == dtype
    assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    assert clf.score(X_test, y_test) > 0.95


def test_float32_and_float64_fits_agree(digits_split):
    X_train, X_test, y_train, _ = digits_split
    params = dict(max_iter=5, random_state=0, shuffle=False)
    f64 = quiet_fit(MLPDigitClassifier(**params), X_train, y_train)
    f32 = quiet_fit(MLPDigitClassifier(**params), X_train.astype(np.float32), y_train)
    assert_allclose(f32.predict_proba(X_test), f64.predict_proba(X_test), atol=1e-3)


def test_integer_input_trains_in_float64(digits_split):
    X_train, _, y_train, _ = digits_split
    clf = quiet_fit(
        MLPDigitClassifier(max_iter=3), (X_train * 16).astype(np.int64), y_train
    )
    assert clf.coefs_[0].dtype == np.float64


@pytest.mark.parametrize(
    "labels",
    [np.array(["zero", "one", "two"]), np.array([10, -3, 7]), np.array([True, False])],
    ids=["str", "int", "bool"],
)
def test_labels_of_any_type(digits, labels):
    X, y = digits
    mask = y < len(labels)
    X, y = X[mask], labels[y[mask]]
    clf = quiet_fit(MLPDigitClassifier(max_iter=30, random_state=0), X, y)
    assert_array_equal(clf.classes_, np.unique(labels))
    assert clf.predict(X).dtype == y.dtype
    assert clf.score(X, y) > 0.95
    assert clf.predict_proba(X).shape == (len(X), len(labels))


def test_predict_log_proba_is_log_of_predict_proba(digits_split):
    X_train, X_test, y_train, _ = digits_split
    clf = quiet_fit(MLPDigitClassifier(max_iter=20, random_state=0), X_train, y_train)
    log_proba = clf.predict_log_proba(X_test)
    assert np.all(np.isfinite(log_proba))
    assert_allclose(
        np.exp(log_proba), clf.predict_proba(X_test), rtol=1e-10, atol=1e-300
    )
    assert_array_equal(clf.predict(X_test), clf.classes_[log_proba.argmax(axis=1)])


@pytest.mark.filterwarnings("ignore:batch_size=:UserWarning")
def test_sample_weight_changes_the_fit_like_repeating_samples(digits):
    """With full-batch steps, integer weights are repetitions."""
    X, y = digits
    X, y = X[:150], y[:150]
    weights = np.random.RandomState(0).randint(0, 3, size=len(y))
    params = dict(max_iter=50, random_state=0, batch_size=len(y) * 3)
    weighted = quiet_fit(MLPDigitClassifier(**params), X, y, sample_weight=weights)
    repeated = quiet_fit(
        MLPDigitClassifier(**params),
        np.repeat(X, weights, axis=0),
        np.repeat(y, weights),
    )
    unweighted = quiet_fit(MLPDigitClassifier(**params), X, y)
    assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), atol=1e-6)
    assert np.abs(weighted.predict_proba(X) - unweighted.predict_proba(X)).max() > 1e-3


# ------------------------------------------------ assigned weights are the truth


def test_predict_uses_assigned_weights(digits_split):
    X_train, X_test, y_train, _ = digits_split
    clf = quiet_fit(
        MLPDigitClassifier((10,), max_iter=5, random_state=0), X_train, y_train
    )
    clf.coefs_ = [np.zeros_like(c) for c in clf.coefs_]
    intercepts = [np.zeros_like(b) for b in clf.intercepts_]
    intercepts[-1][3] = 5.0
    clf.intercepts_ = intercepts
    assert_array_equal(clf.predict(X_test), np.full(len(X_test), 3))
    expected = np.exp(intercepts[-1]) / np.exp(intercepts[-1]).sum()
    assert_allclose(clf.predict_proba(X_test[:2]), [expected, expected])

    clf.coefs_ = clf.coefs_[:1]  # no longer chains to one output per class
    with pytest.raises(ValueError, match="coefs_"):
        clf.predict(X_test)


def test_warm_start_continues_from_assigned_weights(digits_split):
    X_train, _, y_train, _ = digits_split
    clf = quiet_fit(
        MLPDigitClassifier((10,), max_iter=2, random_state=0), X_train, y_train
    )
    clf.coefs_ = [np.full_like(c, 0.01) for c in clf.coefs_]
    clf.set_params(warm_start=True, max_iter=1)
    quiet_fit(clf, X_train, y_train)
    assert np.abs(clf.coefs_[0] - 0.01).max() < 0.05  # one epoch away from 0.01


# ------------------------------------------------------ resuming a training


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_warm_start_keeps_the_optimizer_state(digits_split, solver):
    """5 + 5 warm-started epochs end on exactly the weights of 10 epochs."""
    X_train, _, y_train, _ = digits_split
    params = dict(
        solver=solver,
        shuffle=False,
        tol=0.0,
        n_iter_no_change=100,
        random_state=0,
        learning_rate=0.01 if solver == "sgd" else 0.001,
    )
    straight = quiet_fit(MLPDigitClassifier(max_iter=10, **params), X_train, y_train)
    resumed = quiet_fit(MLPDigitClassifier(max_iter=5, **params), X_train, y_train)
    resumed.set_params(warm_start=True)
    quiet_fit(resumed, X_train, y_train)
    for a, b in zip(
        straight.coefs_ + straight.intercepts_, resumed.coefs_ + resumed.intercepts_
    ):
        assert_array_equal(a, b)
    assert resumed.t_ == straight.t_

    # What MLPClassifier does (a fresh optimizer on each fit) ends elsewhere.
    reset = quiet_fit(MLPDigitClassifier(max_iter=5, **params), X_train, y_train)
    reset._optimizer_state = None
    reset.set_params(warm_start=True)
    quiet_fit(reset, X_train, y_train)
    assert np.abs(reset.coefs_[0] - straight.coefs_[0]).max() > 1e-6


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_partial_fit_epochs_equal_fit_epochs(digits_split, solver):
    X_train, _, y_train, _ = digits_split
    params = dict(
        solver=solver, shuffle=False, tol=0.0, n_iter_no_change=100, random_state=0
    )
    fitted = quiet_fit(MLPDigitClassifier(max_iter=4, **params), X_train, y_train)
    partial = MLPDigitClassifier(**params)
    for _ in range(4):
        partial.partial_fit(X_train, y_train, classes=np.arange(10))
    for a, b in zip(fitted.coefs_, partial.coefs_):
        assert_array_equal(a, b)
    assert partial.loss_curve_ == fitted.loss_curve_


def test_partial_fit_over_minibatches_learns(digits_split):
    X_train, X_test, y_train, y_test = digits_split
    clf = MLPDigitClassifier(random_state=0, learning_rate=0.003)
    for _ in range(15):
        for start in range(0, len(X_train), 100):
            rows = slice(start, start + 100)
            clf.partial_fit(X_train[rows], y_train[rows], classes=np.arange(10))
    assert clf.score(X_test, y_test) > 0.95


def test_partial_fit_checks_classes(digits):
    X, y = digits
    clf = MLPDigitClassifier()
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[y < 5], y[y < 5], classes=np.arange(5))
    with pytest.raises(ValueError, match="not in classes"):
        clf.partial_fit(X, y)
    with pytest.raises(ValueError, match="not the same"):
        clf.partial_fit(X[y < 5], y[y < 5], classes=np.arange(6))
    with pytest.raises(ValueError, match="early_stopping"):
        MLPDigitClassifier(early_stopping=True).partial_fit(X, y, classes=np.arange(10))


# --------------------------------------------------------------- stopping


def test_max_iter_warns_convergence(digits_split):
    X_train, _, y_train, _ = digits_split
    with pytest.warns(
        ConvergenceWarning, match="Maximum iterations|maximum iterations"
    ):
        MLPDigitClassifier(max_iter=2).fit(X_train, y_train)


def test_stops_when_training_loss_stalls(digits_split):
    X_train, _, y_train, _ = digits_split
    clf = MLPDigitClassifier(tol=10.0, n_iter_no_change=3, max_iter=100).fit(
        X_train, y_train
    )
    # No epoch improves by 10: the patience runs out after 1 + 3 + 1 epochs.
    assert clf.n_iter_ == 5
    assert clf.best_loss_ == min(clf.loss_curve_)
    assert clf.validation_scores_ is None and clf.best_validation_score_ is None


def test_early_stopping_keeps_the_best_epoch(digits_split):
    X_train, _, y_train, _ = digits_split
    clf = quiet_fit(
        MLPDigitClassifier(
            early_stopping=True, learning_rate=0.01, max_iter=200, random_state=0
        ),
        X_train,
        y_train,
    )
    scores = clf.validation_scores_
    assert len(scores) == clf.n_iter_ < 200
    assert clf.best_validation_score_ == max(scores) > 0.9
    assert clf.best_loss_ is None
    best_epoch = int(np.argmax(scores))
    # Stopped once n_iter_no_change + 1 epochs failed to beat the best by tol.
    assert clf.n_iter_ - 1 - best_epoch >= clf.n_iter_no_change


def test_verbose_prints_one_line_per_epoch(digits_split, capsys):
    X_train, _, y_train, _ = digits_split
    quiet_fit(
        MLPDigitClassifier(max_iter=3, verbose=1, early_stopping=True), X_train, y_train
    )
    lines = [line for line in capsys.readouterr().out.splitlines() if "Epoch" in line]
    assert len(lines) == 3 and "loss" in lines[0] and "validation" in lines[0]


@pytest.mark.skipif(
    not hasattr(signal, "SIGINT") or os.name == "nt", reason="needs POSIX signals"
)
def test_ctrl_c_stops_with_a_usable_model(digits_split):
    X_train, X_test, y_train, _ = digits_split
    clf = MLPDigitClassifier(
        (50,),
        max_iter=10**6,
        tol=0.0,
        n_iter_no_change=10**6,
        batch_size=16,
        random_state=0,
    )
    timer = threading.Timer(0.5, os.kill, args=(os.getpid(), signal.SIGINT))
    timer.start()
    start = time.perf_counter()
    try:
        with pytest.raises(KeyboardInterrupt):
            clf.fit(X_train, y_train)
    finally:
        timer.cancel()
    assert time.perf_counter() - start < 30
    assert 0 < clf.n_iter_ < 10**6
    proba = clf.predict_proba(X_test)
    assert np.all(np.isfinite(proba))
    assert all(np.all(np.isfinite(c)) for c in clf.coefs_)
    # Training can go on from there.
    clf.partial_fit(X_train, y_train)
    assert np.all(np.isfinite(clf.predict_proba(X_test)))


@pytest.mark.skipif(
    not hasattr(signal, "SIGINT") or os.name == "nt", reason="needs POSIX signals"
)
@pytest.mark.parametrize("search", ["GridSearchCV", "cross_validate"])
def test_ctrl_c_stops_a_search_instead_of_scoring_a_truncated_fold(
    digits_split, search
):
    """One Ctrl-C ends the whole search: no fold trained for a fraction of
    its epochs is scored as if it had finished."""
    from sklearn.model_selection import cross_validate

    X_train, _, y_train, _ = digits_split
    clf = MLPDigitClassifier(
        (50,), max_iter=2000, tol=0.0, batch_size=16, random_state=0
    )
    timer = threading.Timer(0.5, os.kill, args=(os.getpid(), signal.SIGINT))
    timer.start()
    start = time.perf_counter()
    try:
        with pytest.raises(KeyboardInterrupt):
            if search == "GridSearchCV":
                GridSearchCV(clf, {"learning_rate": [1e-3, 1e-2]}, cv=3).fit(
                    X_train, y_train
                )
            else:
                cross_validate(clf, X_train, y_train, cv=3)
    finally:
        timer.cancel()
    assert time.perf_counter() - start < 30


# ----------------------------------------------------- inside scikit-learn


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_pipeline_grid_search(digits_split, n_jobs):
    X_train, X_test, y_train, y_test = digits_split
    pipe = make_pipeline(
        StandardScaler(), MLPDigitClassifier((30,), max_iter=30, random_state=0)
    )
    grid = {
        "mlpdigitclassifier__learning_rate": [1e-3, 1e-2],
        "mlpdigitclassifier__l2": [1e-4, 1e-2],
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GridSearchCV(pipe, grid, cv=3, n_jobs=n_jobs).fit(X_train, y_train)
    assert search.best_score_ > 0.9
    assert search.score(X_test, y_test) > 0.9
    # Same seeds, same scores, however many jobs.
    if n_jobs == 2:
        serial = GridSearchCV(pipe, grid, cv=3, n_jobs=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            serial.fit(X_train, y_train)
        assert_allclose(
            search.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"]
        )


def test_pickle_and_joblib_round_trip(digits_split, tmp_path):
    X_train, X_test, y_train, _ = digits_split
    clf = quiet_fit(MLPDigitClassifier(max_iter=5, random_state=0), X_train, y_train)
    expected = clf.predict_proba(X_test)
    joblib.dump(clf, tmp_path / "model.joblib")
    for loaded in (
        pickle.loads(pickle.dumps(clf)),
        joblib.load(tmp_path / "model.joblib"),
    ):
        assert_array_equal(loaded.predict_proba(X_test), expected)
        # and it can keep training
        loaded.partial_fit(X_train, y_train)


def test_clone_copies_parameters_not_state(digits_split):
    X_train, _, y_train, _ = digits_split
    clf = quiet_fit(
        MLPDigitClassifier((7,), learning_rate=0.01, max_iter=2), X_train, y_train
    )
    copy = clone(clf)
    assert copy.get_params() == clf.get_params()
    assert not hasattr(copy, "coefs_")


# ------------------------------------------------------------- bad input


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_X_is_rejected(digits, bad):
    X, y = digits
    X = X.copy()
    X[3, 5] = bad
    with pytest.raises(ValueError, match="NaN|infinity"):
        MLPDigitClassifier().fit(X, y)


def test_bad_input_gets_clear_errors(digits):
    X, y = digits
    clf = quiet_fit(MLPDigitClassifier(max_iter=1), X, y)
    with pytest.raises(ValueError, match="64 features"):
        clf.predict(X[:, :10])
    with pytest.raises(ValueError, match="0 sample"):
        MLPDigitClassifier().fit(X[:0], y[:0])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        MLPDigitClassifier().fit(X, y[:-1])
    with pytest.raises(ValueError, match="could not convert|numeric"):
        MLPDigitClassifier().fit(np.array([["a", "b"], ["c", "d"]]), [0, 1])
    with pytest.raises(ValueError, match="Unknown label type"):
        MLPDigitClassifier().fit(X, y + 0.5)
    with pytest.raises(ValueError, match="non-negative"):
        MLPDigitClassifier().fit(X, y, sample_weight=-np.ones(len(y)))
    with pytest.raises(ValueError, match="sample_weight"):
        MLPDigitClassifier().fit(X, y, sample_weight=np.ones(3))
    with pytest.raises(NotFittedError):
        MLPDigitClassifier().predict(X)


@pytest.mark.parametrize(
    "params",
    [
        dict(learning_rate=0),
        dict(learning_rate=-1),
        dict(activation="softsign"),
        dict(solver="newton"),
        dict(momentum=1.0),
        dict(l2=-1),
        dict(batch_size=0),
        dict(max_iter=0),
        dict(validation_fraction=1.0),
        dict(hidden_layer_sizes=0),
    ],
)
def test_invalid_parameters_raise(digits, params):
    X, y = digits
    with pytest.raises(InvalidParameterError):
        MLPDigitClassifier(**params).fit(X, y)


def test_non_positive_hidden_layer_size_is_rejected(digits):
    X, y = digits
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        MLPDigitClassifier(hidden_layer_sizes=(10, 0)).fit(X, y)


def test_warm_start_with_other_classes_is_rejected(digits):
    X, y = digits
    clf = quiet_fit(MLPDigitClassifier(max_iter=1, warm_start=True), X, y)
    with pytest.raises(ValueError, match="same classes"):
        clf.fit(X[y < 5], y[y < 5])
    clf.set_params(hidden_layer_sizes=(7,))
    with pytest.raises(ValueError, match="shape"):
        clf.fit(X, y)


@pytest.mark.parametrize(
    "class_weight, match",
    [
        ({0: -5}, r"class_weight\[0\] = -5: .*non-negative"),
        ({0: np.inf}, r"class_weight\[0\] = inf: .*finite"),
        ({0: np.nan}, r"class_weight\[0\] = nan: .*finite"),
        ({0: "a"}, r"class_weight\[0\] = 'a': .*numbers"),
        ({0: None}, r"class_weight\[0\] = None: .*numbers"),
        ({42: 1.0}, r"class_weight holds labels that are not classes of y: \[42\]"),
    ],
)
def test_class_weight_is_validated_like_sample_weight(digits, class_weight, match):
    """{0: -5} used to train silently (class 0 never predicted), {0: inf}
    to report divergence and {0: nan} that all weights are zero."""
    X, y = digits
    with pytest.raises(ValueError, match=match):
        MLPDigitClassifier((8,), class_weight=class_weight, max_iter=1).fit(X, y)


def test_partial_fit_with_no_classes_says_so(digits):
    X, y = digits
    with pytest.raises(ValueError, match="classes is empty"):
        MLPDigitClassifier().partial_fit(X, y, classes=[])


def test_zero_dimensional_array_as_hidden_layer_sizes(digits):
    X, y = digits
    clf = quiet_fit(MLPDigitClassifier(np.array(5), max_iter=1), X, y)
    assert [c.shape for c in clf.coefs_] == [(64, 5), (5, 10)]
    with pytest.raises(ValueError, match="positive integers"):
        quiet_fit(MLPDigitClassifier(np.array(5.5), max_iter=1), X, y)


def test_activation_changed_after_fit_is_a_clear_error(digits):
    X, y = digits
    clf = quiet_fit(MLPDigitClassifier((8,), max_iter=1), X, y)
    clf.activation = "swish"
    with pytest.raises(ValueError, match="activation='swish' is not one of"):
        clf.predict(X[:2])


@pytest.mark.parametrize("where", ["fit", "predict", "sample_weight"])
def test_python_ints_beyond_float64_are_value_errors(digits, where):
    X, y = digits
    rows = X[:40].tolist()
    if where == "fit":
        rows[3][5] = 10**400
        with pytest.raises(ValueError, match="too large for float64"):
            MLPDigitClassifier((8,), max_iter=1).fit(rows, y[:40])
    elif where == "sample_weight":
        weights = [1] * 40
        weights[2] = 10**400
        with pytest.raises(ValueError, match="too large for float64"):
            MLPDigitClassifier((8,), max_iter=1).fit(X[:40], y[:40], weights)
    else:
        clf = quiet_fit(MLPDigitClassifier((8,), max_iter=1), X, y)
        rows[0][0] = -(10**400)
        with pytest.raises(ValueError, match="too large for float64"):
            clf.predict(rows[:2])


def test_parameter_names_and_classes_match_scikit_learns():
    """The shortcuts of a fit's fixed cost change nothing: the cached
    constructor parameter names are scikit-learn's, and ``classes_`` of numeric
    targets has unique_labels' values and dtype."""
    from sklearn.base import BaseEstimator
    from sklearn.utils.multiclass import unique_labels

    names = MLPDigitClassifier._get_param_names()
    assert names == BaseEstimator._get_param_names.__func__(MLPDigitClassifier)
    names.append("mutated")  # a caller's list, not the cache
    assert "mutated" not in MLPDigitClassifier._get_param_names()
    X = np.random.default_rng(0).normal(size=(12, 3))
    for y in (
        np.array([3, 1, 2, 1, 0, 3] * 2, dtype=np.int8),
        np.array([3, 1, 2, 1, 0, 3] * 2, dtype=np.uint16),
        np.array([3.0, 1.0, 2.0, 1.0, 0.0, 3.0] * 2, dtype=np.float32),
        np.array([True, False] * 6),
        np.array(["b", "a", "c"] * 4),
    ):
        clf = MLPDigitClassifier((4,), max_iter=1).fit(X, y)
        assert clf.classes_.dtype == unique_labels(y).dtype
        np.testing.assert_array_equal(clf.classes_, unique_labels(y))


class _CtrlCAtEpoch:
    """A callback that presses Ctrl-C as epoch (or L-BFGS iteration)
    ``epoch`` begins: before any completed, for epoch 0."""

    def __init__(self, epoch):
        self.epoch = epoch

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context, **kwargs):
        if (
            context.task_name in ("epoch", "lbfgs-iter")
            and context.task_id == self.epoch
        ):
            raise KeyboardInterrupt

    def on_fit_task_end(self, estimator, context, **kwargs):
        pass


def _fit_along(path, X, y):
    """A model fitted along ``path``, one of the ways a fit can end."""
    base = dict(hidden_layer_sizes=(8,), max_iter=3, random_state=0)
    new = {
        "sgd": dict(solver="sgd", momentum=0),
        "nesterov": dict(solver="sgd"),
        "adam": dict(solver="adam"),
        "lbfgs": dict(solver="lbfgs"),
        "early_stopping": dict(early_stopping=True),
        "lr_adaptive": dict(
            solver="sgd",
            lr_schedule="adaptive",
            n_iter_no_change=1,
            tol=1.0,
            max_iter=6,
        ),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if path in new:
            return MLPDigitClassifier(**{**base, **new[path]}).fit(X, y)
        if path == "lbfgs_overflow_at_start":
            return MLPDigitClassifier(**base, solver="lbfgs", l2=1e300).fit(X, y)
        if path in ("diverged_first_epoch", "diverged_later"):
            # Weights beyond the overflow limit after the first update, or
            # after a few (a step size that grows the loss epoch by epoch).
            rate = 1e30 if path == "diverged_first_epoch" else 5.0
            clf = MLPDigitClassifier(**{**base, "max_iter": 30}, solver="sgd")
            return clf.set_params(learning_rate=rate).fit(X * 100, y)
        if path == "zero_weight_minibatches":
            weights = np.zeros(len(y))
            weights[::7] = 1
            clf = MLPDigitClassifier(**base, solver="sgd", batch_size=4, shuffle=False)
            return clf.fit(X, y, sample_weight=weights)
        if path == "warm_start":
            clf = MLPDigitClassifier(**base, warm_start=True).fit(X, y)
            return clf.fit(X, y)
        if path == "warm_start_lbfgs_after_adam":
            clf = MLPDigitClassifier(**base, warm_start=True).fit(X, y)
            return clf.set_params(solver="lbfgs").fit(X, y)
        if path == "partial_fit":
            return MLPDigitClassifier(**base).partial_fit(X, y, classes=np.unique(y))
        if path.startswith("ctrl_c"):
            solver = "lbfgs" if "lbfgs" in path else "adam"
            epoch = 0 if "first" in path else 1
            clf = MLPDigitClassifier(**base, solver=solver)
            clf.set_callbacks(_CtrlCAtEpoch(epoch))
            with pytest.raises(KeyboardInterrupt):
                clf.fit(X, y)
            return clf
    raise AssertionError(path)


_FIT_PATHS = [
    "sgd",
    "nesterov",
    "adam",
    "lbfgs",
    "lbfgs_overflow_at_start",
    "early_stopping",
    "lr_adaptive",
    "diverged_first_epoch",
    "diverged_later",
    "zero_weight_minibatches",
    "warm_start",
    "warm_start_lbfgs_after_adam",
    "partial_fit",
    "ctrl_c_first_epoch",
    "ctrl_c_later_epoch",
    "ctrl_c_during_lbfgs",
]


@pytest.mark.parametrize("path", _FIT_PATHS)
def test_every_fitted_model_has_the_same_attributes(digits, path):
    """Whatever path fit took, the model carries the same fitted attributes,
    loss_ included: L-BFGS whose starting point overflows, a first epoch that
    diverged and Ctrl-C before an epoch completed used to leave no loss_ (NaN
    now), and L-BFGS no _optimizer_state (None now)."""
    pytest.importorskip("sklearn.callback")
    from skmlp._publication import is_fitted_attribute

    X, y = digits
    X, y = X[:300], y[:300]
    reference = _fit_along("sgd", X, y)
    model = _fit_along(path, X, y)

    def fitted(clf):
        return {name for name in vars(clf) if is_fitted_attribute(name)}

    assert fitted(model) == fitted(reference)
    assert isinstance(model.loss_, float)
    if not model.loss_curve_:
        assert np.isnan(model.loss_)
    else:
        assert model.loss_ == model.loss_curve_[-1]
    assert (model._optimizer_state is None) == (model.solver == "lbfgs")
