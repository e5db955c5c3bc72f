"""Behaviours pinned against MLPClassifier itself: patience of np.inf, the
per-epoch curves across warm starts and partial_fit, one class, the
stratified hold-out of early stopping and the errors they raise.

Each test fits both classifiers on the same data with the parameter mapping
of docs/user_guide/mlpclassifier.md and compares what the behaviour is about;
where skmlp documents a difference (that page, "Differences worth knowing"),
the test pins skmlp's side.
"""

import re
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from skmlp import MLPDigitClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

CURVES = (
    "loss_curve_",
    "validation_scores_",
    "validation_loss_curve_",
    "learning_rate_curve_",
)


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return (X - X.mean(0)) / X.std(0), y


def pair(**params):
    """(ours, theirs) with the same settings; the user guide maps their
    learning_rate_init to our learning_rate."""
    lr = params.pop("learning_rate_init", 0.001)
    params = {"hidden_layer_sizes": (10,), "random_state": 0, **params}
    return (
        MLPDigitClassifier(learning_rate=lr, **params),
        MLPClassifier(learning_rate_init=lr, **params),
    )


# ------------------------------------------------------------ patience


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_n_iter_no_change_inf_never_stops_on_patience(iris, solver):
    X, y = iris
    for model in pair(solver=solver, n_iter_no_change=np.inf, tol=1e9, max_iter=30):
        with pytest.warns(ConvergenceWarning, match="(?i)maximum iterations"):
            model.fit(X, y)
        assert model.n_iter_ == 30
        # Every epoch after the first failed to improve by tol.
        assert model._no_improvement_count == 29


def test_n_iter_no_change_inf_never_divides_the_adaptive_step(iris):
    X, y = iris
    ours = MLPDigitClassifier(
        (10,),
        solver="sgd",
        lr_schedule="adaptive",
        n_iter_no_change=np.inf,
        tol=1e9,
        max_iter=20,
    ).fit(X, y)
    assert ours.learning_rate_curve_ == [ours.learning_rate] * 20


def test_n_iter_no_change_is_still_checked(iris):
    X, y = iris
    for model in pair(n_iter_no_change=0.5):
        with pytest.raises(ValueError, match="n_iter_no_change"):
            model.fit(X, y)


# ----------------------------------------------- curves across warm starts


def test_curves_continue_across_warm_starts_as_mlpclassifiers(iris):
    """After fit and a warm-started refit, each curve holds the epochs of
    both fits, the first fit's unchanged: MLPClassifier's loss_curve_ and
    validation_scores_, and every curve of ours."""
    X, y = iris
    for model in pair(warm_start=True, early_stopping=True, max_iter=5, tol=0.0):
        model.fit(X, y)
        first = {name: list(getattr(model, name, [])) for name in CURVES}
        model.set_params(max_iter=4).fit(X, y)
        assert model.n_iter_ == 4  # the epochs of the last fit
        curves = CURVES if isinstance(model, MLPDigitClassifier) else CURVES[:2]
        for name in curves:
            curve = getattr(model, name)
            assert len(curve) == 9, name
            assert curve[:5] == first[name], name


def test_curves_grow_by_one_entry_per_partial_fit_call(iris):
    X, y = iris
    for model in pair(solver="sgd"):
        for _ in range(3):
            model.partial_fit(X, y, classes=[0, 1, 2])
        assert model.n_iter_ == 1
        assert len(model.loss_curve_) == 3


def test_partial_fit_after_a_monitored_fit_keeps_the_curves_aligned(iris):
    X, y = iris
    ours = MLPDigitClassifier((10,), solver="sgd", max_iter=4, random_state=0)
    ours.fit(X, y, X_val=X[:30], y_val=y[:30])
    for _ in range(2):
        ours.partial_fit(X, y)
    for name in CURVES:
        assert len(getattr(ours, name)) == 6, name
    # The partial_fit epochs had no validation data.
    assert_array_equal(np.isnan(ours.validation_scores_), [False] * 4 + [True] * 2)
    assert_array_equal(np.isnan(ours.validation_loss_curve_), [False] * 4 + [True] * 2)


def test_a_fit_from_scratch_restarts_the_curves(iris):
    X, y = iris
    for model in pair(early_stopping=True, max_iter=6, tol=0.0):
        model.fit(X, y)
        model.set_params(max_iter=3).fit(X, y)
        assert len(model.loss_curve_) == len(model.validation_scores_) == 3


def test_curves_stay_aligned_when_validation_comes_and_goes(iris):
    """MLPClassifier cannot warm-start a fit with early stopping after one
    without it (TypeError); ours keeps every curve one entry per epoch, NaN
    where an epoch had no validation data."""
    X, y = iris
    ours = MLPDigitClassifier((10,), warm_start=True, max_iter=3, random_state=0)
    ours.fit(X, y)
    assert ours.validation_scores_ is None
    ours.set_params(early_stopping=True).fit(X, y)
    ours.set_params(early_stopping=False).fit(X, y)
    for name in CURVES:
        assert len(getattr(ours, name)) == 9, name
    scores = np.asarray(ours.validation_scores_)
    assert_array_equal(np.isnan(scores), [True] * 3 + [False] * 3 + [True] * 3)
    assert ours.best_validation_score_ == np.nanmax(scores)


