"""MLPDigitClassifier under scikit-learn's array API dispatch: the array API
engine trains on the input's namespace with the compiled engine's semantics.

With NumPy arrays through array_api_strict and with PyTorch CPU tensors,
every optimizer's weights after three epochs (float64, dropout and
augmentation off, the same starting weights and minibatches) equal those the
compiled engine reaches on the same data as NumPy arrays, to 1e-10: the two
differ only in the order of their sums. The fitted attributes and the
predictions stay in the input's namespace and on its device; a NumPy copy of
the model comes from skmlp.utils.to_numpy.
"""

import pickle
import warnings
from functools import partial

import numpy as np
import pytest
import sklearn
from array_api_helpers import digits, namespace_on_cpu, to_numpy
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.externals import array_api_compat
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.estimator_checks import check_array_api_input

from skmlp import MLPDigitClassifier
from skmlp.utils import to_numpy as model_to_numpy

# 1e-10 in float64: the engines' sums run in different orders (BLAS and the
# compiled loops' lanes against the namespace's own), nothing else differs.
TOLERANCE = dict(rtol=1e-10, atol=1e-10)

COMMON = dict(
    hidden_layer_sizes=(24, 16),
    activation="tanh",
    l1=1e-4,
    l2=1e-3,
    batch_size=32,
    max_iter=3,
    random_state=0,
)

#: Every update rule of the engine, by the estimator's parameters.
OPTIMIZERS = {
    "sgd": dict(solver="sgd", momentum=0.0, learning_rate=0.1),
    "momentum": dict(solver="sgd", momentum=0.9, nesterov=False, learning_rate=0.05),
    "nesterov": dict(solver="sgd", momentum=0.9, nesterov=True, learning_rate=0.05),
    "adam": dict(solver="adam", learning_rate=0.01),
    "lbfgs": dict(solver="lbfgs"),
}

#: The options the engines implement besides the update rules.
OPTIONS = {
    "max_norm": dict(max_norm=0.8),
    "label_smoothing": dict(label_smoothing=0.1),
    "early_stopping": dict(early_stopping=True, validation_fraction=0.2),
    "relu": dict(activation="relu", lr_schedule="cosine"),
    "logistic": dict(activation="logistic", output_init="zeros"),
    "leaky_relu_adaptive": dict(activation="leaky_relu", lr_schedule="adaptive"),
    "class_weight": dict(class_weight="balanced"),
}


