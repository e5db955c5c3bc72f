"""The numerics of prediction (:mod:`skmlp._prediction`): the compiled
forward pass against NumPy, the weights' dtype, and the rows that overflow
float32."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import sparse
from scipy.special import expit, softmax

from skmlp._layers import OUTPUT_LAYERS
from skmlp._prediction import forward_proba, model_proba, prediction_chunk_rows


def _network(dtype=np.float64):
    rng = np.random.RandomState(0)
    coefs = [
        rng.normal(size=(4, 5)).astype(dtype),
        rng.normal(size=(5, 3)).astype(dtype),
    ]
    intercepts = [rng.normal(size=5).astype(dtype), rng.normal(size=3).astype(dtype)]
    return coefs, intercepts


def _model(out_activation="softmax", dtype=np.float64, **changes):
    coefs, intercepts = _network(dtype)
    return {
        "coefs_": coefs,
        "intercepts_": intercepts,
        "activation": "tanh",
        "out_activation_": out_activation,
        "classes_": np.arange(3),
        **changes,
    }


def _logits(X, coefs, intercepts):
    return np.tanh(X @ coefs[0] + intercepts[0]) @ coefs[1] + intercepts[1]


@pytest.mark.parametrize("container", [np.asarray, sparse.csr_matrix])
def test_forward_proba_is_the_network_in_numpy(container):
    coefs, intercepts = _network()
    X = np.random.RandomState(1).normal(size=(7, 4))
    logits = _logits(X, coefs, intercepts)
    assert_allclose(
        forward_proba(container(X), coefs, intercepts, "tanh"), softmax(logits, axis=1)
    )
    assert_allclose(
        forward_proba(container(X), coefs, intercepts, "tanh", output=None), logits
    )
    sigmoid = OUTPUT_LAYERS["logistic"].code
    assert_allclose(
        forward_proba(X, coefs, intercepts, "tanh", True, sigmoid),
        np.log(expit(logits)),
    )


def test_chunks_bound_the_rows_and_the_values_of_x():
    assert prediction_chunk_rows((10, 64)) == 10
    assert prediction_chunk_rows((100_000, 64)) == 4096
    assert prediction_chunk_rows((100_000, 2**20)) == 2


@pytest.mark.parametrize("out_activation", ["softmax", "logistic"])
def test_model_proba_returns_the_output_layer(out_activation):
    X = np.random.RandomState(1).normal(size=(5, 4))
    proba, output = model_proba(_model(out_activation), X, take_log=False)
    assert output is OUTPUT_LAYERS[out_activation]
    assert proba.shape == (5, 3) and proba.dtype == np.float64


def test_a_float32_model_predicts_in_float32_and_redoes_overflowing_rows():
    model = _model(dtype=np.float32)
    X = np.random.RandomState(1).normal(size=(4, 4))
    X[2] *= 1e39  # beyond float32's range: inf in float32, finite in float64
    proba, _ = model_proba(model, X, take_log=False)
    assert proba.dtype == np.float32 and np.isfinite(proba).all()
    coefs = [c.astype(np.float64) for c in model["coefs_"]]
    intercepts = [b.astype(np.float64) for b in model["intercepts_"]]
    expected = softmax(_logits(X[2:3], coefs, intercepts), axis=1)
    assert_allclose(proba[2], expected[0], rtol=1e-6, atol=1e-7)


def test_rows_that_overflow_float64_are_refused():
    X = np.full((2, 4), 1e300)
    model = _model(
        activation="identity", coefs_=[np.full((4, 5), 1e300), _network()[0][1]]
    )
    with pytest.raises(ValueError, match=r"overflow even in float64"):
        model_proba(model, X, take_log=False)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"activation": "swish"}, "activation='swish' is not one of"),
        ({"out_activation_": "softplus"}, "out_activation_='softplus' is not one"),
        ({"classes_": np.arange(4)}, r"one output per class \(4\)"),
    ],
)
def test_a_model_changed_after_fit_is_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        model_proba(_model(**changes), np.zeros((1, 4)), take_log=False)
