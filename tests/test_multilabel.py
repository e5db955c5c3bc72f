"""Multilabel targets, pinned against MLPClassifier.

MLPClassifier fits an indicator matrix ``y`` of shape ``(n_samples,
n_labels)`` with one logistic output unit per label and the binary
cross-entropy summed over the labels: ``predict`` thresholds each probability
at 0.5, ``predict_proba`` gives one probability per label, ``score`` is the
subset accuracy. Each test fits both on the same data, with the user guide's
parameter mapping, and compares what its behaviour is about. (The weights
themselves are compared in test_mlpclassifier_equivalence.py.)
"""

import warnings

import joblib
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn.datasets import make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_sample_weight

from skmlp import MLPDigitClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

N_LABELS = 4


@pytest.fixture(scope="module")
def data():
    X, Y = make_multilabel_classification(
        n_samples=150,
        n_features=8,
        n_classes=N_LABELS,
        allow_unlabeled=True,
        random_state=0,
    )
    return StandardScaler().fit_transform(X), Y


def both(X, Y, hidden=(20,), learning_rate_init=0.001, **params):
    """(ours, theirs) fitted with the same settings, through the user guide's
    mapping (learning_rate_init is our learning_rate)."""
    params = {"max_iter": 50, "random_state": 0, **params}
    ours = MLPDigitClassifier(hidden, learning_rate=learning_rate_init, **params)
    theirs = MLPClassifier(hidden, learning_rate_init=learning_rate_init, **params)
    return ours.fit(X, Y), theirs.fit(X, Y)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_predictions_have_mlpclassifiers_shapes_and_dtypes(data, dtype):
    X, Y = data
    X = X.astype(dtype)
    # A stochastic solver: MLPClassifier's lbfgs turns float32 weights into
    # float64 ones (skmlp's keeps them float32).
    ours, theirs = both(X, Y, max_iter=300, learning_rate_init=0.01)

    for name in ("n_outputs_", "out_activation_", "n_layers_"):
        assert getattr(ours, name) == getattr(theirs, name), name
    assert ours.out_activation_ == "logistic" and ours.n_outputs_ == N_LABELS
    assert_array_equal(ours.classes_, theirs.classes_)
    assert ours.classes_.dtype == theirs.classes_.dtype
    for method in ("predict", "predict_proba", "predict_log_proba"):
        mine, reference = getattr(ours, method)(X), getattr(theirs, method)(X)
        assert type(mine) is type(reference), method
        assert mine.shape == reference.shape == Y.shape, method
        assert mine.dtype == reference.dtype, method
    proba = ours.predict_proba(X)
    assert_array_equal(ours.predict(X), proba > 0.5)
    # As MLPClassifier's (log of predict_proba), with no log(0) = -inf.
    assert_allclose(ours.predict_log_proba(X), np.log(proba), rtol=1e-6)
    assert np.isfinite(ours.predict_log_proba(X * 1e6)).all()
    # One probability per label: rows do not sum to one.
    assert np.abs(proba.sum(axis=1) - 1).max() > 0.1
    # score is the subset accuracy, as MLPClassifier's.
    assert ours.score(X, Y) == accuracy_score(Y, ours.predict(X))
    assert ours.score(X, Y) > 0.8 and theirs.score(X, Y) > 0.8


def test_targets_given_as_lists_or_booleans_fit_the_same(data):
    X, Y = data
    reference = MLPDigitClassifier((8,), max_iter=5, random_state=0).fit(X, Y)
    for targets in (Y.tolist(), list(Y), Y.astype(bool), sparse.csr_matrix(Y)):
        clf = MLPDigitClassifier((8,), max_iter=5, random_state=0).fit(X, targets)
        for ours, expected in zip(clf.coefs_, reference.coefs_):
            assert_array_equal(ours, expected)
        assert clf.predict(X).dtype == reference.predict(X).dtype


def test_stochastic_fit_learns_as_well_as_mlpclassifier(data):
    X, Y = data
    ours, theirs = both(X, Y, max_iter=200, learning_rate_init=0.01)
    assert ours.score(X, Y) >= theirs.score(X, Y) - 0.05
    assert ours.loss_ < 0.6 * ours.loss_curve_[0]


def test_early_stopping_watches_the_subset_accuracy(data):
    X, Y = data
    ours = MLPDigitClassifier((20,), early_stopping=True, random_state=0).fit(X, Y)
    theirs = MLPClassifier((20,), early_stopping=True, random_state=0).fit(X, Y)
    for model in (ours, theirs):
        # Multilabel targets are held out without stratification: no error
        # for label combinations that occur once.
        assert len(model.validation_scores_) == len(model.loss_curve_)
        assert model.best_validation_score_ == max(model.validation_scores_)
        assert model.best_loss_ is None

    # With a validation set of our own, the score is what score() says.
    X_train, Y_train, X_val, Y_val = X[:100], Y[:100], X[100:], Y[100:]
    monitored = MLPDigitClassifier((20,), max_iter=5, random_state=0).fit(
        X_train, Y_train, X_val=X_val, y_val=Y_val
    )
    assert monitored.validation_scores_[-1] == monitored.score(X_val, Y_val)
    proba = monitored.predict_proba(X_val)
    bce = -(Y_val * np.log(proba) + (1 - Y_val) * np.log(1 - proba)).sum(axis=1)
    assert_allclose(monitored.validation_loss_curve_[-1], bce.mean(), rtol=1e-10)


