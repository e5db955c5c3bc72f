"""The early-stopping hold-out split of :mod:`skmlp._holdout`."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from scipy import sparse

from skmlp._holdout import held_out_data, hold_out, rows_ready


def _problem(counts):
    y = np.repeat(np.arange(len(counts)), counts).astype(np.intc)
    X = np.arange(len(y) * 2, dtype=np.float64).reshape(len(y), 2)
    return X, y, np.ones(len(y))


def test_the_split_is_stratified_and_keeps_the_training_order():
    X, y, weight = _problem([20, 20, 10])
    train_rows, validation_rows = hold_out(X, y, weight, 0.2, np.random.RandomState(0))
    X_val, y_val, w_val = held_out_data(X, y, weight, validation_rows)
    assert len(y_val) == 10 and len(train_rows) == 40
    assert validation_rows.dtype == np.intp
    assert_array_equal(np.bincount(y_val), [4, 4, 2])
    assert_array_equal(train_rows, np.sort(train_rows))
    assert train_rows.dtype == np.intp
    # The held-out rows are the rows of X that are not trained on.
    held = X_val[:, 0].astype(int) // 2
    assert_array_equal(held, validation_rows)
    assert_array_equal(np.sort(held), sorted(set(range(50)) - set(train_rows)))
    assert_array_equal(X_val, X[held])
    assert X_val.flags.c_contiguous
    assert_array_equal(y_val, y[held])
    assert_array_equal(w_val, weight[held])


def test_a_binary_class_of_one_sample_is_refused():
    X, y, weight = _problem([10, 1])
    with pytest.raises(ValueError, match=r"the class of 1 member is \[1\]"):
        hold_out(X, y, weight, 0.2, np.random.RandomState(0), classes=np.array([0, 1]))


def test_a_multiclass_split_that_cannot_be_stratified_warns_and_goes_on():
    X, y, weight = _problem([10, 10, 1])
    with pytest.warns(UserWarning, match="without stratification"):
        train_rows, validation_rows = hold_out(
            X, y, weight, 0.2, np.random.RandomState(0)
        )
    assert len(train_rows) + len(validation_rows) == 21


def test_too_few_rows_for_the_classes_are_refused_for_binary_targets():
    X, y, weight = _problem([5, 5])
    with pytest.raises(ValueError, match="fewer than the 2 classes"):
        hold_out(X, y, weight, 0.05, np.random.RandomState(0))


def test_a_split_of_zero_weight_is_refused():
    X, y, _ = _problem([10, 10])
    weight = np.zeros(20)
    weight[0] = 1.0
    with pytest.raises(ValueError, match="holds only samples of zero weight"):
        hold_out(X, y, weight, 0.5, np.random.RandomState(0))


def test_multilabel_targets_are_split_unstratified():
    X = np.ones((10, 2))
    Y = np.eye(2, dtype=np.uint8)[np.arange(10) % 2]
    train_rows, validation_rows = hold_out(
        X, Y, np.ones(10), 0.3, np.random.RandomState(0)
    )
    _, Y_val, _ = held_out_data(X, Y, np.ones(10), validation_rows)
    assert Y_val.shape == (3, 2) and len(train_rows) == 7


def test_rows_ready_keeps_csr_and_makes_dense_contiguous():
    dense = np.asfortranarray(np.ones((3, 2)))
    assert rows_ready(dense).flags.c_contiguous
    assert rows_ready(sparse.csc_matrix(dense)).format == "csr"
