"""ONNX export of :class:`~skmlp.MLPDigitClassifier` through skl2onnx.

:func:`register_onnx_converter` tells skl2onnx how to convert the classifier,
after which ``skl2onnx.to_onnx(model, X[:1])`` works as for scikit-learn's own
classifiers, inside pipelines too, with the same ``zipmap``, ``nocl`` and
``output_class_labels`` options.

The graph per layer is ``MatMul`` then ``Add`` then the activation (each
activation's record in :mod:`skmlp._layers` writes its own: ``Relu``,
``Tanh``, ``Sigmoid``, ``Identity``, or ``Mul`` and ``Max`` for leaky_relu;
none after the output layer), then the output layer's operator (``Softmax``
over the classes). The
probabilities are the second output; the first, the label, is ``ArgMax`` of
the probabilities looked up in ``classes_`` with ``Gather`` (int64 for
integer and boolean classes, strings for string classes). A model of
multilabel targets (``out_activation_ == 'logistic'``) ends in ``Sigmoid``
instead, and its label output is the int64 indicator matrix of the
probabilities above 0.5 (``Greater`` and ``Cast``), as ``predict`` gives.

The graph computes in the dtype of its input: ``DoubleTensorType`` gives a
float64 graph, ``FloatTensorType`` a float32 one (the weights are cast to it).
Other inputs (int64, bool) are cast to the dtype of the model's weights.

Importing skl2onnx (and onnx) adds about half a second, so ``import skmlp``
does not import it, nor touch Python's import machinery: it registers the
converter if skl2onnx is imported already, and otherwise leaves that to an
explicit :func:`register_onnx_converter`.
"""

import sys
import threading
import warnings

import numpy as np

from ._array_api._prediction import fitted_on_array_api
from ._layers import ACTIVATIONS, OUTPUT_LAYERS

__all__ = ["register_onnx_converter"]

#: The name under which skl2onnx knows the converter and shape calculator.
ALIAS = "SkmlpMLPDigitClassifier"

_lock = threading.Lock()
_registered = False


def register_onnx_converter():
    """Register the skl2onnx converter of :class:`~skmlp.MLPDigitClassifier`.

    Afterwards ``skl2onnx.to_onnx`` converts the classifier, alone or at the
    end of a pipeline, as it does scikit-learn's classifiers. ``import skmlp``
    calls it already when skl2onnx was imported first; otherwise call it once
    before converting. Calling it again does nothing.

    Raises
    ------
    ImportError
        If skl2onnx is not installed.

    Examples
    --------
    >>> import skmlp
    >>> skmlp.register_onnx_converter()  # doctest: +SKIP
    """
    global _registered
    with _lock:
        if _registered:
            return
        try:
            from skl2onnx import update_registered_converter
        except ImportError as exc:
            raise ImportError(
                "register_onnx_converter needs skl2onnx, which is not installed. "
                'Install it with pip install "skmlp[onnx]" (or pip install skl2onnx).'
            ) from exc

        from ._classifier import MLPDigitClassifier

        # No parser of our own: with a 'zipmap' option, skl2onnx uses its
        # classifier parser, which declares the label and probability outputs
        # and appends ZipMap (or the per-class columns) as the option asks,
        # exactly as for scikit-learn's classifiers.
        update_registered_converter(
            MLPDigitClassifier,
            ALIAS,
            calculate_output_shapes,
            convert_mlp_digit_classifier,
            options={
                "zipmap": [True, False, "columns"],
                "nocl": [False, True],
                "output_class_labels": [False, True],
            },
        )
        _registered = True


def _register_if_skl2onnx_imported():
    """Register the converter if skl2onnx is imported already; called by
    ``import skmlp``, which must neither import skl2onnx (slow) nor fail
    because of it: a converter that cannot register is a warning."""
    if sys.modules.get("skl2onnx") is None:
        return
    try:
        register_onnx_converter()
    except Exception as exc:
        warnings.warn(
            f"skmlp could not register its skl2onnx converter: {exc!r}",
            RuntimeWarning,
        )


# ------------------------------------------------------------- conversion


