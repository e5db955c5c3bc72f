"""The training recipes beyond MLPClassifier: each one does what it says."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import stats
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from skmlp import MLPDigitClassifier
from skmlp._network import ParameterLayout, initialize


def quiet_fit(model, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(*args, **kwargs)


# ------------------------------------------------------------ class weights


def imbalanced_blobs(seed=0):
    rng = np.random.RandomState(seed)
    X = np.vstack([rng.normal(0, 1, (900, 2)), rng.normal(1.5, 1, (100, 2))])
    y = np.array([0] * 900 + [1] * 100)
    return X, y


@pytest.mark.parametrize("class_weight", ["balanced", {0: 1.0, 1: 9.0}])
def test_class_weight_moves_the_decision_like_logistic_regression(class_weight):
    X, y = imbalanced_blobs()
    params = dict(
        hidden_layer_sizes=(), max_iter=300, learning_rate=0.05, l2=0.0, random_state=0
    )
    plain = quiet_fit(MLPDigitClassifier(**params), X, y)
    weighted = quiet_fit(MLPDigitClassifier(class_weight=class_weight, **params), X, y)
    logistic = LogisticRegression(class_weight=class_weight, C=1e6).fit(X, y)
    # The minority class is predicted far more often once weighted...
    assert weighted.predict(X).mean() > 2 * plain.predict(X).mean()
    # ...and, with no hidden layer, like LogisticRegression with the same weights.
    agreement = np.mean(weighted.predict(X) == logistic.predict(X))
    assert agreement > 0.97


def test_class_weight_multiplies_sample_weight():
    X, y = imbalanced_blobs()
    params = dict(
        hidden_layer_sizes=(5,),
        max_iter=20,
        random_state=0,
        batch_size=len(y),
        shuffle=False,
    )
    sample_weight = np.random.RandomState(1).uniform(0.5, 2, size=len(y))
    by_class = quiet_fit(
        MLPDigitClassifier(class_weight={0: 1.0, 1: 3.0}, **params),
        X,
        y,
        sample_weight=sample_weight,
    )
    by_sample = quiet_fit(
        MLPDigitClassifier(**params),
        X,
        y,
        sample_weight=sample_weight * np.where(y == 1, 3.0, 1.0),
    )
    assert_allclose(by_class.coefs_[0], by_sample.coefs_[0], rtol=1e-12)


def test_balanced_class_weight_is_refused_by_partial_fit():
    X, y = imbalanced_blobs()
    with pytest.raises(ValueError, match="balanced"):
        MLPDigitClassifier(class_weight="balanced").partial_fit(X, y, classes=[0, 1])


# ---------------------------------------------------- a validation set of one's own


def test_X_val_overrides_validation_fraction_and_drives_early_stopping(digits_split):
    X_train, X_test, y_train, y_test = digits_split
    clf = quiet_fit(
        MLPDigitClassifier(
            early_stopping=True,
            learning_rate=0.01,
            random_state=0,
            n_iter_no_change=3,
            validation_fraction=0.5,
        ),
        X_train,
        y_train,
        X_val=X_test,
        y_val=y_test,
    )
    # Scores are on X_test itself, and the model kept is the best one on it.
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert clf.score(X_test, y_test) == clf.best_validation_score_
    assert len(clf.validation_scores_) == clf.n_iter_
    # All of X_train was trained on: nothing was held out of it.
    assert clf.t_ == clf.n_iter_ * len(X_train)


def test_validation_loss_curve_is_the_validation_cross_entropy(digits_split):
    X_train, X_test, y_train, y_test = digits_split
    clf = quiet_fit(
        MLPDigitClassifier(max_iter=5, random_state=0),
        X_train,
        y_train,
        X_val=X_test,
        y_val=y_test,
    )
    assert clf.best_validation_score_ is None  # monitored, not watched
    assert len(clf.validation_loss_curve_) == len(clf.validation_scores_) == 5
    log_proba = clf.predict_log_proba(X_test)
    cross_entropy = -np.mean(log_proba[np.arange(len(y_test)), y_test])
    assert_allclose(clf.validation_loss_curve_[-1], cross_entropy, rtol=1e-10)
    assert clf.validation_loss_curve_[-1] < clf.validation_loss_curve_[0]


def test_early_stopping_split_also_records_validation_loss(digits_split):
    X_train, _, y_train, _ = digits_split
    clf = quiet_fit(
        MLPDigitClassifier(early_stopping=True, max_iter=5), X_train, y_train
    )
    assert len(clf.validation_loss_curve_) == 5
    assert (
        MLPDigitClassifier(max_iter=1).fit(X_train, y_train).validation_loss_curve_
        is None
    )


def test_bad_validation_arguments(digits_split):
    X_train, X_test, y_train, y_test = digits_split
    with pytest.raises(ValueError, match="together"):
        MLPDigitClassifier().fit(X_train, y_train, X_val=X_test)
    with pytest.raises(ValueError, match="not in classes"):
        MLPDigitClassifier(max_iter=1).fit(
            X_train, y_train, X_val=X_test, y_val=y_test + 100
        )
    with pytest.raises(ValueError, match="features"):
        MLPDigitClassifier(max_iter=1).fit(
            X_train, y_train, X_val=X_test[:, :5], y_val=y_test
        )


# ----------------------------------------------------------------- schedules


@pytest.mark.parametrize(
    "schedule, expected",
    [
        ("constant", lambda lr, e, t, n: lr),
        ("invscaling", lambda lr, e, t, n: lr / (t + 1) ** 0.5),
        ("inverse_time", lambda lr, e, t, n: lr / (1 + 0.1 * e)),
        ("cosine", lambda lr, e, t, n: lr * 0.5 * (1 + np.cos(np.pi * e / n))),
    ],
)
def test_schedules_follow_their_formula(digits_split, schedule, expected):
    X_train, _, y_train, _ = digits_split
    n_epochs, lr = 6, 0.05
    clf = quiet_fit(
        MLPDigitClassifier(
            (10,),
            solver="sgd",
            learning_rate=lr,
            lr_schedule=schedule,
            decay=0.1,
            max_iter=n_epochs,
            tol=0.0,
            n_iter_no_change=100,
        ),
        X_train,
        y_train,
    )
    samples_seen = [e * len(X_train) for e in range(n_epochs)]
    assert_allclose(
        clf.learning_rate_curve_,
        [expected(lr, e, samples_seen[e], n_epochs) for e in range(n_epochs)],
    )


def test_the_schedule_reaches_the_engine(digits_split):
    """A schedule that drops the step size to ~0 after the first epoch freezes
    the weights from then on."""
    X_train, _, y_train, _ = digits_split
    params = dict(
        hidden_layer_sizes=(10,),
        solver="sgd",
        momentum=0.0,
        lr_schedule="inverse_time",
        decay=1e9,
        shuffle=False,
        random_state=0,
    )
    one = quiet_fit(MLPDigitClassifier(max_iter=1, **params), X_train, y_train)
    three = quiet_fit(MLPDigitClassifier(max_iter=3, **params), X_train, y_train)
    assert_allclose(one.coefs_[0], three.coefs_[0], atol=1e-7)


def test_adaptive_divides_by_five_on_plateaus(digits_split):
    X_train, _, y_train, _ = digits_split
    clf = quiet_fit(
        MLPDigitClassifier(
            (10,),
            solver="sgd",
            learning_rate=0.1,
            lr_schedule="adaptive",
            tol=10.0,
            n_iter_no_change=2,
            max_iter=40,
        ),
        X_train,
        y_train,
    )
    rates = np.array(clf.learning_rate_curve_)
    ratios = rates[1:] / rates[:-1]
    assert set(np.round(ratios, 12)) <= {1.0, 0.2}
    assert rates[-1] < 1e-5  # kept dividing until below 1e-6, then stopped
    assert clf.n_iter_ < 40


# ------------------------------------------------------------ initialisation


def init_moments(init, init_scale=None, activation="relu", fan=(400, 300)):
    layout = ParameterLayout([fan[0], fan[1], 10])
    params = initialize(
        layout,
        init=init,
        init_scale=init_scale,
        output_init="same",
        activation=activation,
        random_state=np.random.RandomState(0),
        dtype=np.float64,
    )
    coefs, intercepts = layout.views(params)
    assert all(np.all(b == 0) for b in intercepts)
    return coefs[0].ravel()


@pytest.mark.parametrize(
    "init, init_scale, activation, distribution",
    [
        (
            "glorot_uniform",
            None,
            "relu",
            stats.uniform(-np.sqrt(6 / 700), 2 * np.sqrt(6 / 700)),
        ),
        (
            "glorot_uniform",
            None,
            "logistic",
            stats.uniform(-4 * np.sqrt(6 / 700), 8 * np.sqrt(6 / 700)),
        ),
        ("he_normal", None, "relu", stats.norm(0, np.sqrt(2 / 400))),
        ("normal", None, "relu", stats.norm(0, 0.01)),
        ("normal", 0.3, "relu", stats.norm(0, 0.3)),
        ("uniform", None, "relu", stats.uniform(-0.12, 0.24)),
        ("uniform", 0.5, "tanh", stats.uniform(-0.5, 1.0)),
    ],
)
def test_each_init_draws_from_its_distribution(
    init, init_scale, activation, distribution
):
    w = init_moments(init, init_scale, activation)
    assert abs(w.mean()) < 4 * distribution.std() / np.sqrt(w.size)
    assert_allclose(w.std(), distribution.std(), rtol=0.01)
    # And the whole shape, not just two moments.
    assert stats.kstest(w, distribution.cdf).pvalue > 1e-3


def test_output_init_zeros_and_init_reach_the_model(digits_split):
    X_train, _, y_train, _ = digits_split
    clf = MLPDigitClassifier(
        (20,),
        init="uniform",
        init_scale=0.05,
        output_init="zeros",
        max_iter=1,
        learning_rate=1e-12,
        random_state=0,
    )
    quiet_fit(clf, X_train, y_train)
    assert np.abs(clf.coefs_[-1]).max() < 1e-9
    assert 0.045 < np.abs(clf.coefs_[0]).max() <= 0.05


# ------------------------------------------------------------------ dropout


def test_dropout_changes_training_not_prediction_and_repeats(digits_split):
    X_train, X_test, y_train, y_test = digits_split
    params = dict(
        hidden_layer_sizes=(64,), max_iter=30, random_state=0, learning_rate=0.003
    )
    plain = quiet_fit(MLPDigitClassifier(**params), X_train, y_train)
    dropped = quiet_fit(MLPDigitClassifier(dropout=0.3, **params), X_train, y_train)
    again = quiet_fit(MLPDigitClassifier(dropout=0.3, **params), X_train, y_train)
    # Training differs...
    assert np.abs(dropped.coefs_[0] - plain.coefs_[0]).max() > 1e-3
    # ...reproducibly for a given random_state...
    assert_array_equal(dropped.coefs_[0], again.coefs_[0])
    # ...and prediction is deterministic, with the weights as they are.
    assert_array_equal(dropped.predict_proba(X_test), dropped.predict_proba(X_test))
    assert dropped.score(X_test, y_test) > 0.93
    # The training loss is measured on thinned networks: higher than without.
    assert dropped.loss_curve_[-1] > plain.loss_curve_[-1]


def test_dropout_per_layer_and_bad_rates(digits_split):
    X_train, _, y_train, _ = digits_split
    clf = MLPDigitClassifier((16, 8), dropout=[0.5, 0.0], max_iter=2)
    quiet_fit(clf, X_train, y_train)
    with pytest.raises(ValueError, match="one rate per hidden layer"):
        MLPDigitClassifier((16, 8), dropout=[0.5]).fit(X_train, y_train)
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        MLPDigitClassifier((16, 8), dropout=[0.5, 1.0]).fit(X_train, y_train)


def test_leaky_relu_learns(digits_split):
    X_train, X_test, y_train, y_test = digits_split
    clf = quiet_fit(
        MLPDigitClassifier(activation="leaky_relu", max_iter=40, random_state=0),
        X_train,
        y_train,
    )
    assert clf.score(X_test, y_test) > 0.95


# -------------------------------------------------------------------- lbfgs


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_lbfgs_learns_full_batch(digits_split, dtype):
    X_train, X_test, y_train, y_test = digits_split
    clf = quiet_fit(
        MLPDigitClassifier((30,), solver="lbfgs", max_iter=100, random_state=0),
        X_train.astype(dtype),
        y_train,
    )
    assert clf.coefs_[0].dtype == dtype
    assert clf.score(X_test, y_test) > 0.95
    assert len(clf.loss_curve_) == clf.n_iter_ == 100
    assert clf.loss_curve_[-1] < 0.1 * clf.loss_curve_[0]
    assert not hasattr(clf, "partial_fit")


def test_lbfgs_follows_mlpclassifier(digits):
    """Same start, same objective (l2 = alpha / (2 n)): the same L-BFGS path."""
    from sklearn.neural_network import MLPClassifier

    X, y = digits
    X, y = X[:300], y[:300]
    alpha = 1e-2
    rng = np.random.RandomState(0)
    coefs = [rng.uniform(-0.3, 0.3, (64, 20)), rng.uniform(-0.3, 0.3, (20, 10))]
    intercepts = [rng.uniform(-0.1, 0.1, 20), rng.uniform(-0.1, 0.1, 10)]
    theirs = quiet_fit(
        MLPClassifier((20,), "tanh", solver="lbfgs", alpha=alpha, max_iter=1), X, y
    )
    ours = quiet_fit(
        MLPDigitClassifier(
            (20,), "tanh", solver="lbfgs", l2=alpha / (2 * len(y)), max_iter=1
        ),
        X,
        y,
    )
    for model in (theirs, ours):
        model.coefs_ = [c.copy() for c in coefs]
        model.intercepts_ = [b.copy() for b in intercepts]
        model.set_params(warm_start=True, max_iter=10, tol=0.0)
        quiet_fit(model, X, y)
    for a, b in zip(ours.coefs_, theirs.coefs_):
        assert_allclose(a, b, atol=1e-7)
    assert_allclose(ours.loss_, theirs.loss_, rtol=1e-8)


def test_lbfgs_refuses_dropout(digits_split):
    X_train, _, y_train, _ = digits_split
    with pytest.raises(ValueError, match="dropout"):
        MLPDigitClassifier(solver="lbfgs", dropout=0.2).fit(X_train, y_train)
