"""The layer records of :mod:`skmlp._layers`: one per activation and output
layer the engine knows, agreeing with the engine's kernels."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from skmlp._engine._losses import reads_indicators, smooths_labels
from skmlp._engine._types import Activation, OutputLayer
from skmlp._layers import ACTIVATIONS, OUTPUT_LAYERS, output_layer_for
from skmlp._network import ParameterLayout, initialize


def test_every_activation_of_the_engine_has_one_record():
    """The C header lists the activations; each has a record of its name."""
    assert sorted(record.code for record in ACTIVATIONS.values()) == list(Activation)
    for name, record in ACTIVATIONS.items():
        assert record.name == name == record.code.name.lower()


def test_every_output_layer_of_the_engine_has_one_record():
    assert sorted(r.code for r in OUTPUT_LAYERS.values()) == list(OutputLayer)
    for name, record in OUTPUT_LAYERS.items():
        assert record.name == name
        # What the record says of its targets is what the kernels read.
        assert record.multilabel == reads_indicators(record.code)
        assert record.label_smoothing == smooths_labels(record.code)


@pytest.mark.parametrize("multilabel", [False, True])
def test_each_kind_of_target_has_its_output_layer(multilabel):
    assert output_layer_for(multilabel).multilabel == multilabel


def test_decision_rules():
    proba = np.array([[0.2, 0.7, 0.1], [0.5, 0.2, 0.6]])
    assert_array_equal(OUTPUT_LAYERS["softmax"].decide(proba), [1, 2])
    labels_on = OUTPUT_LAYERS["logistic"].decide(proba)
    assert_array_equal(labels_on, [[0, 1, 0], [0, 0, 1]])
    assert labels_on.dtype.kind == "i"


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_glorot_bound_of_the_hidden_layers_is_the_records_gain(activation):
    layout = ParameterLayout([300, 200, 10])
    params = initialize(
        layout,
        init="glorot_uniform",
        init_scale=None,
        output_init="same",
        activation=activation,
        random_state=np.random.RandomState(0),
        dtype=np.float64,
    )
    coefs, _ = layout.views(params)
    bound = np.sqrt(6 / (300 + 200)) * ACTIVATIONS[activation].glorot_gain
    assert 0.99 * bound < np.abs(coefs[0]).max() <= bound
    # The output layer's bound is Glorot's alone.
    assert np.abs(coefs[1]).max() <= np.sqrt(6 / (200 + 10))