def _graph_dtype(input_type, model):
    """NumPy dtype the graph computes in: the input's if it is a float
    tensor, else the model's weights'."""
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

    if isinstance(input_type, DoubleTensorType):
        return np.dtype(np.float64)
    if isinstance(input_type, FloatTensorType):
        return np.dtype(np.float32)
    if all(np.asarray(c).dtype == np.float32 for c in model.coefs_):
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def _label_values(classes):
    """The class labels as the ONNX label output holds them.

    Returns
    -------
    is_string : bool
        True for string labels, False for int64 ones.
    values : ndarray
        int64 labels, or an object array of UTF-8 encoded bytes.
    """
    classes = np.asarray(classes)
    if classes.dtype.kind in "iub":
        as_int = classes.astype(np.int64)
        if not np.array_equal(as_int, classes):
            # uint64 labels from 2**63 on would wrap to negative numbers.
            raise ValueError(
                "ONNX class labels are int64; classes_ holds integers beyond its "
                f"range: {classes[as_int != classes]!r}. Relabel the classes, or "
                "use string labels."
            )
        return False, as_int
    if classes.dtype.kind == "f":
        # ONNX classifiers have int64 or string labels, as skl2onnx's ZipMap:
        # float labels are acceptable only when they are whole numbers.
        as_int = classes.astype(np.int64)
        if not np.array_equal(as_int, classes):
            raise ValueError(
                "ONNX class labels must be integers or strings; classes_ holds "
                f"non-integral floats: {classes!r}."
            )
        return False, as_int
    return True, np.array([str(c).encode("utf-8") for c in classes], dtype=object)


def calculate_output_shapes(operator):
    """skl2onnx shape calculator: ``label`` of shape ``[N]`` (int64 or string;
    ``[N, n_labels]`` int64 for multilabel targets) and ``probabilities`` of
    shape ``[N, n_classes]`` in the graph's dtype."""
    from skl2onnx.common.data_types import (
        BooleanTensorType,
        DoubleTensorType,
        FloatTensorType,
        Int64TensorType,
        StringTensorType,
    )
    from skl2onnx.common.utils import (
        check_input_and_output_numbers,
        check_input_and_output_types,
    )
    from skl2onnx.common.utils_classifier import get_label_classes

    check_input_and_output_numbers(operator, input_count_range=1, output_count_range=2)
    check_input_and_output_types(
        operator,
        good_input_types=[
            FloatTensorType,
            DoubleTensorType,
            Int64TensorType,
            BooleanTensorType,
        ],
    )
    model = operator.raw_operator
    n_rows = operator.inputs[0].get_first_dimension()
    is_string, _ = _label_values(get_label_classes(operator.scope_inst, model))
    if _is_multilabel(model):
        label_shape = [n_rows, len(model.classes_)]
    else:
        label_shape = [n_rows]
    label_type = StringTensorType if is_string else Int64TensorType
    operator.outputs[0].type = label_type(shape=label_shape)
    proba_type = (
        DoubleTensorType
        if _graph_dtype(operator.inputs[0].type, model) == np.float64
        else FloatTensorType
    )
    operator.outputs[1].type = proba_type(shape=[n_rows, len(model.classes_)])


class GraphWriter:
    """Adds nodes and constants to the ONNX graph of one conversion: what the
    layer records' ONNX writers (:mod:`skmlp._layers`) are given.

    Parameters
    ----------
    scope, container
        skl2onnx's, for this conversion.
    dtype : numpy dtype
        The graph's: constants are cast to it.
    """

    def __init__(self, scope, container, dtype):
        from onnx import TensorProto

        self.scope, self.container, self.dtype = scope, container, dtype
        self.onnx_dtype = (
            TensorProto.DOUBLE if dtype == np.float64 else TensorProto.FLOAT
        )
        self._constants = {}

    def constant(self, prefix, array):
        """The name of a constant holding ``array`` in the graph's dtype;
        one per ``prefix``, however often it is asked for."""
        if prefix not in self._constants:
            self._constants[prefix] = self.initializer(prefix, array)
        return self._constants[prefix]

    def initializer(self, prefix, array):
        """The name of a new constant holding ``array`` in the graph's dtype."""
        from onnx import numpy_helper

        name = self.scope.get_unique_variable_name(prefix)
        # Through a TensorProto, the values travel as raw bytes: exact, and
        # fast for large weight matrices.
        tensor = numpy_helper.from_array(np.ascontiguousarray(array, dtype=self.dtype))
        self.container.add_initializer(
            name, self.onnx_dtype, list(np.shape(array)), tensor
        )
        return name

    def node(self, op_type, inputs, prefix, output=None, **attrs):
        """Add an ``op_type`` node; return the name of its output."""
        output = output or self.scope.get_unique_variable_name(prefix)
        self.container.add_node(
            op_type,
            inputs,
            output,
            name=self.scope.get_unique_operator_name(op_type),
            **attrs,
        )
        return output


