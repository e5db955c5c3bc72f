"""Prediction in X's namespace and on its device: the array API twin of
:mod:`skmlp._prediction`.

A model fitted on arrays of another namespace than NumPy's (under array API
dispatch) keeps its weights there, and predicts arrays of that namespace on
that device, as scikit-learn's array API estimators do: X must then be of
the weights' namespace and device (:func:`check_prediction_namespace`);
:func:`skmlp.utils.to_numpy` gives a NumPy copy of the model otherwise.
"""

import numpy as np
from sklearn import get_config

from .._layers import ACTIVATIONS
from .._prediction import model_output_layer, prediction_chunk_rows
from ._kernels import forward, output_probabilities
from ._namespace import (
    is_array_api_array,
    max_float_dtype,
    namespace_and_device,
    to_device,
    to_numpy,
    uses_array_api,
)


def fitted_on_array_api(model):
    """Whether a model (an estimator's instance dict) holds its weights in
    another namespace than NumPy's."""
    coefs = model.get("coefs_")
    return bool(coefs) and is_array_api_array(coefs[0])


def predicts_through_array_api(model, X):
    """Whether predicting X with this model is the array API code's job: X is
    an array of another namespace under dispatch, or the model's weights are."""
    if isinstance(X, np.ndarray) and not fitted_on_array_api(model):
        return False
    return uses_array_api(X) or fitted_on_array_api(model)


def check_prediction_namespace(X, model, estimator_name, method):
    """Raise unless X is of the namespace and on the device of the model's
    weights, with array API dispatch on (scikit-learn's
    ``check_same_namespace`` rule and wording, for a model whose fitted
    arrays are lists of layers)."""
    where = f"Inputs passed to {estimator_name}.{method}()"
    remedy = (
        "Move the model to NumPy with skmlp.utils.to_numpy(model), or to X's "
        "namespace and device with scikit-learn's move_estimator_to "
        "(sklearn.utils._array_api)."
    )
    if not fitted_on_array_api(model):
        xp_x, _ = namespace_and_device(X)
        raise ValueError(
            f"{where} must use the same namespace and the same device as those "
            f"passed to fit(). The model was fitted on NumPy arrays and X is of "
            f"{xp_x.__name__}. {remedy}"
        )
    model_xp, model_device = namespace_and_device(model["coefs_"][0])
    if not get_config()["array_api_dispatch"]:
        raise ValueError(
            f"{where} must use the same namespace and the same device as those "
            f"passed to fit(): the model's weights are {model_xp.__name__} "
            f"arrays (on {model_device}), which need array API dispatch "
            "(sklearn.set_config(array_api_dispatch=True)) and X of that "
            f"namespace. {remedy}"
        )
    if not is_array_api_array(X):
        raise ValueError(
            f"{where} must use the same namespace and the same device as those "
            f"passed to fit(). Array namespace used during fit "
            f"({model_xp.__name__}) is not compatible with the array-like input "
            f"passed to {method}. {remedy}"
        )
    xp_x, device_x = namespace_and_device(X)
    if xp_x is not model_xp or device_x != model_device:
        raise ValueError(
            f"{where} must use the same namespace and the same device as those "
            f"passed to fit(). Fit used {model_xp.__name__} on {model_device}, "
            f"{method} got {xp_x.__name__} on {device_x}. {remedy}"
        )


def model_proba(model, X, take_log):
    """(Log-)probabilities of a model's outputs for validated X of its
    weights' namespace and device.

    Returns
    -------
    proba : array of shape (n_samples, n_outputs)
        In the weights' dtype (float32 if every ``coefs_[l]`` is float32); rows
        that overflow a float32 model are redone in float64, where the device
        has it.
    output_layer : skmlp._layers.OutputLayerKind
    """
    output_layer = model_output_layer(model)
    xp, device = namespace_and_device(X)
    coefs, intercepts = model["coefs_"], model["intercepts_"]
    dtype = xp.float32 if all(c.dtype == xp.float32 for c in coefs) else xp.float64
    if len(coefs) == 0 or len(coefs) != len(intercepts):
        raise ValueError("coefs_ and intercepts_ must hold the same number of layers.")
    proba = _proba(
        xp, X, coefs, intercepts, model["activation"], output_layer, take_log, dtype
    )
    if dtype == xp.float32 and max_float_dtype(xp, device) == xp.float64:
        finite = xp.all(xp.isfinite(proba), axis=1)
        if not bool(xp.all(finite)):
            redone = _proba(
                xp,
                X,
                coefs,
                intercepts,
                model["activation"],
                output_layer,
                take_log,
                xp.float64,
            )
            if take_log:
                # A log-probability below float32's range is as good as its floor.
                redone = xp.clip(redone, float(xp.finfo(xp.float32).min), None)
            proba = xp.where(finite[:, None], proba, xp.astype(redone, dtype))
    if not bool(xp.all(xp.isfinite(proba))):
        raise ValueError(
            "X holds values too large for the network: some rows overflow "
            "even in the widest float arithmetic of its device. Scale X as the "
            "training data was scaled."
        )
    return proba, output_layer


def _proba(xp, X, coefs, intercepts, activation, output_layer, take_log, dtype):
    """The network's (log-)probabilities in ``dtype``, chunk by chunk of rows
    (as the compiled prediction bounds its memory)."""
    coefs = [xp.astype(c, dtype) for c in coefs]
    intercepts = [xp.astype(b, dtype) for b in intercepts]
    code = ACTIVATIONS[activation].code
    chunk_rows = prediction_chunk_rows(X.shape)
    pieces = []
    for start in range(0, X.shape[0], chunk_rows):
        chunk = xp.astype(X[start : start + chunk_rows, ...], dtype)
        _, _, logits = forward(xp, chunk, coefs, intercepts, code)
        pieces.append(output_probabilities(xp, output_layer.code, logits, take_log))
    return pieces[0] if len(pieces) == 1 else xp.concat(pieces, axis=0)


def labels_of_codes(classes, codes):
    """``classes[codes]`` for class codes of an array API namespace: in the
    codes' namespace and on their device, unless the labels are strings
    (which only NumPy holds), as scikit-learn's linear classifiers predict."""
    xp, device = namespace_and_device(codes)
    labels = np.asarray(classes)[to_numpy(codes)]
    if labels.dtype.kind not in "biuf":
        return labels
    return to_device(labels, xp, device)
