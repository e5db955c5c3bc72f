"""ONNX export: onnxruntime predicts what MLPDigitClassifier predicts."""

import os
import subprocess
import sys
import textwrap
import types
import warnings
from pathlib import Path

import numpy as np
import onnxruntime as rt
import pytest
import skl2onnx
from numpy.testing import assert_allclose, assert_array_equal
from skl2onnx.common.data_types import (
    DoubleTensorType,
    FloatTensorType,
    Int64TensorType,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skmlp
from skmlp import MLPDigitClassifier
from skmlp._layers import ACTIVATIONS
from skmlp._onnx import (
    ALIAS,
    _register_if_skl2onnx_imported,
    register_onnx_converter,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# Where the skmlp under test lives (site-packages, or an in-place build): child
# interpreters start there, so that the repository's uncompiled sources
# cannot shadow it.
REPO = Path(skmlp.__file__).resolve().parents[1]

#: Largest difference allowed between onnxruntime's and skmlp's probabilities.
ATOL = {np.float32: 1e-5, np.float64: 1e-10}
TENSOR_TYPES = {np.float32: FloatTensorType, np.float64: DoubleTensorType}


@pytest.fixture(scope="module", autouse=True)
def converter():
    # Register explicitly: these tests check the converter, not the wiring in
    # skmlp/__init__.py (the registration tests below do).
    register_onnx_converter()


def _labels(y, kind):
    if kind == "int":
        return y
    if kind == "str":
        return np.array([f"digit {v}" for v in y])
    # Two classes, with labels that are not their indices.
    return np.where(y >= 5, 7, -3)


def _fit(X, y, dtype, activation="relu", **params):
    params = {
        "hidden_layer_sizes": (24, 12),
        "max_iter": 30,
        "random_state": 0,
        **params,
    }
    return MLPDigitClassifier(activation=activation, **params).fit(X.astype(dtype), y)


def _session(onx):
    options = rt.SessionOptions()
    # One thread: keeps the test light and the sums in a fixed order.
    options.intra_op_num_threads = 1
    return rt.InferenceSession(
        onx.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )


def _assert_same_labels(onnx_labels, expected, proba, atol):
    """onnxruntime's labels are ``expected`` wherever the decision is clear.

    onnxruntime computes the probabilities with GEMMs of its own, equal to
    skmlp's ``proba`` within ``atol`` (checked by every caller): where the
    two most probable classes of a row are more than ``2 * atol`` apart, both
    pick the same class. Closer rows may go either way, bit differences being
    what they are; they must be rare, or this test would check nothing.
    """
    top_two = np.sort(proba, axis=1)[:, -2:]
    clear = top_two[:, 1] - top_two[:, 0] > 2 * atol
    assert clear.mean() > 0.95, f"only {clear.sum()} of {len(clear)} rows are clear"
    assert_array_equal(np.asarray(onnx_labels)[clear], np.asarray(expected)[clear])


def _run(model, X, tensor_type, options=None):
    onx = skl2onnx.to_onnx(
        model,
        initial_types=[("X", tensor_type([None, X.shape[1]]))],
        options={"zipmap": False} if options is None else options,
    )
    return _session(onx).run(None, {"X": X})


@pytest.mark.parametrize("labels", ["int", "str", "binary"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_onnxruntime_matches_predict(digits_split, activation, dtype, labels):
    X_train, X_test, y_train, _ = digits_split
    model = _fit(X_train, _labels(y_train, labels), dtype, activation)
    X_test = X_test.astype(dtype)

    label, proba = _run(model, X_test, TENSOR_TYPES[dtype])

    assert proba.dtype == dtype
    expected = model.predict_proba(X_test)
    assert_allclose(proba, expected, rtol=0, atol=ATOL[dtype])
    _assert_same_labels(label, model.predict(X_test), expected, ATOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_to_onnx_infers_input_type_from_sample(digits_split, dtype):
    # The one-liner of the user guide (onnx.md): the input type comes from X[:1].
    X_train, X_test, y_train, _ = digits_split
    model = _fit(X_train, y_train, dtype)
    X_test = X_test.astype(dtype)

    onx = skl2onnx.to_onnx(model, X_test[:1], options={"zipmap": False})
    label, proba = _session(onx).run(None, {"X": X_test})

    expected = model.predict_proba(X_test)
    assert_allclose(proba, expected, rtol=0, atol=ATOL[dtype])
    _assert_same_labels(label, model.predict(X_test), expected, ATOL[dtype])


@pytest.mark.parametrize("labels", ["int", "str"])
def test_zipmap(digits_split, labels):
    X_train, X_test, y_train, _ = digits_split
    model = _fit(X_train, _labels(y_train, labels), np.float32)
    X_test = X_test.astype(np.float32)

    label, proba_maps = _run(model, X_test, FloatTensorType, options={})

    proba = np.array([[row[c] for c in model.classes_] for row in proba_maps])
    expected = model.predict_proba(X_test)
    assert_allclose(proba, expected, rtol=0, atol=1e-5)
    _assert_same_labels(label, model.predict(X_test), expected, 1e-5)


def test_zipmap_columns(digits_split):
    X_train, X_test, y_train, _ = digits_split
    model = _fit(X_train, y_train, np.float32)
    X_test = X_test.astype(np.float32)

    label, *columns = _run(
        model, X_test, FloatTensorType, options={"zipmap": "columns"}
    )

    assert len(columns) == len(model.classes_)
    expected = model.predict_proba(X_test)
    assert_allclose(np.column_stack(columns), expected, rtol=0, atol=1e-5)
    _assert_same_labels(label, model.predict(X_test), expected, 1e-5)


def test_nocl_and_output_class_labels(digits_split):
    X_train, X_test, y_train, _ = digits_split
    model = _fit(X_train, _labels(y_train, "str"), np.float64)

    index, proba = _run(
        model, X_test, DoubleTensorType, options={"zipmap": False, "nocl": True}
    )
    expected = model.predict_proba(X_test)
    assert_allclose(proba, expected, rtol=0, atol=1e-10)
    _assert_same_labels(index, np.argmax(expected, axis=1), expected, 1e-10)

    label, proba, class_labels = _run(
        model,
        X_test,
        DoubleTensorType,
        options={"zipmap": False, "output_class_labels": True},
    )
    assert_array_equal(class_labels, model.classes_)
    _assert_same_labels(label, model.predict(X_test), expected, 1e-10)


def test_float32_model_in_float64_graph(digits_split):
    # A DoubleTensorType input makes a float64 graph, with the float32 weights
    # cast up: it differs from skmlp's float32 arithmetic by float32 rounding.
    X_train, X_test, y_train, _ = digits_split
    model = _fit(X_train, y_train, np.float32)

    label, proba = _run(model, X_test, DoubleTensorType)

    assert proba.dtype == np.float64
    assert_allclose(proba, model.predict_proba(X_test), rtol=0, atol=1e-5)


def test_int64_input_is_cast_to_the_weights_dtype(digits_split):
    X_train, X_test, y_train, _ = digits_split
    # Unscaled digits are whole numbers in [0, 16].
    X_train, X_test = np.rint(X_train * 16), np.rint(X_test * 16).astype(np.int64)
    model = _fit(X_train, y_train, np.float64, learning_rate=1e-4)

    label, proba = _run(model, X_test, Int64TensorType)

    assert proba.dtype == np.float64
    expected = model.predict_proba(X_test)
    assert_allclose(proba, expected, rtol=0, atol=1e-10)
    _assert_same_labels(label, model.predict(X_test), expected, 1e-10)


def test_bool_and_whole_float_classes_become_int64(digits_split):
    X_train, X_test, y_train, _ = digits_split
    for model in [
        _fit(X_train, y_train >= 5, np.float64),
        _fit(X_train, y_train.astype(np.float64), np.float64),
    ]:
        label, proba = _run(model, X_test, DoubleTensorType)
        assert label.dtype == np.int64
        expected = model.predict_proba(X_test)
        assert_allclose(proba, expected, rtol=0, atol=1e-10)
        _assert_same_labels(
            label, model.predict(X_test).astype(np.int64), expected, 1e-10
        )


def test_fractional_float_classes_are_refused(digits_split):
    # fit refuses such labels (check_classification_targets), but classes_ can
    # be assigned.
    X_train, _, y_train, _ = digits_split
    model = _fit(X_train, y_train, np.float64, max_iter=1)
    model.classes_ = model.classes_ + 0.5
    with pytest.raises(ValueError, match="integers or strings"):
        _run(model, X_train, DoubleTensorType)


def test_uint64_classes_beyond_int64_are_refused_not_wrapped(digits_split):
    # ONNX labels are int64: 2**63 would come back as -2**63.
    X_train, _, y_train, _ = digits_split
    y = np.where(y_train < 5, np.uint64(2**63), np.uint64(2**63 + 1))
    model = _fit(X_train, y, np.float64, max_iter=1)
    with pytest.raises(ValueError, match="beyond its range"):
        _run(model, X_train, DoubleTensorType)


def test_pipeline(digits_split):
    X_train, X_test, y_train, _ = digits_split
    pipeline = make_pipeline(
        StandardScaler(),
        MLPDigitClassifier((24,), max_iter=30, random_state=0),
    ).fit(X_train, y_train)

    label, proba = _run(pipeline, X_test, DoubleTensorType)

    # StandardScaler's graph divides where scikit-learn multiplies (or the
    # reverse): a few ulps, amplified by the network.
    expected = pipeline.predict_proba(X_test)
    assert_allclose(proba, expected, rtol=0, atol=1e-9)
    _assert_same_labels(label, pipeline.predict(X_test), expected, 1e-9)


# ------------------------------------------------------------- registration


def test_register_is_idempotent(monkeypatch):
    from skl2onnx._supported_operators import sklearn_operator_name_map

    calls = []

    def update_registered_converter(*args, **kwargs):
        calls.append(args[0])
        return skl2onnx_update(*args, **kwargs)

    skl2onnx_update = skl2onnx.update_registered_converter
    monkeypatch.setattr(
        skl2onnx, "update_registered_converter", update_registered_converter
    )
    monkeypatch.setattr("skmlp._onnx._registered", False)
    for _ in range(3):
        assert register_onnx_converter() is None
    assert calls == [MLPDigitClassifier]
    assert sklearn_operator_name_map[MLPDigitClassifier] == ALIAS


def test_register_without_skl2onnx_says_how_to_install_it(monkeypatch):
    # None in sys.modules makes `import skl2onnx` fail as if not installed.
    monkeypatch.setitem(sys.modules, "skl2onnx", None)
    monkeypatch.setattr("skmlp._onnx._registered", False)
    with pytest.raises(
        ImportError, match=r'needs skl2onnx.*pip install "skmlp\[onnx\]"'
    ):
        register_onnx_converter()


def test_import_skmlp_without_skl2onnx_is_silent(monkeypatch):
    monkeypatch.setitem(sys.modules, "skl2onnx", None)
    monkeypatch.setattr("skmlp._onnx._registered", False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _register_if_skl2onnx_imported()


def test_import_skmlp_warns_if_the_converter_cannot_register(monkeypatch):
    # A skl2onnx that lacks the registration API (too old, or a stand-in)
    # must not break `import skmlp`.
    monkeypatch.setitem(sys.modules, "skl2onnx", types.ModuleType("skl2onnx"))
    monkeypatch.setattr("skmlp._onnx._registered", False)
    with pytest.warns(RuntimeWarning, match="could not register its skl2onnx"):
        _register_if_skl2onnx_imported()


def _python(*code):
    """Run the pieces of ``code`` in a fresh interpreter, with this checkout
    first on the path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO), *filter(None, [env.get("PYTHONPATH")])]
    )
    result = subprocess.run(
        [sys.executable, "-c", "".join(textwrap.dedent(part) for part in code)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


CHECK_CONVERSION = """
    import numpy as np
    from skl2onnx._supported_operators import sklearn_operator_name_map

    assert sklearn_operator_name_map[skmlp.MLPDigitClassifier] == "{alias}"
    rng = np.random.RandomState(0)
    X, y = rng.rand(40, 3), np.arange(40) % 2
    model = skmlp.MLPDigitClassifier((4,), max_iter=2).fit(X, y)
    skl2onnx.to_onnx(model, X[:1])
"""


def test_import_skmlp_leaves_the_import_machinery_alone():
    # No finder, no path hook, no patched loader; skl2onnx imported after
    # skmlp knows nothing of it until register_onnx_converter() is called.
    _python(
        """
        import sys
        meta_path, path_hooks = list(sys.meta_path), list(sys.path_hooks)
        import skmlp
        assert sys.meta_path == meta_path, sys.meta_path
        assert sys.path_hooks == path_hooks, sys.path_hooks
        assert "skl2onnx" not in sys.modules, "import skmlp imported skl2onnx"

        import skl2onnx
        from skl2onnx._supported_operators import sklearn_operator_name_map

        assert "exec_module" not in vars(skl2onnx.__spec__.loader)
        assert skmlp.MLPDigitClassifier not in sklearn_operator_name_map
        """
    )


def test_import_skl2onnx_then_skmlp_registers():
    _python(
        """
        import skl2onnx
        import skmlp
        """,
        CHECK_CONVERSION.format(alias=ALIAS),
    )


def test_register_onnx_converter_imports_skl2onnx_and_registers():
    _python(
        """
        import sys
        import skmlp
        skmlp.register_onnx_converter()
        assert "skl2onnx" in sys.modules
        import skl2onnx
        """,
        CHECK_CONVERSION.format(alias=ALIAS),
    )
