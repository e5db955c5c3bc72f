"""skmlp._fitted_state: a fitted state read from a file is checked for type
and shape before it is used (issue 29, problem 5)."""

import copy
import pickle
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import MLPDigitClassifier
from skmlp._fitted_state import check_fitted_model, check_network_state

RNG = np.random.RandomState(0)
X = RNG.rand(60, 16)
Y = np.arange(60) % 3


@pytest.fixture(scope="module")
def fitted():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return MLPDigitClassifier((5, 4), max_iter=3, random_state=0).fit(X, Y)


def forged(model, **attributes):
    model = copy.deepcopy(model)
    model.__dict__.update(attributes)
    return model


# Forged states and what the error says. The first four are the issue's.
FORGED = {
    "coefs-empty": (dict(coefs_=[]), r"coefs_ is \[\], not a non-empty list of"),
    "coefs-ints": (dict(coefs_=[1, 2]), r"coefs_ is \[1, 2\], not a non-empty list"),
    "out-activation-list": (
        dict(out_activation_=["softmax"]),
        r"out_activation_ is \['softmax'\], not one of \['logistic', 'softmax'\]",
    ),
    "out-activation-unknown": (
        dict(out_activation_="relu"),
        r"out_activation_ is 'relu', not one of",
    ),
    "activation-list": (dict(activation=["relu"]), r"activation is \['relu'\]"),
    "coefs-1d": (
        dict(coefs_=[np.zeros(16)]),
        r"coefs_ is .*, not a non-empty list of float32 or float64 matrices",
    ),
    "coefs-of-objects": (
        dict(coefs_=[np.empty((16, 3), dtype=object)]),
        r"coefs_ is .*float32 or float64 matrices",
    ),
    "intercepts-missing-a-layer": (
        "drop-intercept",
        r"coefs_ holds 3 layers but intercepts_ 2",
    ),
    "chain-broken": ("break-chain", r"coefs_\[1\] has shape \(6, 4\), but its layer "),
    "first-layer-not-n-features": (
        dict(n_features_in_=15),
        r"coefs_\[0\] has shape \(16, 5\), but its layer has 15 inputs "
        r"\(n_features_in_\)",
    ),
    "intercept-shape": ("bad-intercept", r"intercepts_\[0\] has shape \(4,\), not"),
    "layer-without-units": (
        "no-units",
        r"coefs_\[0\] has shape \(16, 0\): a layer without units",
    ),
    "n-features-string": (dict(n_features_in_="16"), r"n_features_in_ is '16', not"),
    "n-features-bool": (dict(n_features_in_=True), r"n_features_in_ is True, not"),
    "classes-2d": (dict(classes_=np.zeros((3, 1))), r"classes_ is .*, not a 1-D array"),
    "classes-too-few": (
        dict(classes_=np.array([0, 1])),
        r"classes_ is array\(\[0, 1\]\), not a 1-D array of 3 labels",
    ),
    "classes-a-list": (dict(classes_=[0, 1, 2]), r"classes_ is \[0, 1, 2\], not"),
    "classes-of-arrays": (
        dict(classes_=np.array([np.zeros(2), 1, 2], dtype=object)),
        r"classes_ is .*labels \(numbers or strings\)",
    ),
    "classes-missing": ("drop-classes", r"it has no classes_"),
}


def _forge(model, case):
    attributes, _ = FORGED[case]
    if attributes == "drop-intercept":
        return forged(model, intercepts_=model.intercepts_[:2])
    if attributes == "break-chain":
        return forged(
            model, coefs_=[model.coefs_[0], np.zeros((6, 4)), model.coefs_[2]]
        )
    if attributes == "bad-intercept":
        return forged(model, intercepts_=[np.zeros(4), *model.intercepts_[1:]])
    if attributes == "no-units":
        return forged(
            model,
            coefs_=[np.zeros((16, 0)), np.zeros((0, 4)), model.coefs_[2]],
            intercepts_=[np.zeros(0), *model.intercepts_[1:]],
        )
    if attributes == "drop-classes":
        model = copy.deepcopy(model)
        del model.classes_
        return model
    return forged(model, **attributes)


