"""The hold-out split of early stopping: a stratified share of the training
rows set aside to validate on.

:func:`hold_out` splits the rows as MLPClassifier does (stratified for binary
targets, a ValueError where it cannot be), and further stratifies multiclass
targets where it can (MLPClassifier never does; where it cannot, a warning
says so and the split is unstratified, as MLPClassifier's).
"""

import warnings

import numpy as np
from scipy import sparse
from sklearn.model_selection import train_test_split


def hold_out(
    X, y_codes, sample_weight, validation_fraction, random_state, classes=None
):
    """Split off a ``validation_fraction`` of the rows of X, stratified by class
    where it can be.

    Binary targets are stratified, as MLPClassifier's: a class of a single
    sample, or fewer held-out (or remaining) samples than classes, is a
    ValueError. Multiclass targets are stratified too (MLPClassifier never
    stratifies them): where they cannot be, a warning says so and the split is
    MLPClassifier's unstratified one. Multilabel targets are not stratified.

    Parameters
    ----------
    X : ndarray or CSR matrix
    y_codes : ndarray
        Class codes, or the indicator matrix of multilabel targets.
    sample_weight : ndarray
    validation_fraction : float
    random_state : numpy.random.RandomState
    classes : ndarray, default=None
        The labels of the codes, to name them in errors.

    Returns
    -------
    train_rows : ndarray of intp
        The rows left to train on, in their original order.
    validation_rows : ndarray of intp
        The rows held out, in the split's order (:func:`held_out_data` gives
        their data).
    """
    rows = np.arange(X.shape[0], dtype=np.intp)
    stratify = None
    if y_codes.ndim == 1 and _can_stratify(y_codes, validation_fraction, classes):
        stratify = y_codes
    train_rows, validation_rows = train_test_split(
        rows,
        test_size=validation_fraction,
        random_state=random_state,
        stratify=stratify,
    )
    if len(validation_rows) < 2:
        raise ValueError(
            "The validation set is too small: increase validation_fraction or "
            "the number of samples."
        )
    for name, part in (("training", train_rows), ("validation", validation_rows)):
        if not sample_weight[part].sum() > 0:
            raise ValueError(
                f"The early-stopping {name} split holds only samples of zero "
                "weight: change random_state or validation_fraction, or pass "
                "X_val and y_val."
            )
    # Without shuffling, train in the order the samples came in.
    train_rows = np.ascontiguousarray(np.sort(train_rows), dtype=np.intp)
    return train_rows, np.ascontiguousarray(validation_rows, dtype=np.intp)


def held_out_data(X, y_codes, sample_weight, validation_rows, take_rows=None):
    """``(X_val, y_val codes, sample_weight_val)``: the validation data of
    the rows ``validation_rows`` of X, in that order.

    ``take_rows(X, rows)`` gives the held-out rows of X as the fit validates
    on them (the array API backend keeps them in X's namespace and on its
    device); None: :func:`rows_ready` of ``X[rows]`` (NumPy arrays and CSR
    matrices).
    """
    if take_rows is None:
        take_rows = _rows_ready_of
    return (
        take_rows(X, validation_rows),
        y_codes[validation_rows],
        sample_weight[validation_rows],
    )


def _rows_ready_of(X, rows):
    return rows_ready(X[rows])


def _can_stratify(y_codes, validation_fraction, classes):
    """Whether the hold-out can be stratified by class; if not, raise for
    binary (and one-class) targets, as MLPClassifier does, and warn for
    multiclass ones."""
    counts = np.bincount(y_codes)
    present = np.flatnonzero(counts)
    lonely = present[counts[present] < 2]
    n_samples = len(y_codes)
    n_validation = int(np.ceil(validation_fraction * n_samples))
    sizes = {"validation": n_validation, "training": n_samples - n_validation}
    if lonely.size:
        labels = lonely if classes is None else np.asarray(classes)[lonely]
        if present.size == 2:
            # MLPClassifier stratifies binary targets on its label binarizer's
            # single column (is the sample of the second class?) and names
            # that column's values; the label follows.
            positive = (present if classes is None else classes)[present[1]]
            positive = np.asarray(positive).tolist()
            named = (
                f"{[str(bool(code == present[1])) for code in lonely]} (whether y "
                f"== {positive!r}; the class of 1 member is {labels.tolist()})"
            )
        else:
            named = f"{labels.tolist()}"
        problem = (
            "The least populated classes in y have only 1 member, which is too "
            "few for early_stopping's validation set stratified by class (at "
            "least 2 samples of each class). Classes with too few members are: "
            f"{named}."
        )
    elif min(sizes.values()) < present.size:
        name = min(sizes, key=sizes.get)
        problem = (
            f"The {name} split of early_stopping (validation_fraction="
            f"{validation_fraction}) would hold {sizes[name]} "
            f"sample{'s' if sizes[name] != 1 else ''}, fewer than the "
            f"{present.size} classes of y: a split stratified by class needs one "
            "of each."
        )
    else:
        return True
    if present.size <= 2:
        raise ValueError(
            f"{problem} Pass a validation set of your own (X_val and y_val), "
            "change validation_fraction, or set early_stopping=False."
        )
    warnings.warn(
        f"{problem} Holding out a validation set without stratification "
        "instead, as MLPClassifier does for multiclass targets; pass X_val and "
        "y_val for a validation set of your own.",
        UserWarning,
    )
    return False


def rows_ready(X):
    """X for forward_proba: CSR stays sparse (densified chunk by chunk), a
    dense array becomes C-contiguous."""
    return X.tocsr() if sparse.issparse(X) else np.ascontiguousarray(X)