def test_partial_fit_takes_classes_as_mlpclassifier(data):
    X, Y = data
    classes = np.arange(N_LABELS)
    ours = MLPDigitClassifier((20,), solver="sgd", random_state=0)
    theirs = MLPClassifier((20,), solver="sgd", random_state=0)
    for _ in range(3):
        ours.partial_fit(X, Y, classes=classes)
        theirs.partial_fit(X, Y, classes=classes)
    ours.partial_fit(X, Y)  # classes only on the first call
    assert ours.n_iter_ == 1 and len(ours.loss_curve_) == 4
    assert ours.predict(X).shape == theirs.predict(X).shape == Y.shape
    assert_array_equal(ours.classes_, theirs.classes_)

    # Both refuse a first call without classes.
    for model in (MLPDigitClassifier(solver="sgd"), MLPClassifier(solver="sgd")):
        with pytest.raises(ValueError, match="classes"):
            model.partial_fit(X, Y)
    # Classes that are not the column indices: ours says what they must be.
    with pytest.raises(ValueError, match=r"classes=\[0, 1, 2, 3\]"):
        MLPDigitClassifier(solver="sgd").partial_fit(X, Y, classes=["a", "b"])


def test_sample_weight_zero_is_removing_the_sample(data):
    """The objective is the weighted mean over the samples: full-batch steps
    with zero weights on some samples are steps without them."""
    X, Y = data
    keep = np.arange(len(X)) % 3 != 0
    params = dict(solver="sgd", shuffle=False, max_iter=5, random_state=0)
    weighted = MLPDigitClassifier((10,), batch_size=len(X), **params).fit(
        X, Y, sample_weight=keep.astype(float)
    )
    removed = MLPDigitClassifier((10,), batch_size=int(keep.sum()), **params).fit(
        X[keep], Y[keep]
    )
    for a, b in zip(weighted.coefs_, removed.coefs_):
        assert_allclose(a, b, rtol=0, atol=1e-12)


def test_class_weight_balanced_is_compute_sample_weights(data):
    """'balanced' for an indicator matrix as scikit-learn defines it
    (compute_sample_weight: a balanced binary problem per label)."""
    X, Y = data
    params = dict(max_iter=3, random_state=0)
    balanced = MLPDigitClassifier((10,), class_weight="balanced", **params).fit(X, Y)
    explicit = MLPDigitClassifier((10,), **params).fit(
        X, Y, sample_weight=compute_sample_weight("balanced", Y)
    )
    for a, b in zip(balanced.coefs_, explicit.coefs_):
        assert_array_equal(a, b)
    with pytest.raises(ValueError, match="class_weight as a dict .* multilabel"):
        MLPDigitClassifier(class_weight={0: 2.0}).fit(X, Y)


def test_sparse_input_trains_as_dense(data):
    X, Y = data
    params = dict(max_iter=5, random_state=0)
    dense = MLPDigitClassifier((10,), **params).fit(X, Y)
    csr = MLPDigitClassifier((10,), **params).fit(sparse.csr_matrix(X), Y)
    for a, b in zip(dense.coefs_, csr.coefs_):
        assert_allclose(a, b, rtol=0, atol=1e-12)
    assert_array_equal(dense.predict(X), csr.predict(sparse.csr_matrix(X)))


def test_round_trips_through_joblib_and_skops(data, tmp_path):
    X, Y = data
    model = MLPDigitClassifier((10,), max_iter=5, random_state=0).fit(X, Y)
    joblib.dump(model, tmp_path / "model.joblib")
    loaded = [joblib.load(tmp_path / "model.joblib")]
    sio = pytest.importorskip("skops.io")
    sio.dump(model, tmp_path / "model.skops")
    untrusted = sio.get_untrusted_types(file=tmp_path / "model.skops")
    assert untrusted == ["skmlp._classifier.MLPDigitClassifier"]
    loaded.append(sio.load(tmp_path / "model.skops", trusted=untrusted))
    for copy in loaded:
        assert copy.out_activation_ == "logistic"
        assert_array_equal(copy.predict_proba(X), model.predict_proba(X))
        assert_array_equal(copy.predict(X), model.predict(X))
        copy.partial_fit(X, Y)  # and training goes on
        assert copy.n_iter_ == 1


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_onnxruntime_agrees_with_predict_proba(data, dtype):
    pytest.importorskip("skl2onnx")
    rt = pytest.importorskip("onnxruntime")
    from skl2onnx import to_onnx

    from skmlp import register_onnx_converter

    register_onnx_converter()
    X, Y = data
    X = X.astype(dtype)
    model = MLPDigitClassifier((12, 6), "tanh", max_iter=30, random_state=0)
    model.fit(X, Y)
    onx = to_onnx(model, X[:1], options={"zipmap": False})
    session = rt.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    labels, proba = session.run(None, {"X": X})
    expected = model.predict_proba(X)
    assert_allclose(proba, expected, rtol=0, atol=1e-6)
    assert labels.shape == Y.shape and labels.dtype == np.int64
    # onnxruntime's products are not skmlp's: a label may differ only where
    # its probability is within the tolerance of the 0.5 threshold.
    clear = np.abs(expected - 0.5) > 2e-6
    assert clear.mean() > 0.95
    assert_array_equal(labels[clear], model.predict(X)[clear])


