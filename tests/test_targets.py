"""Target encoding (:mod:`skmlp._targets`): classes and codes for fit,
partial_fit and warm starts, and the refusals."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from skmlp._targets import (
    class_codes,
    encode_targets,
    indicator_matrix,
    labels_of,
    targets_array,
    validation_targets,
)

FIRST_FIT = dict(
    fitted_classes=None, fitted_multilabel=False, first_call=True, incremental=False
)


def test_fit_takes_the_classes_from_y_and_codes_them():
    y = np.array(["b", "a", "c", "a"])
    classes, codes = encode_targets(y, None, **FIRST_FIT)
    assert_array_equal(classes, ["a", "b", "c"])
    assert_array_equal(codes, [1, 0, 2, 0])
    assert codes.dtype == np.intc


def test_a_warm_start_needs_the_same_classes():
    fitted = dict(FIRST_FIT, fitted_classes=np.array([0, 1, 2]), first_call=False)
    classes, codes = encode_targets(np.array([2, 0, 1]), None, **fitted)
    assert_array_equal(classes, [0, 1, 2])
    assert_array_equal(codes, [2, 0, 1])
    with pytest.raises(ValueError, match="same classes as in the previous call"):
        encode_targets(np.array([0, 1]), None, **fitted)


def test_partial_fit_takes_the_classes_argument_on_the_first_call():
    first = dict(FIRST_FIT, incremental=True)
    classes, codes = encode_targets(np.array([3]), [1, 3, 5], **first)
    assert_array_equal(classes, [1, 3, 5])
    assert_array_equal(codes, [1])
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        encode_targets(np.array([3]), None, **first)
    with pytest.raises(ValueError, match="classes is empty"):
        encode_targets(np.array([3]), [], **first)
    later = dict(first, fitted_classes=classes, first_call=False)
    assert_array_equal(encode_targets(np.array([5]), None, **later)[0], classes)
    with pytest.raises(ValueError, match="is not the same as on the first call"):
        encode_targets(np.array([5]), [1, 5], **later)


@pytest.mark.parametrize(
    "fitted",
    [[2, 0, 1], [0, 1, 1, 2]],
    ids=["unsorted", "repeated"],
)
def test_partial_fit_refuses_fitted_classes_no_fit_leaves(fitted):
    """classes_ edited by hand (unsorted, repeated) and passed back as
    classes: refused as other classes, as np.unique(classes) tells, not
    taken because the two arrays are equal."""
    fitted = np.array(fitted)
    later = dict(FIRST_FIT, fitted_classes=fitted, first_call=False, incremental=True)
    with pytest.raises(ValueError, match="is not the same as on the first call"):
        encode_targets(np.array([0]), fitted.copy(), **later)


def test_multilabel_targets_are_an_indicator_matrix_of_column_classes():
    Y = np.array([[1, 0, 1], [0, 0, 1]])
    classes, codes = encode_targets(Y, None, **FIRST_FIT)
    assert_array_equal(classes, [0, 1, 2])
    assert codes.dtype == np.uint8 and codes.flags.c_contiguous
    assert_array_equal(codes, Y)
    later = dict(
        FIRST_FIT, fitted_classes=classes, fitted_multilabel=True, first_call=False
    )
    with pytest.raises(ValueError, match="y has 2 labels"):
        encode_targets(Y[:, :2], None, **later)
    with pytest.raises(ValueError, match="classes are the column indices"):
        encode_targets(Y, [0, 1], **dict(FIRST_FIT, incremental=True))


def test_the_kind_of_target_cannot_change_between_fits():
    later = dict(FIRST_FIT, fitted_classes=np.array([0, 1]), first_call=False)
    with pytest.raises(ValueError, match="model was trained on one label per"):
        encode_targets(np.array([[0, 1], [1, 1]]), None, **later)
    with pytest.raises(ValueError, match="not a multilabel indicator matrix"):
        encode_targets(np.array([[0, 2], [1, 1]]), None, **FIRST_FIT)


def test_class_codes_refuse_unseen_labels():
    with pytest.raises(ValueError, match=r"y_val contains labels not in classes"):
        class_codes(np.array([1, 2]), np.array([1, 3]), "y_val")


def test_validation_targets_follow_the_training_targets():
    assert_array_equal(
        validation_targets(np.array([2, 1]), np.array([1, 2]), False), [1, 0]
    )
    with pytest.raises(ValueError, match="y_val must hold one label per sample"):
        validation_targets(np.ones((2, 2)), np.array([1, 2]), False)
    Y = validation_targets(np.array([[1, 0], [0, 1]]), np.array([0, 1]), True)
    assert Y.dtype == np.uint8
    with pytest.raises(ValueError, match="indicator matrix of the 2 labels"):
        validation_targets(np.ones((2, 3)), np.array([0, 1]), True)


def test_targets_array_and_labels_of():
    with pytest.warns(UserWarning, match="column-vector y"):
        assert targets_array(np.array([[1], [2]])).shape == (2,)
    assert_array_equal(labels_of(np.array([3.0, 1.0, 3.0])), [1.0, 3.0])
    assert_array_equal(indicator_matrix([[1, 0]]), np.array([[1, 0]], dtype=np.uint8))
