"""Target encoding: labels into the codes the engine trains on, and the
model's ``classes_``.

One label per sample becomes its position in ``classes_`` (int32); a
multilabel indicator matrix becomes a C-contiguous uint8 matrix, and
``classes_`` its column indices, as MLPClassifier's. ``fit`` takes the
classes from y; ``partial_fit`` from its ``classes`` argument on the first
call; a warm start or a later call must see the same classes and the same
kind of target.
"""

import numpy as np
from scipy import sparse
from sklearn.utils.multiclass import (
    check_classification_targets,
    type_of_target,
    unique_labels,
)
from sklearn.utils.validation import column_or_1d


def targets_array(y):
    """y from validate_data as a dense array: a multilabel indicator matrix, or
    one label per sample (a single column becomes 1-D, with scikit-learn's
    DataConversionWarning)."""
    if sparse.issparse(y):
        y = y.toarray()
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)
    return y


def indicator_matrix(y, name="y"):
    """A 0/1 indicator matrix as the engine takes it: C-contiguous uint8.

    Raises
    ------
    ValueError
        If ``y`` holds a value other than 0 and 1 (or False and True), naming
        the values found. scikit-learn calls any 2-D array of two values an
        indicator matrix ({0, 2}, {3, 7}, {-1, 1}); MLPClassifier then trains
        its logistic outputs towards those numbers as if they were
        probabilities, a loss without a minimum in [0, 1]. Which value means
        "on" is the user's to say.
    """
    y = np.asarray(y)
    values = np.unique(y)
    if not np.isin(values, (0, 1)).all():
        found = values.tolist()
        raise ValueError(
            f"{name} is a 2-D array of values {found}: a multilabel indicator "
            "matrix holds 0 (the label is off) or 1 (on) in each entry. Say "
            f"which value means on, e.g. {name} == {found[-1]!r}, or pass one "
            "label per sample as a 1-D array."
        )
    return np.ascontiguousarray(y == 1, dtype=np.uint8)


def labels_of(y):
    """``unique_labels(y)`` of one-label-per-sample targets that passed
    ``check_classification_targets``: np.unique for numbers (the same values
    and dtype, without checking the kind of targets a second time, which took
    a tenth of a small fit's fixed cost), scikit-learn's function otherwise."""
    if y.dtype.kind in "biuf":
        return np.unique(y)
    return unique_labels(y)


def encode_targets(
    y, classes, *, fitted_classes, fitted_multilabel, first_call, incremental
):
    """The model's classes and the targets as the engine takes them.

    Parameters
    ----------
    y : ndarray
        From :func:`targets_array`.
    classes : array-like or None
        ``partial_fit``'s argument.
    fitted_classes : ndarray or None
        The model's ``classes_`` so far, if any.
    fitted_multilabel : bool
        Whether the model so far trained on multilabel targets (read only
        when ``first_call`` is False).
    first_call : bool
        The fit starts the model from scratch.
    incremental : bool
        A call of ``partial_fit``.

    Returns
    -------
    classes_ : ndarray
    codes : ndarray
        Class codes (int32) for labels, the indicator matrix (uint8) for
        multilabel targets.
    """
    if not (y.ndim == 1 and y.dtype.kind in "biu"):
        # One integer label per sample is always binary or multiclass: the
        # check (a third of a small partial_fit's fixed cost) can only pass.
        check_classification_targets(y)
    multilabel = y.ndim == 2
    if multilabel and type_of_target(y) != "multilabel-indicator":
        raise ValueError(
            "y is 2-D but not a multilabel indicator matrix (0 or 1 in each "
            f"of its columns): {type_of_target(y)} targets, several labels "
            "per sample, are not supported. Pass y of shape (n_samples,) "
            "for one label per sample, or an indicator matrix of shape "
            "(n_samples, n_labels) for multilabel classification."
        )
    if not first_call and multilabel != fitted_multilabel:
        kinds = {True: "a multilabel indicator matrix", False: "one label per sample"}
        raise ValueError(
            f"y holds {kinds[multilabel]}, but the model was trained on "
            f"{kinds[fitted_multilabel]}: fit a new model (warm_start=False) "
            "for the other kind of target."
        )
    encode = _encode_indicators if multilabel else _encode_labels
    return encode(y, classes, fitted_classes, first_call, incremental)