def test_targets_neither_labels_nor_indicators_are_refused(data):
    X, Y = data
    multiclass_multioutput = Y * np.arange(1, N_LABELS + 1)
    with pytest.raises(ValueError, match="multiclass-multioutput targets"):
        MLPDigitClassifier().fit(X, multiclass_multioutput)
    with pytest.raises(ValueError):  # MLPClassifier refuses them too
        MLPClassifier().fit(X, multiclass_multioutput)


@pytest.mark.parametrize("off, on", [(0, 2), (3, 7), (-1, 1), (1, 2)])
def test_two_valued_targets_other_than_0_and_1_are_refused(data, off, on):
    """scikit-learn calls any 2-D y of two values an indicator matrix, and
    MLPClassifier trains its logistic outputs towards the values themselves,
    as if they were probabilities (its label binarizer passes them through):
    with {3, 7} or {1, 2} each output is pushed on for every sample. Which value means
    "on" is the user's to say, so skmlp names the values instead of training
    on a guess (it used to count only the entries equal to 1 as on, and
    predicted every label off for {0, 2})."""
    X, Y = data
    y = np.where(Y == 1, on, off)
    with pytest.raises(
        ValueError, match=rf"y is a 2-D array of values \[{off}, {on}\]"
    ):
        MLPDigitClassifier((8,), max_iter=5).fit(X, y)
    with pytest.raises(ValueError, match="y_val is a 2-D array of values"):
        MLPDigitClassifier((8,), max_iter=5).fit(X, Y, X_val=X, y_val=y)
    theirs = MLPClassifier((8,), max_iter=200, random_state=0).fit(X, y)
    assert_array_equal(theirs._label_binarizer.transform(y), y)  # not 0 and 1
    if off >= 1:  # both values 1 or more: labels are pushed on, not learnt
        assert theirs.predict(X).mean() > Y.mean() + 0.3
    # Once the user says which value is on, both learn the same problem.
    ours, theirs = both(X, y == on, max_iter=200, learning_rate_init=0.01)
    assert ours.score(X, Y) >= theirs.score(X, Y) - 0.05


def test_a_fitted_model_keeps_its_kind_of_targets(data):
    X, Y = data
    model = MLPDigitClassifier((6,), max_iter=2, warm_start=True).fit(X, Y)
    with pytest.raises(ValueError, match="one label per sample, but the model"):
        model.fit(X, Y[:, 0] + 2 * Y[:, 1])
    with pytest.raises(ValueError, match="3 labels .* trained on 4"):
        model.fit(X, Y[:, :3])
    with pytest.raises(ValueError, match="y_val must be an indicator matrix of the 4"):
        MLPDigitClassifier((6,), max_iter=2).fit(X, Y, X_val=X, y_val=Y[:, 0])
    labels = MLPDigitClassifier((6,), max_iter=2, warm_start=True).fit(X, Y[:, 0])
    with pytest.raises(ValueError, match="multilabel indicator matrix, but the model"):
        labels.fit(X, Y)


def test_the_command_line_refuses_a_multilabel_model(data, tmp_path, capsys):
    from cli_helpers import assert_one_line_error, run

    X, Y = data
    model = MLPDigitClassifier((6,), max_iter=2).fit(X[:, :4].repeat(16, 1), Y)
    joblib.dump(model, tmp_path / "multilabel.joblib")
    for command in ("evaluate", "predict"):
        extra = ["--data", "digits"] if command == "evaluate" else ["x.png"]
        argv = [command, str(tmp_path / "multilabel.joblib"), "--trust-pickle", *extra]
        status, _, err = run(capsys, argv)
        assert status == 1
        assert_one_line_error(err)
        assert "multilabel classifier (4 labels)" in err


def test_plots_of_a_multilabel_model(data):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skmlp.plotting import MisclassifiedDigitsDisplay, TrainingCurveDisplay

    X, Y = data
    X = np.hstack([X, X])[:, :16]  # 4x4 "images"
    model = MLPDigitClassifier((6,), max_iter=4, early_stopping=True).fit(X, Y)
    display = TrainingCurveDisplay.from_estimator(model)
    assert len(display.loss_line_.get_xdata()) == 4
    with pytest.raises(ValueError, match="one label per image"):
        MisclassifiedDigitsDisplay.from_estimator(model, X, Y)
    plt.close("all")


def test_fits_without_warnings_other_than_convergence(data):
    X, Y = data
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ConvergenceWarning)
        MLPDigitClassifier((6,), max_iter=3).fit(X.astype(np.float32), Y)
        MLPDigitClassifier((6,), solver="lbfgs", max_iter=3).fit(X, Y)
