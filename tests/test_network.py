"""The parameter layout, the scratch layout and the initialisation of
:mod:`skmlp._network`."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from skmlp._network import (
    INITIALIZATIONS,
    ParameterLayout,
    initialize,
    overflow_limit,
)

N_UNITS = [5, 4, 6, 3]


def test_weights_and_biases_tile_the_buffer_in_order():
    """W_0, b_0, W_1, b_1, ...: each block starts where the one before ends."""
    layout = ParameterLayout(N_UNITS)
    assert layout.n_layers == 3
    assert layout.coef_shapes == [(5, 4), (4, 6), (6, 3)]
    end = 0
    for (n_in, n_out), w, b in zip(
        layout.coef_shapes, layout.weight_offsets, layout.bias_offsets
    ):
        assert w == end and b == w + n_in * n_out
        end = b + n_out
    assert layout.n_params == end == 5 * 4 + 4 + 4 * 6 + 6 + 6 * 3 + 3
    assert layout.weight_mask().sum() == 5 * 4 + 4 * 6 + 6 * 3


def test_views_and_pack_round_trip():
    layout = ParameterLayout(N_UNITS)
    params = np.arange(layout.n_params, dtype=np.float64)
    coefs, intercepts = layout.views(params)
    assert [c.shape for c in coefs] == layout.coef_shapes
    assert [b.shape for b in intercepts] == [(4,), (6,), (3,)]
    assert all(np.shares_memory(c, params) for c in coefs + intercepts)
    packed = layout.pack(coefs, intercepts, np.float32)
    assert packed.dtype == np.float32
    assert_array_equal(packed, params)
    assert not np.shares_memory(packed, params)


@pytest.mark.parametrize(
    "arrange",
    [
        np.asfortranarray,
        lambda a: np.repeat(a, 2, axis=-1)[..., ::2],  # strided views
        lambda a: a.tolist(),  # not arrays: copied view by view
        lambda a: a[::-1][::-1],  # a view of a view
        lambda a: a.astype(object),  # cast as a copy into the buffer casts
    ],
)
def test_pack_takes_weights_in_any_memory_order(arrange):
    """The flat buffer holds W_0, b_0, W_1, ... in C order, rounded to the
    dtype asked for, whatever the layout of the arrays it is given."""
    layout = ParameterLayout(N_UNITS)
    expected = np.random.default_rng(0).normal(size=layout.n_params)
    coefs, intercepts = layout.views(expected)
    packed = layout.pack(
        [arrange(c) for c in coefs], [arrange(b) for b in intercepts], np.float32
    )
    assert packed.dtype == np.float32 and packed.flags.c_contiguous
    assert_array_equal(packed, expected.astype(np.float32))


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda c, b: (c[:-1], b), "must hold 3 layers"),
        (lambda c, b: ([c[0].T, *c[1:]], b), r"coefs_\[0\] has shape \(4, 5\)"),
        (lambda c, b: (c, [b[0][:-1], *b[1:]]), r"intercepts_\[0\] has shape"),
    ],
)
def test_pack_refuses_other_shapes(mutate, message):
    layout = ParameterLayout(N_UNITS)
    coefs, intercepts = mutate(*layout.views(np.zeros(layout.n_params)))
    with pytest.raises(ValueError, match=message):
        layout.pack(coefs, intercepts, np.float64)


@pytest.mark.parametrize("batch_size", [1, 7])
def test_scratch_layout_gives_each_layer_its_block(batch_size):
    """Activations of every layer and deltas of the hidden layers, each a
    (batch_size, n_units[l]) block, one after the other, within the buffers."""
    layout = ParameterLayout(N_UNITS)
    scratch = layout.scratch(batch_size)
    sizes = np.array(N_UNITS) * batch_size
    assert_array_equal(scratch.activation_offsets, np.cumsum(sizes) - sizes)
    assert scratch.n_activations == sizes.sum()
    hidden = sizes[1:-1]
    assert_array_equal(scratch.delta_offsets[1:], np.cumsum(hidden) - hidden)
    assert scratch.n_deltas == hidden.sum()
    assert scratch.activation_offsets.dtype == scratch.delta_offsets.dtype == np.intp


def test_scratch_layout_without_hidden_layers_keeps_one_delta():
    scratch = ParameterLayout([5, 3]).scratch(4)
    assert scratch.n_deltas == 1 and scratch.n_activations == 32


@pytest.mark.parametrize("init", sorted(INITIALIZATIONS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_initialize_draws_weights_and_zero_biases(init, dtype):
    layout = ParameterLayout(N_UNITS)
    params = initialize(
        layout,
        init=init,
        init_scale=None,
        output_init="zeros",
        activation="tanh",
        random_state=np.random.RandomState(0),
        dtype=dtype,
    )
    coefs, intercepts = layout.views(params)
    assert params.dtype == dtype
    assert all(np.all(b == 0) for b in intercepts)
    assert all(np.std(c) > 0 for c in coefs[:-1])
    assert np.all(coefs[-1] == 0)  # output_init="zeros"


def test_glorot_bound_is_four_times_wider_for_logistic_units():
    layout = ParameterLayout([50, 40, 3])
    bounds = {}
    for activation in ("tanh", "logistic"):
        params = initialize(
            layout,
            init="glorot_uniform",
            init_scale=None,
            output_init="same",
            activation=activation,
            random_state=np.random.RandomState(0),
            dtype=np.float64,
        )
        bounds[activation] = np.abs(layout.views(params)[0][0]).max()
    limit = np.sqrt(6 / 90)
    assert 0.9 * limit < bounds["tanh"] <= limit
    assert 0.9 * 4 * limit < bounds["logistic"] <= 4 * limit


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_overflow_limit_is_the_fourth_root_of_the_largest_number(dtype):
    """A product of four factors below the limit stays finite in ``dtype``; of
    four factors twice as large, it overflows."""
    limit = overflow_limit(dtype)
    below, beyond = dtype(0.99 * limit), dtype(2 * limit)
    assert np.isfinite(below * below * below * below)
    with np.errstate(over="ignore"):
        assert np.isinf(beyond * beyond * beyond * beyond)
