"""The input and parameter checks of :mod:`skmlp._checks`."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skmlp._checks import (
    is_ready_float_matrix,
    multilabel_class_weight,
    numbers_beyond_float64_are_value_errors,
    training_weights,
    validate_class_weight,
    validate_dropout,
    validate_hidden_layer_sizes,
    validate_sample_weight,
)


def test_sample_weight_defaults_to_ones_and_is_checked():
    assert_array_equal(validate_sample_weight(None, 3, np.float32), np.ones(3))
    assert validate_sample_weight(None, 3, np.float32).dtype == np.float32
    assert_array_equal(validate_sample_weight(2.0, 2, np.float64), [2.0, 2.0])
    with pytest.raises(ValueError, match="must be non-negative"):
        validate_sample_weight([1.0, -1.0], 2, np.float64)
    with pytest.raises(ValueError, match="sample_weight_val must contain at least"):
        validate_sample_weight([0.0, 0.0], 2, np.float64, name="sample_weight_val")
    with pytest.raises(ValueError, match=r"expected \(3,\)"):
        validate_sample_weight([1.0, 1.0], 3, np.float64)


def test_sample_weights_out_of_range_are_rescaled():
    """Only their ratios matter: tiny or huge ones are divided by the largest."""
    tiny = validate_sample_weight([1e-30, 2e-30], 2, np.float64)
    assert_allclose(tiny, [0.5, 1.0])
    caller = np.array([1e308, 1e308])
    huge = validate_sample_weight(caller, 2, np.float64)
    assert_allclose(huge, [1.0, 1.0])
    assert np.all(caller == 1e308)  # the caller's array is left alone


def test_dropout_is_one_rate_per_hidden_layer():
    assert_array_equal(validate_dropout(0.5, 3), [0.5, 0.5, 0.5])
    assert_array_equal(validate_dropout([0.1, 0.0], 2), [0.1, 0.0])
    with pytest.raises(ValueError, match="one rate per hidden layer"):
        validate_dropout([0.1], 2)
    with pytest.raises(ValueError, match=r"must be in \[0, 1\)"):
        validate_dropout(1.0, 1)


def test_hidden_layer_sizes_are_positive_integers():
    assert validate_hidden_layer_sizes(5) == [5]
    assert validate_hidden_layer_sizes(np.array(5)) == [5]
    assert validate_hidden_layer_sizes((3, np.int64(2))) == [3, 2]
    assert validate_hidden_layer_sizes(()) == []
    with pytest.raises(ValueError, match="must be positive integers"):
        validate_hidden_layer_sizes((3, 0))


def test_numbers_beyond_float64_are_value_errors():
    with pytest.raises(ValueError, match="too large for float64"):
        with numbers_beyond_float64_are_value_errors():
            np.asarray([10**400], dtype=np.float64)


def test_class_weights_multiply_the_sample_weights():
    classes = np.array(["a", "b"])
    codes = np.array([0, 1, 1], dtype=np.intc)
    weights = training_weights([1.0, 2.0, 1.0], codes, np.float64, {"a": 3.0}, classes)
    assert_allclose(weights, [3.0, 2.0, 1.0])
    balanced = training_weights(None, codes, np.float64, "balanced", classes)
    assert_allclose(balanced, [1.5, 0.75, 0.75])
    with pytest.raises(ValueError, match="all are zero"):
        training_weights(None, codes, np.float64, {"a": 0.0, "b": 0.0}, classes)


def test_class_weight_dicts_are_checked():
    with pytest.raises(ValueError, match="not classes of y"):
        validate_class_weight({"c": 1.0}, np.array(["a", "b"]))
    with pytest.raises(ValueError, match="must be numbers"):
        validate_class_weight({"a": True}, np.array(["a"]))
    with pytest.raises(ValueError, match="finite and non-negative"):
        validate_class_weight({"a": -1.0}, np.array(["a"]))
    with pytest.raises(ValueError, match="not defined for multilabel"):
        multilabel_class_weight({0: 1.0}, np.eye(2, dtype=np.uint8))


def test_a_ready_float_matrix_skips_validation():
    model = {"coefs_": [], "n_features_in_": 3}
    assert is_ready_float_matrix(model, np.zeros((2, 3)))
    assert not is_ready_float_matrix(model, np.zeros((2, 3), dtype=np.int64))
    assert not is_ready_float_matrix(model, np.full((2, 3), np.nan))
    assert not is_ready_float_matrix(model, np.zeros((2, 4)))
    assert not is_ready_float_matrix(
        {**model, "feature_names_in_": 0}, np.zeros((2, 3))
    )
    assert not is_ready_float_matrix({"n_features_in_": 3}, np.zeros((2, 3)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("n_rows", [4, 40_000])  # tested entry by entry, and by X . X
def test_a_ready_float_matrix_is_finite_entry_by_entry(dtype, order, n_rows):
    """One non-finite entry anywhere makes X not ready (validate_data then
    names it); entries up to the dtype's largest (whose sums and squares
    overflow) are finite, and X is ready."""
    model = {"coefs_": [], "n_features_in_": 3}
    big = np.finfo(dtype).max
    X = np.asarray(np.ones((n_rows, 3)), dtype=dtype, order=order)
    assert is_ready_float_matrix(model, X)
    for value in (np.nan, np.inf, -np.inf):
        Y = X.copy(order=order)
        Y[2, 1] = value
        assert not is_ready_float_matrix(model, Y)
    Y = X.copy(order=order)
    Y[:4, 0] = [big, -big, big / 2, 1e30 if dtype is np.float64 else 1e20]
    assert is_ready_float_matrix(model, Y)
    Y[3, 2] = np.nan
    assert not is_ready_float_matrix(model, Y)
    # inf and -inf together (they sum to NaN, their squares to +inf).
    Y = X.copy(order=order)
    Y[0, 0], Y[1, 1] = np.inf, -np.inf
    assert not is_ready_float_matrix(model, Y)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_finite_test_obeys_no_error_setting_of_the_caller(dtype):
    """Tiny entries, whose squares underflow, and huge ones, whose squares
    overflow, raise nothing under the caller's np.errstate(all="raise")."""
    model = {"coefs_": [], "n_features_in_": 4}
    tiny = np.full((40_000, 4), np.finfo(dtype).tiny, dtype=dtype)
    huge = np.full((40_000, 4), np.finfo(dtype).max / 2, dtype=dtype)
    with np.errstate(all="raise"):
        assert is_ready_float_matrix(model, tiny)
        assert is_ready_float_matrix(model, huge)
