"""The numerics of prediction: a fitted model's probabilities of validated X.

:func:`model_proba` takes a model as the estimator holds it (its instance
dict: ``coefs_``, ``intercepts_``, ``activation``, ``out_activation_``, ...)
and X already validated, and returns the (log-)probabilities through the
compiled forward pass (:func:`forward_proba`), in the weights' dtype, with
the rows that overflow a float32 model redone in float64. The fit loop's
validation uses :func:`forward_proba` directly.
"""

import numpy as np
from scipy import sparse

from ._engine._predict import dense_forward, output_inplace
from ._engine._types import Activation, OutputLayer
from ._layers import ACTIVATIONS, OUTPUT_LAYERS
from ._threads import blas_threads_for_prediction

# Rows per forward chunk at prediction: bounds the activations' memory.
_PREDICT_CHUNK_ROWS = 4096


def prediction_chunk_rows(shape):
    """Rows per chunk of :func:`forward_proba` for an X of this shape.

    Chunks bound the memory of the activations, and of the dense copy of a
    sparse chunk: at most ~2**21 values of X at a time.
    """
    n_samples, n_features = shape
    return max(1, min(_PREDICT_CHUNK_ROWS, n_samples, 2**21 // max(n_features, 1)))


def forward_proba(
    X,
    coefs,
    intercepts,
    activation,
    take_log=False,
    output=OutputLayer.SOFTMAX,
    chunk_rows=None,
):
    """Class (or label) probabilities of a network, through the compiled
    forward pass.

    Parameters
    ----------
    X : {ndarray, CSR matrix} of shape (n_samples, n_features)
        C-contiguous (or CSR, densified one chunk of rows at a time), of the
        weights' dtype.
    coefs, intercepts : list of ndarray
        Per-layer weights and biases, C-contiguous, of X's dtype, with shapes
        that chain from ``n_features`` to the number of classes.
    activation : str
        The hidden layers' activation (a key of
        :data:`skmlp._layers.ACTIVATIONS`).
    take_log : bool, default=False
        Return log-probabilities, computed without rounding small
        probabilities to zero first.
    output : int or None, default=OutputLayer.SOFTMAX
        The output layer's :class:`~skmlp._engine._types.OutputLayer` code;
        None returns the logits (the output layer's inputs).
    chunk_rows : int or None, default=None
        Rows per chunk; None: :func:`prediction_chunk_rows` of X's shape.

    Returns
    -------
    proba : ndarray of shape (n_samples, n_outputs)
    """
    n_samples = X.shape[0]
    n_layers = len(coefs)
    if chunk_rows is None:
        chunk_rows = prediction_chunk_rows(X.shape)
    hidden = ACTIVATIONS[activation].code
    proba = np.empty((n_samples, coefs[-1].shape[1]), dtype=X.dtype)
    for start in range(0, n_samples, chunk_rows):
        stop = min(start + chunk_rows, n_samples)
        a = X[start:stop]
        if sparse.issparse(a):
            a = np.ascontiguousarray(a.toarray(), dtype=X.dtype)
        for l, (coef, intercept) in enumerate(zip(coefs, intercepts)):
            is_output = l == n_layers - 1
            out = proba[start:stop] if is_output else None
            if out is None:
                out = np.empty((stop - start, coef.shape[1]), dtype=X.dtype)
            dense_forward(
                a, coef, intercept, out, Activation.IDENTITY if is_output else hidden
            )
            a = out
        if output is not None:
            output_inplace(a, output, take_log)
    return proba


def model_output_layer(model):
    """The output layer record of a model (an estimator's instance dict),
    checking the activations a user may have changed after fit."""
    activation = model["activation"]
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"activation={activation!r} is not one of {sorted(ACTIVATIONS)}: "
            "it was changed after fit to a value the network cannot use."
        )
    out_activation = model.get("out_activation_", "softmax")
    if out_activation not in OUTPUT_LAYERS:
        raise ValueError(
            f"out_activation_={out_activation!r} is not one of "
            f"{sorted(OUTPUT_LAYERS)}: it was changed after fit."
        )
    return OUTPUT_LAYERS[out_activation]


def model_proba(model, X, take_log):
    """(Log-)probabilities of a model's outputs for validated X.

    Parameters
    ----------
    model : dict
        A fitted estimator's instance dict (a copy taken at once).
    X : {ndarray, sparse matrix} of shape (n_samples, n_features_in_)
        Validated: finite, of float32 or float64.
    take_log : bool

    Returns
    -------
    proba : ndarray of shape (n_samples, n_outputs)
        In the weights' dtype (float32 if every ``coefs_[l]`` is float32).
    output_layer : skmlp._layers.OutputLayerKind
    """
    output_layer = model_output_layer(model)
    activation, classes = model["activation"], model["classes_"]
    dtype = (
        np.float32
        if all(np.asarray(c).dtype == np.float32 for c in model["coefs_"])
        else np.float64
    )
    coefs = [np.ascontiguousarray(c, dtype=dtype) for c in model["coefs_"]]
    intercepts = [np.ascontiguousarray(b, dtype=dtype) for b in model["intercepts_"]]
    if (
        len(coefs) == 0
        or len(coefs) != len(intercepts)
        or np.ndim(coefs[-1]) != 2
        or coefs[-1].shape[1] != len(classes)
    ):
        raise ValueError(
            "coefs_ and intercepts_ must hold the same number of layers, the "
            f"last with one output per class ({len(classes)})."
        )
    if type(X) is np.ndarray and X.dtype == dtype and X.flags.c_contiguous:
        X_model = X  # the common case, and a one-row prediction's: no copy
    else:
        # Values beyond a float32 model's range become inf here; the rows
        # they spoil are redone in float64 below.
        with np.errstate(over="ignore"):
            if sparse.issparse(X):
                X = X.tocsr()
                X_model = X.astype(dtype, copy=False)
            else:
                X_model = np.ascontiguousarray(X, dtype=dtype)
    # A prediction's products are those of a training step of one chunk's
    # rows: the fits' thread policy applies (one BLAS thread unless they
    # are large and a core is spare; the caller's count restored after).
    chunk_rows = prediction_chunk_rows(X_model.shape)
    network = (coefs, intercepts, activation, take_log, output_layer.code)
    with blas_threads_for_prediction([c.shape for c in coefs], chunk_rows):
        proba = forward_proba(X_model, *network, chunk_rows=chunk_rows)
        if not np.isfinite(proba).all():
            _recompute_overflowing_rows(proba, X, *network)
    return proba, output_layer


def _recompute_overflowing_rows(
    proba, X, coefs, intercepts, activation, take_log, output
):
    """Redo in float64 the rows of ``proba`` that overflowed, in place.

    A float32 model given float64 values beyond float32's range (or float32
    values whose products overflow) would return NaN probabilities. Those
    rows are computed again from X in float64; a row that overflows even
    there raises instead of returning garbage.
    """
    rows = np.flatnonzero(~np.isfinite(proba).all(axis=1))
    if proba.dtype != np.float64:
        redone = forward_proba(
            np.ascontiguousarray(X[rows], dtype=np.float64)
            if not sparse.issparse(X)
            else X[rows].astype(np.float64),
            [np.ascontiguousarray(c, dtype=np.float64) for c in coefs],
            [np.ascontiguousarray(b, dtype=np.float64) for b in intercepts],
            activation,
            take_log,
            output,
        )
        if take_log:
            # A log-probability below float32's range is as good as its floor.
            np.maximum(redone, np.finfo(proba.dtype).min, out=redone)
        proba[rows] = redone
        rows = rows[~np.isfinite(proba[rows]).all(axis=1)]
    if rows.size:
        raise ValueError(
            f"X holds values too large for the network: {rows.size} row(s) "
            f"(first: {rows[:5].tolist()}) overflow even in float64 arithmetic. "
            "Scale X as the training data was scaled."
        )