@pytest.mark.parametrize("case", sorted(FORGED))
def test_forged_states_are_a_value_error_naming_the_attribute(fitted, case):
    model = _forge(fitted, case)
    message = FORGED[case][1]
    with pytest.raises(ValueError, match="^MLPDigitClassifier is damaged: " + message):
        check_network_state(model.__dict__)


@pytest.mark.parametrize("case", ["coefs-empty", "coefs-ints", "out-activation-list"])
def test_restoring_a_forged_state_is_a_value_error_in_python(fitted, case):
    """Pickle, joblib and skops restore through __setstate__, which checks
    the state: loading fails before predict could raise IndexError,
    AttributeError or TypeError."""
    model = _forge(fitted, case)
    data = pickle.dumps(model)
    with pytest.raises(ValueError, match="MLPDigitClassifier is damaged: "):
        pickle.loads(data)


def test_restoring_a_forged_skops_file_is_a_value_error(fitted, tmp_path):
    sio = pytest.importorskip("skops.io")
    path = tmp_path / "forged.skops"
    sio.dump(_forge(fitted, "coefs-ints"), path)
    with pytest.raises(ValueError, match=r"damaged: coefs_ is \[1, 2\]"):
        sio.load(path, trusted=["skmlp._classifier.MLPDigitClassifier"])


def test_fitted_states_pass_as_fit_makes_them(fitted):
    check_network_state(fitted.__dict__)
    check_network_state(MLPDigitClassifier().__dict__)  # not fitted: nothing
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict(X), fitted.predict(X))
    # Models saved before out_activation_ existed are softmax models.
    old = copy.deepcopy(fitted)
    del old.out_activation_
    check_network_state(old.__dict__)
    # float32 weights, string labels, a multilabel model, a binary one.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        models = [
            MLPDigitClassifier((3,), max_iter=2).fit(X.astype(np.float32), Y),
            MLPDigitClassifier((3,), max_iter=2).fit(X, np.array(list("abc"))[Y]),
            MLPDigitClassifier((3,), max_iter=2).fit(X, np.eye(3, dtype=int)[Y]),
            MLPDigitClassifier((), max_iter=2).fit(X, Y % 2),
        ]
    for model in models:
        check_network_state(model.__dict__)
        check_fitted_model(model)


def test_pipelines_are_checked_step_by_step(fitted):
    pipe = make_pipeline(StandardScaler().fit(X), fitted)
    check_fitted_model(pipe)
    check_fitted_model(Pipeline([("skip", "passthrough"), ("net", fitted)]))
    check_fitted_model(LogisticRegression().fit(X, Y))  # other classifiers pass
    broken = make_pipeline(StandardScaler().fit(X), _forge(fitted, "coefs-empty"))
    with pytest.raises(
        ValueError,
        match=r"^MLPDigitClassifier \(step 1 of the Pipeline\) is damaged: coefs_ is",
    ):
        check_fitted_model(broken)


@pytest.mark.parametrize(
    "steps, message",
    [
        (
            lambda scaler, net: [("a", scaler, "extra"), ("net", net)],
            r"step 0 of the Pipeline is \('a', StandardScaler\(\), 'extra'\), not a "
            r"\(name, step\) pair",
        ),
        (lambda scaler, net: [], r"Pipeline.steps is \[\], not a non-empty list"),
        (lambda scaler, net: "steps", r"Pipeline.steps is 'steps', not a non-empty"),
        (
            lambda scaler, net: [(0, scaler), ("net", net)],
            r"the name of step 0 of the Pipeline is 0, not a string of its own",
        ),
        (
            lambda scaler, net: [("net", scaler), ("net", net)],
            r"the name of step 1 of the Pipeline is 'net', not a string of its own",
        ),
        (
            lambda scaler, net: [("net", net), ("scale", scaler)],
            r"step 0 of the Pipeline is MLPDigitClass.*, not a transformer",
        ),
        (
            lambda scaler, net: [("scale", scaler)],
            r"holds a StandardScaler, not a fitted classifier",
        ),
    ],
)
def test_forged_pipeline_steps_are_a_value_error_naming_the_step(
    fitted, steps, message
):
    pipe = make_pipeline(StandardScaler().fit(X), fitted)
    pipe.steps = steps(pipe[0], pipe[1])
    with pytest.raises(ValueError, match="^model.skops .*" + message):
        check_fitted_model(pipe, where="model.skops")