def convert_mlp_digit_classifier(scope, operator, container):
    """skl2onnx converter: writes the forward pass, the output layer and the
    label lookup of a fitted :class:`~skmlp.MLPDigitClassifier` into the
    graph."""
    from onnx import TensorProto, numpy_helper
    from skl2onnx.common.utils_classifier import get_label_classes

    model = operator.raw_operator
    if fitted_on_array_api(model.__dict__):
        raise ValueError(
            "This MLPDigitClassifier holds its weights in "
            f"{type(model.coefs_[0]).__module__} arrays (fitted under array API "
            "dispatch): convert a NumPy copy, skmlp.utils.to_numpy(model)."
        )
    graph = GraphWriter(scope, container, _graph_dtype(operator.inputs[0].type, model))
    node = graph.node

    x = operator.inputs[0].full_name
    if not isinstance(operator.inputs[0].type, _float_tensor_types()):
        x = node("Cast", x, "cast_input", to=graph.onnx_dtype)

    activation = ACTIVATIONS.get(model.activation)
    if activation is None:
        raise NotImplementedError(
            f"The ONNX converter of skmlp does not know activation="
            f"{model.activation!r}."
        )
    output = _output_layer(model)

    n_layers = len(model.coefs_)
    for l, (coef, intercept) in enumerate(zip(model.coefs_, model.intercepts_)):
        coef, intercept = np.asarray(coef), np.asarray(intercept)
        x = node("MatMul", [x, graph.initializer(f"coef_{l}", coef)], f"matmul_{l}")
        x = node(
            "Add", [x, graph.initializer(f"intercept_{l}", intercept)], f"logits_{l}"
        )
        if l < n_layers - 1:
            x = activation.write_onnx(graph, x, l)

    proba = node(
        output.onnx_op,
        x,
        "probabilities",
        output=operator.outputs[1].full_name,
        **output.onnx_attributes,
    )
    if output.multilabel:
        # A label is on when its probability exceeds 0.5, as predict decides.
        on = node("Greater", [proba, graph.initializer("half", 0.5)], "labels_on")
        node(
            "Cast",
            on,
            "label",
            output=operator.outputs[0].full_name,
            to=TensorProto.INT64,
        )
        return
    # ArgMax of the probabilities, not the logits, as predict does: the two
    # can differ where exp rounds two logits to the same probability.
    index = node("ArgMax", proba, "label_index", axis=1, keepdims=0)
    is_string, labels = _label_values(get_label_classes(scope, model))
    classes_name = scope.get_unique_variable_name("classes")
    if is_string:
        # String tensors have no raw-bytes form: pass the values as a list.
        classes = labels.tolist()
        container.add_initializer(
            classes_name, TensorProto.STRING, [len(labels)], classes
        )
    else:
        classes = numpy_helper.from_array(labels)
        container.add_initializer(
            classes_name, TensorProto.INT64, [len(labels)], classes
        )
    node(
        "Gather",
        [classes_name, index],
        "label",
        output=operator.outputs[0].full_name,
        axis=0,
    )


def _output_layer(model):
    """The output layer record of a model (a softmax for an unknown name)."""
    return OUTPUT_LAYERS.get(
        getattr(model, "out_activation_", "softmax"), OUTPUT_LAYERS["softmax"]
    )


def _is_multilabel(model):
    """Whether the model was trained on multilabel targets (one output per label)."""
    return _output_layer(model).multilabel


def _float_tensor_types():
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

    return (DoubleTensorType, FloatTensorType)
