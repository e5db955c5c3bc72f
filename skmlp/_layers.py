"""The kinds of layers the engine knows: one record each, read by everyone.

A hidden-layer activation is one :class:`HiddenActivation` in
:data:`ACTIVATIONS` plus its kernels in the engine's C header
(``skmlp/_engine/_vector_passes.h`` lists it, which numbers it for C and
Cython alike; ``_vector_passes_body.h`` holds its forward and backward
functions). An output layer is one :class:`OutputLayerKind` in
:data:`OUTPUT_LAYERS` plus its code (``OutputLayer`` in
``skmlp/_engine/_types.pxd``) and its kernels (``skmlp/_engine/_losses.pyx``).
The estimator's choices, the weight initialisation, prediction, the fit
loop's validation and the ONNX converter read these records; none of them
compares a layer's name.
"""

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from sklearn.externals.array_api_compat import array_namespace

from ._engine._activations import LEAKY_RELU_SLOPE
from ._engine._types import Activation, OutputLayer


class HiddenActivation(NamedTuple):
    """An activation of the hidden layers.

    Attributes
    ----------
    name : str
        The estimator's ``activation`` value.
    code : Activation
        The engine's code, which picks the kernels.
    glorot_gain : float
        Factor of the Glorot-uniform bound ``sqrt(6 / (fan_in + fan_out))``
        for the weights into a layer of these units (Glorot & Bengio's 4 for
        the logistic function, as the Theano tutorial draws them).
    write_onnx : callable
        ``write_onnx(graph, x, layer)`` adds the activation of the
        ``layer``-th hidden layer to an ONNX graph (see
        :class:`skmlp._onnx.GraphWriter`) and returns its output's name.
    """

    name: str
    code: Activation
    glorot_gain: float
    write_onnx: Callable


def _onnx_operator(op_type):
    """An ONNX writer that applies one operator of a single input."""

    def write(graph, x, layer):
        return graph.node(op_type, x, f"hidden_{layer}")

    return write


def _write_onnx_leaky_relu(graph, x, layer):
    # max(z, slope * z), which is leaky_relu for 0 < slope < 1, rather than
    # LeakyRelu: onnxruntime implements LeakyRelu for float32 only, and its
    # alpha attribute is a float32, not the model's slope in float64. This
    # computes slope * z as the compiled kernel does.
    slope = graph.constant("leaky_relu_slope", np.asarray(LEAKY_RELU_SLOPE))
    scaled = graph.node("Mul", [x, slope], f"scaled_{layer}")
    return graph.node("Max", [x, scaled], f"hidden_{layer}")


#: The hidden layers' activations, by the estimator's ``activation`` value.
ACTIVATIONS = {
    record.name: record
    for record in (
        HiddenActivation(
            "identity", Activation.IDENTITY, 1.0, _onnx_operator("Identity")
        ),
        HiddenActivation(
            "logistic", Activation.LOGISTIC, 4.0, _onnx_operator("Sigmoid")
        ),
        HiddenActivation("tanh", Activation.TANH, 1.0, _onnx_operator("Tanh")),
        HiddenActivation("relu", Activation.RELU, 1.0, _onnx_operator("Relu")),
        HiddenActivation(
            "leaky_relu", Activation.LEAKY_RELU, 1.0, _write_onnx_leaky_relu
        ),
    )
}


class OutputLayerKind(NamedTuple):
    """An output layer and the loss the engine minimises through it.

    Attributes
    ----------
    name : str
        The fitted ``out_activation_`` of a model with this output layer.
    code : OutputLayer
        The engine's code, which picks the kernels.
    multilabel : bool
        Its targets: a 0/1 indicator matrix, one output unit per label
        (True), or one class per sample, one unit per class (False).
    label_smoothing : bool
        Whether it trains on smoothed targets (``label_smoothing > 0``).
    decide : callable
        The decision rule: ``decide(proba)`` gives the predicted class codes
        (positions in ``classes_``) of an ``(n_samples, n_outputs)`` array
        of probabilities, or the indicator matrix (int) of the labels that
        are on, in the namespace of ``proba``.
    onnx_op : str
        The ONNX operator that turns the logits into probabilities (given
        ``onnx_attributes``).
    onnx_attributes : dict
    """

    name: str
    code: OutputLayer
    multilabel: bool
    label_smoothing: bool
    decide: Callable
    onnx_op: str
    onnx_attributes: dict


def _most_probable(proba):
    if isinstance(proba, np.ndarray):
        return np.argmax(proba, axis=1)
    return array_namespace(proba).argmax(proba, axis=1)


def _labels_on(proba):
    # A label is on when its probability exceeds 0.5, as MLPClassifier predicts.
    if isinstance(proba, np.ndarray):
        return np.array(proba > 0.5, dtype=int)
    xp = array_namespace(proba)
    return xp.astype(proba > 0.5, xp.int64)


#: The output layers, by ``out_activation_``.
OUTPUT_LAYERS = {
    record.name: record
    for record in (
        # A softmax over exclusive classes, with the cross-entropy. Axis 1 is
        # the last axis of the 2-D logits in every ONNX opset (before opset
        # 13, Softmax's axis flattens the axes after it, the same thing here).
        OutputLayerKind(
            "softmax",
            OutputLayer.SOFTMAX,
            False,
            True,
            _most_probable,
            "Softmax",
            {"axis": 1},
        ),
        # A sigmoid per label, with the binary cross-entropy summed over the
        # labels (multilabel targets).
        OutputLayerKind(
            "logistic", OutputLayer.SIGMOID, True, False, _labels_on, "Sigmoid", {}
        ),
    )
}


def output_layer_for(multilabel):
    """The output layer that trains on targets of this kind."""
    (record,) = [r for r in OUTPUT_LAYERS.values() if r.multilabel == multilabel]
    return record