def _encode_labels(y, classes, fitted_classes, first_call, incremental):
    """The classes, and y as int32 class codes."""
    new_classes = fitted_classes
    if incremental:
        if classes is not None:
            if np.size(classes) == 0:
                raise ValueError(
                    "classes is empty: pass every class that partial_fit will see."
                )
            if _numbers_of(classes, fitted_classes):
                classes = fitted_classes
            else:
                classes = unique_labels(classes)
            if fitted_classes is not None and not np.array_equal(
                fitted_classes, classes
            ):
                raise ValueError(
                    f"classes={classes!r} is not the same as on the first call "
                    f"to partial_fit: {fitted_classes!r}."
                )
            if fitted_classes is None or first_call:
                new_classes = classes
        elif fitted_classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
    elif first_call:
        new_classes = labels_of(y)
    elif not np.array_equal(labels_of(y), fitted_classes):
        raise ValueError(
            "warm_start can only be used where `y` has the same classes "
            f"as in the previous call to fit. Previously got "
            f"{fitted_classes}, `y` has {labels_of(y)}."
        )
    return new_classes, class_codes(new_classes, y, "y")


def _numbers_of(classes, fitted_classes):
    """Whether ``classes`` are the fitted classes, given again as numbers
    (partial_fit called minibatch after minibatch with the same argument):
    ``unique_labels`` would only sort them, and took a twentieth of a
    digits epoch."""
    return (
        fitted_classes is not None
        and type(classes) is np.ndarray
        and classes.ndim == 1
        and classes.dtype == fitted_classes.dtype
        and classes.dtype.kind in "biuf"
        and (
            # The same array again, and the fitted classes sorted and distinct
            # (as fits leave them): np.unique would take 15 us to say so.
            (
                np.array_equal(classes, fitted_classes)
                and bool((fitted_classes[1:] > fitted_classes[:-1]).all())
            )
            or np.array_equal(np.unique(classes), fitted_classes)
        )
    )


def _encode_indicators(y, classes, fitted_classes, first_call, incremental):
    """The classes (the column indices of a multilabel y, as MLPClassifier's),
    and y as a uint8 indicator matrix."""
    n_labels = y.shape[1]
    labels = np.arange(n_labels)
    if incremental and classes is not None:
        if np.size(classes) == 0 or not np.array_equal(unique_labels(classes), labels):
            raise ValueError(
                f"For a multilabel y of {n_labels} columns, classes are the "
                f"column indices: classes={labels.tolist()}. Got {classes!r}."
            )
    elif incremental and fitted_classes is None:
        raise ValueError(
            "classes must be passed on the first call to partial_fit: for a "
            f"multilabel y, the column indices {labels.tolist()}."
        )
    if first_call:
        return labels, indicator_matrix(y)
    if len(fitted_classes) != n_labels:
        raise ValueError(
            f"y has {n_labels} labels (columns), but the model was trained on "
            f"{len(fitted_classes)}: fit a new model (warm_start=False) for "
            "other labels."
        )
    return fitted_classes, indicator_matrix(y)


def class_codes(classes, y, name):
    """Positions of the labels y in ``classes``, as int32."""
    codes = np.searchsorted(classes, y)
    np.minimum(codes, len(classes) - 1, out=codes)  # searchsorted gives >= 0
    unseen = classes[codes] != y
    if np.any(unseen):
        raise ValueError(
            f"{name} contains labels not in classes: {np.unique(y[unseen])!r}."
        )
    return codes.astype(np.intc)


def validation_targets(y_val, classes, multilabel):
    """``y_val`` as the training targets are: class codes, or an indicator
    matrix of the model's labels."""
    if not multilabel:
        if y_val.ndim != 1:
            raise ValueError(
                "y_val must hold one label per sample, as y does; got an "
                f"array of shape {y_val.shape}."
            )
        return class_codes(classes, y_val, "y_val")
    if y_val.ndim != 2 or y_val.shape[1] != len(classes):
        raise ValueError(
            f"y_val must be an indicator matrix of the {len(classes)} "
            f"labels of y; got an array of shape {y_val.shape}."
        )
    if type_of_target(y_val) != "multilabel-indicator" and y_val.shape[1] > 1:
        raise ValueError("y_val must hold only 0 and 1, as y does.")
    return indicator_matrix(y_val, "y_val")