def test_curves_of_an_earlier_skmlp_are_realigned_on_warm_start(iris):
    """Models saved by skmlp before the curves followed one rule hold
    validation_scores_ and learning_rate_curve_ of their last fit only:
    a warm start pads them at the start with NaN, so that epochs line up."""
    X, y = iris
    ours = MLPDigitClassifier((10,), warm_start=True, max_iter=3, random_state=0)
    ours.fit(X, y, X_val=X, y_val=y).fit(X, y, X_val=X, y_val=y)
    for name in CURVES[1:]:
        setattr(ours, name, getattr(ours, name)[3:])  # as an earlier skmlp kept them
    ours.fit(X, y, X_val=X, y_val=y)
    for name in CURVES:
        assert len(getattr(ours, name)) == 9, name
        assert_array_equal(
            np.isnan(getattr(ours, name)),
            [False] * 9 if name == "loss_curve_" else [True] * 3 + [False] * 6,
        )


def test_lbfgs_iterations_are_epochs_of_the_curves(iris):
    X, y = iris
    ours = MLPDigitClassifier((10,), solver="lbfgs", warm_start=True, max_iter=5)
    ours.fit(X, y, X_val=X, y_val=y)
    ours.fit(X, y, X_val=X, y_val=y)
    for name in CURVES:
        assert len(getattr(ours, name)) == 10, name
    assert np.isnan(ours.learning_rate_curve_).all()  # L-BFGS has no step size


# ------------------------------------------------------------ one class


@pytest.mark.parametrize(
    "params",
    [{}, {"solver": "sgd"}, {"solver": "lbfgs"}, {"early_stopping": True}],
    ids=["adam", "sgd", "lbfgs", "early_stopping"],
)
def test_one_class_fits_and_predicts_it(iris, params):
    X, _ = iris
    y = np.full(len(X), "setosa")
    for model in pair(max_iter=5, **params):
        model.fit(X, y)
        assert_array_equal(model.predict(X[:7]), ["setosa"] * 7)
        assert_array_equal(model.classes_, ["setosa"])
        assert model.n_outputs_ == 1
        assert model.score(X, y) == 1.0
    ours, theirs = pair(max_iter=5, **params)
    # Ours: one probability column per class, which is 1 (documented);
    # MLPClassifier gives two columns for its one class.
    assert_array_equal(ours.fit(X, y).predict_proba(X[:3]), np.ones((3, 1)))
    assert theirs.fit(X, y).predict_proba(X[:3]).shape == (3, 2)


def test_one_class_through_partial_fit(iris):
    X, _ = iris
    for model in pair(solver="sgd"):
        model.partial_fit(X, np.zeros(len(X)), classes=[0])
        assert_array_equal(model.predict(X[:4]), np.zeros(4))


# -------------------------------------------------- the stratified hold-out


def test_a_binary_class_of_one_member_is_an_error_as_in_mlpclassifier():
    """MLPClassifier names the class by its label binarizer's value ('True');
    ours says the same, then names the label."""
    X = [[1, 2], [2, 3], [3, 4], [4, 5]]
    y = [0, 0, 0, 7]
    start = "The least populated classes in y have only 1 member, which is too few"
    messages = []
    for model in pair(early_stopping=True):
        with pytest.raises(ValueError, match=re.escape(start)) as error:
            model.fit(X, y)
        messages.append(str(error.value))
    assert all("Classes with too few members are: ['True']" in m for m in messages)
    assert "(whether y == 7; the class of 1 member is [7])" in messages[0]
    assert "X_val" in messages[0]
    # A validation set of one's own needs no split.
    ours = pair(early_stopping=True, max_iter=3)[0]
    ours.fit(X, y, X_val=X, y_val=y)
    assert len(ours.validation_scores_) == ours.n_iter_


def test_a_binary_split_too_small_for_both_classes_is_an_error(iris):
    X, y = iris
    X, y = X[45:55], y[45:55]  # five of each of two classes
    for model in pair(early_stopping=True, validation_fraction=0.1):
        with pytest.raises(ValueError, match="test_size = 1|would hold 1 sample"):
            model.fit(X, y)


def test_multiclass_targets_that_cannot_be_stratified_warn(iris):
    """MLPClassifier never stratifies multiclass targets (it fits); ours
    stratifies where it can, and otherwise warns and splits as MLPClassifier."""
    X, y = iris
    X, y = X[:101], y[:101]  # one sample of class 2
    ours, theirs = pair(early_stopping=True, max_iter=3)
    theirs.fit(X, y)
    with pytest.warns(UserWarning, match=r"only 1 member.* are: \[2\]"):
        ours.fit(X, y)
    assert len(ours.validation_scores_) == 3
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ours.fit(X[:100], y[:100])  # two classes of 50: stratified, quietly
    assert not [w for w in caught if "stratif" in str(w.message)]


# -------------------------------------------------------------- messages


def test_warm_start_with_other_classes_says_what_mlpclassifier_says(iris):
    X, y = iris
    messages = []
    for model in pair(warm_start=True, max_iter=2):
        model.fit(X, y)
        with pytest.raises(ValueError) as error:
            model.fit(X[:100], y[:100])
        messages.append(str(error.value).rstrip("."))
    assert messages[0] == messages[1]