def fit_both(namespace, params, X, y, **fit_params):
    """The model fitted on NumPy arrays (compiled engine) and on the
    namespace's arrays under array API dispatch (array API engine)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference = MLPDigitClassifier(**params).fit(X, y, **fit_params)
        device_fit_params = {
            name: None if value is None else namespace.asarray(value)
            for name, value in fit_params.items()
        }
        with sklearn.config_context(array_api_dispatch=True):
            model = MLPDigitClassifier(**params).fit(
                namespace.asarray(X), namespace.asarray(y), **device_fit_params
            )
    return reference, model


def assert_same_model(model, reference):
    """The same weights (to 1e-10), optimizer state and curves."""
    for name in ("coefs_", "intercepts_"):
        for got, expected in zip(getattr(model, name), getattr(reference, name)):
            assert_allclose(to_numpy(got), expected, **TOLERANCE)
    assert_allclose(model.loss_curve_, reference.loss_curve_, **TOLERANCE)
    assert model.n_iter_ == reference.n_iter_ and model.t_ == reference.t_
    if reference.validation_scores_ is not None:
        assert_allclose(model.validation_scores_, reference.validation_scores_)
        assert_allclose(
            model.validation_loss_curve_, reference.validation_loss_curve_, **TOLERANCE
        )
    state, expected = (
        model.__dict__.get("_optimizer_state"),
        reference.__dict__.get("_optimizer_state"),
    )
    if expected is not None:
        assert state["n_steps"] == expected["n_steps"]
        for name, buffer in expected["buffers"].items():
            assert_allclose(to_numpy(state["buffers"][name]), buffer, **TOLERANCE)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_weights_after_three_epochs_equal_the_compiled_engines(namespace, optimizer):
    X, y = digits()
    sample_weight = np.random.RandomState(1).uniform(0.5, 2.0, len(y))
    reference, model = fit_both(
        namespace,
        {**COMMON, **OPTIMIZERS[optimizer]},
        X,
        y,
        sample_weight=sample_weight,
    )
    assert_same_model(model, reference)


@pytest.mark.parametrize("option", OPTIONS)
def test_training_options_equal_the_compiled_engines(namespace, option):
    X, y = digits()
    reference, model = fit_both(
        namespace, {**COMMON, **OPTIMIZERS["nesterov"], **OPTIONS[option]}, X, y
    )
    assert_same_model(model, reference)


def test_multilabel_targets_equal_the_compiled_engines(namespace):
    X, y = digits()
    Y = np.stack([y % 2, y > 4, y == 0], axis=1).astype(np.int64)
    reference, model = fit_both(namespace, {**COMMON, **OPTIMIZERS["adam"]}, X, Y)
    assert model.out_activation_ == "logistic"
    assert_same_model(model, reference)
    with sklearn.config_context(array_api_dispatch=True):
        predicted = model.predict(namespace.asarray(X))
    assert_array_equal(to_numpy(predicted), reference.predict(X))


def test_a_validation_set_of_numpy_arrays_moves_to_xs_device(namespace):
    """X_val follows X (scikit-learn's "everything follows X")."""
    X, y = digits(400)
    params = {**COMMON, **OPTIMIZERS["momentum"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference = MLPDigitClassifier(**params).fit(
            X[:300], y[:300], X_val=X[300:], y_val=y[300:]
        )
        with sklearn.config_context(array_api_dispatch=True):
            model = MLPDigitClassifier(**params).fit(
                namespace.asarray(X[:300]), y[:300], X_val=X[300:], y_val=y[300:]
            )
    assert_same_model(model, reference)


def test_partial_fit_and_warm_start_continue_on_the_device(namespace):
    X, y = digits()
    params = {**COMMON, **OPTIMIZERS["adam"], "max_iter": 1}
    reference = MLPDigitClassifier(**params)
    model = MLPDigitClassifier(**params)
    for _ in range(2):
        reference.partial_fit(X, y, classes=np.arange(10))
        with sklearn.config_context(array_api_dispatch=True):
            model.partial_fit(
                namespace.asarray(X), namespace.asarray(y), classes=np.arange(10)
            )
    assert_same_model(model, reference)
    reference.set_params(warm_start=True)
    model.set_params(warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference.fit(X, y)
        with sklearn.config_context(array_api_dispatch=True):
            model.fit(namespace.asarray(X), namespace.asarray(y))
    assert_same_model(model, reference)
    buffer = model._optimizer_state["buffers"]["m"]
    assert array_api_compat.array_namespace(buffer) is namespace.xp


def test_float32_trains_in_float32_on_the_device(namespace):
    X, y = digits()
    reference, model = fit_both(
        namespace,
        {**COMMON, **OPTIMIZERS["nesterov"]},
        X.astype(np.float32),
        y,
    )
    for got, expected in zip(model.coefs_, reference.coefs_):
        assert got.dtype == namespace.xp.float32
        assert_allclose(to_numpy(got), expected, rtol=1e-4, atol=1e-5)


def test_fitted_attributes_and_predictions_stay_in_the_namespace(namespace):
    X, y = digits()
    reference, model = fit_both(namespace, {**COMMON, **OPTIMIZERS["nesterov"]}, X, y)
    xp, device = namespace.xp, array_api_compat.device(namespace.asarray([0.0]))
    for array in [*model.coefs_, *model.intercepts_]:
        assert array_api_compat.array_namespace(array) is xp
        assert array_api_compat.device(array) == device
    # classes_ stays NumPy (labels may be strings), as scikit-learn allows.
    assert isinstance(model.classes_, np.ndarray)
    X_device = namespace.asarray(X)
    with sklearn.config_context(array_api_dispatch=True):
        for method in ("predict", "predict_proba", "predict_log_proba"):
            result = getattr(model, method)(X_device)
            assert array_api_compat.array_namespace(result) is xp
            expected = getattr(reference, method)(X)
            assert_allclose(to_numpy(result), expected, **TOLERANCE)
            assert to_numpy(result).dtype == expected.dtype
        score = model.score(X_device, namespace.asarray(y))
    # scikit-learn's accuracy_score averages in PyTorch's default float32.
    assert isinstance(score, float)
    assert_allclose(score, reference.score(X, y), rtol=1e-6)


def test_string_labels_are_predicted_as_numpy_strings(namespace):
    X, y = digits()
    labels = np.array(["zero", "one", "two", "three", "four", "5", "6", "7", "8", "9"])
    with warnings.catch_warnings(), sklearn.config_context(array_api_dispatch=True):
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPDigitClassifier(**COMMON).fit(namespace.asarray(X), labels[y])
        predicted = model.predict(namespace.asarray(X))
    assert isinstance(predicted, np.ndarray) and predicted.dtype.kind == "U"
    assert np.mean(predicted == labels[y]) > 0.3


def test_prediction_refuses_arrays_of_another_namespace(namespace):
    X, y = digits()
    reference, model = fit_both(namespace, {**COMMON, "max_iter": 1}, X, y)
    with sklearn.config_context(array_api_dispatch=True):
        with pytest.raises(ValueError, match="must use the same namespace.*to_numpy"):
            model.predict(X)
        with pytest.raises(ValueError, match="fitted on NumPy arrays"):
            reference.predict_proba(namespace.asarray(X))
    with pytest.raises(ValueError, match="need array API dispatch"):
        model.predict(X)


def test_prediction_refuses_another_namespaces_arrays_under_dispatch():
    """A model fitted on one namespace does not predict another's arrays."""
    strict, torch = namespace_on_cpu("array_api_strict"), namespace_on_cpu("torch")
    X, y = digits()
    with warnings.catch_warnings(), sklearn.config_context(array_api_dispatch=True):
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPDigitClassifier(**COMMON).fit(strict.asarray(X), y)
        with pytest.raises(ValueError, match="Fit used array_api_strict"):
            model.predict(torch.asarray(X))


def test_to_numpy_gives_a_numpy_model_that_predicts_the_same(namespace):
    X, y = digits()
    _, model = fit_both(namespace, {**COMMON, **OPTIMIZERS["adam"]}, X, y)
    with sklearn.config_context(array_api_dispatch=True):
        expected = to_numpy(model.predict_proba(namespace.asarray(X)))
    converted = model_to_numpy(model)
    assert all(isinstance(c, np.ndarray) for c in converted.coefs_)
    assert all(
        isinstance(b, np.ndarray)
        for b in converted._optimizer_state["buffers"].values()
    )
    assert not isinstance(model.coefs_[0], np.ndarray)  # the original is unchanged
    assert_allclose(converted.predict_proba(X), expected, **TOLERANCE)
    restored = pickle.loads(pickle.dumps(converted))
    assert_allclose(restored.predict_proba(X), expected, **TOLERANCE)
    # A pipeline's steps are converted alike.
    with sklearn.config_context(array_api_dispatch=True):
        pipeline = make_pipeline(FunctionTransformer(), MLPDigitClassifier(**COMMON))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            pipeline.fit(namespace.asarray(X), y)
    assert isinstance(model_to_numpy(pipeline)[-1].coefs_[0], np.ndarray)


def test_a_numpy_copy_trains_on_where_the_device_left_off(namespace):
    X, y = digits()
    params = {**COMMON, **OPTIMIZERS["nesterov"], "max_iter": 1}
    reference, model = fit_both(namespace, params, X, y)
    converted = model_to_numpy(model)
    reference.partial_fit(X, y)
    converted.partial_fit(X, y)
    assert_same_model(converted, reference)


def test_dispatch_off_trains_the_compiled_engine_on_a_numpy_copy(namespace):
    """Without array API dispatch scikit-learn converts X with NumPy: torch
    CPU tensors train the compiled engine (array_api_strict refuses)."""
    if namespace.name != "torch":
        pytest.skip("array_api_strict arrays do not convert to NumPy implicitly")
    X, y = digits()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPDigitClassifier(**COMMON).fit(namespace.asarray(X), y)
    assert isinstance(model.coefs_[0], np.ndarray)


def test_the_array_api_estimator_check_with_values(namespace):
    """scikit-learn's check_array_api_input, values and sample weights
    compared too (the estimator checks compare types and shapes only)."""
    check = partial(
        check_array_api_input,
        "MLPDigitClassifier",
        MLPDigitClassifier(max_iter=20),
        array_namespace=namespace.name,
        device_name="cpu" if namespace.name == "torch" else "CPU_DEVICE",
        dtype_name="float64",
        check_values=True,
        check_sample_weight=True,
    )
    if namespace.name != "torch":
        check()
        return
    # scikit-learn's accuracy_score averages integer labels in the
    # namespace's default float dtype, float32 for PyTorch: the score would
    # differ from NumPy's in the 8th digit whatever the predictions.
    import torch

    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        check()
    finally:
        torch.set_default_dtype(default)


def test_dropout_and_augmentation_train_alike(namespace):
    """With dropout and augmentation the engines draw other random numbers:
    the same statistics, not the same bits. Both fits learn, to similar
    losses."""
    X, y = digits(500)
    params = {
        **COMMON,
        **OPTIMIZERS["nesterov"],
        "l1": 0.0,
        "hidden_layer_sizes": (64,),
        "max_iter": 8,
        "dropout": 0.2,
        "augment": dict(rotation=10, shift=1, elastic_alpha=8, elastic_sigma=3),
    }
    reference, model = fit_both(namespace, params, X, y)
    for fitted in (model, reference):
        assert fitted.loss_curve_[-1] < 0.75 * fitted.loss_curve_[0]
    assert_allclose(model.loss_curve_, reference.loss_curve_, rtol=0.1)
    assert not np.allclose(to_numpy(model.coefs_[0]), reference.coefs_[0])


def test_a_warm_start_stays_on_the_device(namespace):
    """partial_fit and warm starts take the weights and the optimizer's state
    where they are: no round trip through the host."""
    from skmlp._network import ParameterLayout
    from skmlp._optimizers import Nesterov

    X, y = digits()
    _, model = fit_both(namespace, {**COMMON, **OPTIMIZERS["nesterov"]}, X, y)
    layout = ParameterLayout([64, 24, 16, 10])
    params = layout.pack(model.coefs_, model.intercepts_, np.float64)
    assert array_api_compat.array_namespace(params) is namespace.xp
    expected = np.concatenate(
        [
            np.concatenate([to_numpy(c).ravel(), to_numpy(b)])
            for c, b in zip(model.coefs_, model.intercepts_)
        ]
    )
    assert_array_equal(to_numpy(params), expected)
    optimizer = Nesterov(layout.n_params, np.float64, learning_rate=0.1, momentum=0.9)
    assert optimizer.load_state(model._optimizer_state)
    velocity = optimizer.buffers["velocity"]
    assert array_api_compat.array_namespace(velocity) is namespace.xp
    stored = model._optimizer_state["buffers"]["velocity"]
    assert_array_equal(to_numpy(velocity), to_numpy(stored))
    velocity += 1.0  # a copy: the stored state is left alone
    assert not np.array_equal(to_numpy(velocity), to_numpy(stored))


def test_the_onnx_converter_asks_for_a_numpy_copy(namespace):
    import skl2onnx
    from skl2onnx.common.data_types import FloatTensorType

    from skmlp import register_onnx_converter

    register_onnx_converter()
    X, y = digits()
    _, model = fit_both(namespace, {**COMMON, "max_iter": 1}, X, y)
    initial_types = [("X", FloatTensorType([None, 64]))]
    with pytest.raises(ValueError, match=r"skmlp.utils.to_numpy\(model\)"):
        skl2onnx.to_onnx(model, initial_types=initial_types)
    skl2onnx.to_onnx(model_to_numpy(model), initial_types=initial_types)


def test_checkpoints_stay_with_numpy_fits(namespace, tmp_path):
    """A checkpoint holds NumPy state: a fit on a device writes none through
    a Checkpoint callback (and says so), and resuming one on device arrays is refused
    before any work."""
    pytest.importorskip("sklearn.callback")  # set_callbacks: scikit-learn >= 1.9
    from skmlp import Checkpoint

    X, y = digits()
    path = tmp_path / "fit.ckpt"
    params = {**COMMON, **OPTIMIZERS["nesterov"], "max_iter": 2}
    MLPDigitClassifier(**params).set_callbacks(Checkpoint(path)).fit(X, y)
    assert path.exists()
    device_path = tmp_path / "device.ckpt"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with sklearn.config_context(array_api_dispatch=True):
            model = MLPDigitClassifier(**params)
            with pytest.warns(UserWarning, match="Checkpoint writes nothing"):
                model.set_callbacks(Checkpoint(device_path)).fit(
                    namespace.asarray(X), namespace.asarray(y)
                )
            with pytest.raises(ValueError, match="resume_from continues a fit on"):
                MLPDigitClassifier(**params).fit(
                    namespace.asarray(X), namespace.asarray(y), resume_from=path
                )
    assert not device_path.exists()


def test_numpy_dtype_names_each_namespaces_float_dtypes(namespace):
    """Each namespace's float32 and float64 as NumPy's, without a comparison
    across libraries (array_api_strict warns of one); NumPy's own as they are,
    and a byte order other than the machine's as the float64 it trains in."""
    from skmlp._array_api._namespace import numpy_dtype

    xp = namespace.xp
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert numpy_dtype(xp.float32) == np.float32
        assert numpy_dtype(xp.float64) == np.float64
    assert numpy_dtype(np.dtype(np.float32)) == np.float32
    assert numpy_dtype(np.float32) == np.float32
    assert numpy_dtype(np.dtype(">f4").newbyteorder("=")) == np.float32
    assert numpy_dtype(np.dtype(">f4" if np.little_endian else "<f4")) == np.float64
