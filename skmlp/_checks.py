"""Checks of the estimator's inputs and parameters that scikit-learn's
``_parameter_constraints`` cannot state: sample and class weights, dropout
rates per layer, hidden layer sizes, a max-norm radius too small to learn
with, numbers beyond float64, and whether X may skip ``validate_data`` at
prediction.

Each returns the value as the fit uses it, or raises ValueError naming it.
"""

import math
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
from sklearn.externals.array_api_compat import array_namespace
from sklearn.utils.class_weight import compute_class_weight, compute_sample_weight
from sklearn.utils.validation import check_array

from ._array_api._namespace import numpy_dtype


def is_ready_float_matrix(model, X):
    """True if X needs none of validate_data's conversions or warnings.

    The fast path of prediction, which matters for single rows: a fitted
    ``model`` (an estimator's instance dict) without feature names, and a
    finite 2-D float ndarray of the right width. Anything else goes through
    validate_data, which also gives the errors.
    """
    return (
        type(X) is np.ndarray
        and X.ndim == 2
        and X.shape[0] > 0
        and (X.dtype == np.float64 or X.dtype == np.float32)
        and "coefs_" in model
        and "feature_names_in_" not in model
        and X.shape[1] == model["n_features_in_"]
        and _is_finite(X)
    )


# From this many entries on, X's finiteness is tested by X . X (see _is_finite).
_DOT_TEST_SIZE = 1 << 16


def _is_finite(X):
    """Whether every entry of the float ndarray X is finite.

    For a large contiguous X, through X . X: NaN or infinite if an entry is,
    and BLAS computes it at three times the speed of ``np.isfinite(X).all()``
    without its temporary of X's size (21 ms of a 1.1 s partial_fit epoch on
    60,000 x 784 float32 images). The dot also overflows for finite entries
    beyond about 1e19 (float32): then the element-wise test decides.
    """
    if X.size >= _DOT_TEST_SIZE and (X.flags.c_contiguous or X.flags.f_contiguous):
        flat = X.ravel(order="K")  # a view
        # Silent whatever the caller's error settings: the squares of
        # finite entries may overflow or underflow.
        with np.errstate(all="ignore"):
            if math.isfinite(np.dot(flat, flat)):
                return True
    return bool(np.isfinite(X).all())


def is_ready_training_data(model, X, y):
    """True if a later fit of ``model`` (an instance dict) may skip
    ``validate_data``: X as :func:`is_ready_float_matrix` takes it and y one
    integer label per row of it, which validate_data would leave as they are.

    The fast path of ``partial_fit`` called minibatch after minibatch, where
    validate_data's checks of dataframes and dtypes took a fifth of a
    digits epoch.
    """
    return (
        type(y) is np.ndarray
        and y.ndim == 1
        and y.dtype.kind in "biu"
        and type(X) is np.ndarray
        and X.shape[0] == y.shape[0]
        and is_ready_float_matrix(model, X)
    )


def validate_hidden_layer_sizes(hidden_layer_sizes):
    """hidden_layer_sizes as a list of positive ints."""
    if np.ndim(hidden_layer_sizes) == 0:
        # An int, or a 0-d array such as np.array(5).
        hidden_layer_sizes = [np.asarray(hidden_layer_sizes).item()]
    sizes = list(hidden_layer_sizes)
    if not all(isinstance(s, Integral) and s > 0 for s in sizes):
        raise ValueError(
            f"hidden_layer_sizes must be positive integers, got {hidden_layer_sizes!r}."
        )
    return [int(s) for s in sizes]


def validate_dropout(dropout, n_hidden):
    """Dropout rates as one float per hidden layer, each in [0, 1)."""
    if type(dropout) is float and 0 <= dropout < 1:
        # The usual form (and the default, 0.0): no array to check.
        return np.full(n_hidden, dropout)
    rates = np.asarray(dropout, dtype=np.float64)
    if rates.ndim == 0:
        rates = np.full(n_hidden, float(rates))
    if rates.shape != (n_hidden,):
        raise ValueError(
            f"dropout must be a float or one rate per hidden layer ({n_hidden}); "
            f"got {dropout!r}."
        )
    if not np.all((rates >= 0) & (rates < 1)):
        raise ValueError(f"dropout rates must be in [0, 1); got {dropout!r}.")
    return rates


def validate_sample_weight(sample_weight, n_samples, dtype, name="sample_weight"):
    """Sample weights as a C-contiguous array of ``dtype``: finite, non-negative,
    with a positive sum (ones when None). Never the caller's array when it
    would be written to."""
    if sample_weight is None:
        return np.ones(n_samples, dtype=dtype)
    if np.isscalar(sample_weight):
        sample_weight = np.full(n_samples, sample_weight, dtype=dtype)
    sample_weight = check_array(
        sample_weight,
        ensure_2d=False,
        dtype=dtype,
        order="C",
        input_name="sample_weight",
    )
    if sample_weight.ndim != 1 or sample_weight.shape[0] != n_samples:
        raise ValueError(
            f"sample_weight.shape == {sample_weight.shape}, expected ({n_samples},)!"
        )
    if np.any(sample_weight < 0):
        raise ValueError("sample_weight must be non-negative: got negative weights.")
    with np.errstate(over="ignore"):
        total = sample_weight.sum()
    if not total > 0:
        raise ValueError(
            f"{name} must contain at least one non-zero weight: all are zero."
        )
    largest = sample_weight.max()
    if not np.isfinite(total) or largest < 1e-20:
        # The objective divides by the weights' sum, so rescaling changes
        # nothing but keeps sums finite and weights out of the denormal range
        # (which the engine flushes to zero).
        sample_weight = sample_weight / largest
    return sample_weight


@contextmanager
def numbers_beyond_float64_are_value_errors():
    """NumPy raises OverflowError for a Python int too large for float64 (say
    10**400); report it as the bad input it is."""
    try:
        yield
    except OverflowError as exc:
        raise ValueError(
            f"The input holds a number too large for float64 ({exc})."
        ) from exc


def validate_class_weight(class_weight, classes):
    """A class_weight dict: labels among ``classes``, finite non-negative
    weights, not all zero."""
    unknown = [label for label in class_weight if label not in set(classes.tolist())]
    if unknown:
        raise ValueError(
            f"class_weight holds labels that are not classes of y: {unknown!r} "
            f"(the classes are {classes.tolist()!r})."
        )
    for label, weight in class_weight.items():
        if isinstance(weight, bool) or not isinstance(weight, Real):
            raise ValueError(
                f"class_weight[{label!r}] = {weight!r}: class weights must be numbers."
            )
        if not (np.isfinite(weight) and weight >= 0):
            raise ValueError(
                f"class_weight[{label!r}] = {weight!r}: class weights must be finite "
                "and non-negative."
            )


def multilabel_class_weight(class_weight, indicators):
    """The per-sample weights of ``class_weight`` for multilabel targets:
    'balanced' as :func:`~sklearn.utils.class_weight.compute_sample_weight`
    defines it (each label a binary problem, the weights multiplied); a dict of
    class weights has no meaning there."""
    if isinstance(class_weight, dict):
        raise ValueError(
            "class_weight as a dict {class: weight} is not defined for multilabel "
            "y, whose columns are each a binary problem: use "
            "class_weight='balanced' (compute_sample_weight's weights) or "
            "weight the samples with sample_weight."
        )
    return compute_sample_weight(class_weight, indicators)


def training_weights(sample_weight, y_codes, dtype, class_weight, classes):
    """Sample weights times class weights, as LogisticRegression combines
    them (for multilabel targets, as ``compute_sample_weight`` does)."""
    with numbers_beyond_float64_are_value_errors():
        sample_weight = validate_sample_weight(sample_weight, len(y_codes), dtype)
    if class_weight is None:
        return sample_weight
    if y_codes.ndim == 2:
        weights_of_classes = multilabel_class_weight(class_weight, y_codes)
    else:
        if isinstance(class_weight, dict):
            validate_class_weight(class_weight, classes)
        weights_of_classes = compute_class_weight(
            class_weight, classes=classes, y=classes[y_codes]
        )[y_codes]
    weights = sample_weight * weights_of_classes.astype(dtype)
    if not weights.sum() > 0:
        raise ValueError(
            "sample_weight times class_weight must contain at least one "
            "non-zero weight: all are zero."
        )
    return weights


def check_max_norm_can_learn(max_norm, n_units, X, weight_limit):
    """Raise ValueError if ``max_norm`` leaves the outputs no way to depend on X.

    The constraint bounds every hidden unit's incoming weight vector by
    ``c = max_norm``. Every activation changes by at most the change of its
    input (its slope is at most 1), so two inputs of X, at most ``D = 2 *
    sqrt(n_features) * max|X|`` apart, move the units of hidden layer ``l``
    (of ``n_l`` units) by at most ``sqrt(n_l) * c`` times what the layer
    below moved, and a logit by at most ``sqrt(n_H) * M`` times what the last
    hidden layer moved, where ``M`` is the largest weight training keeps
    (``weight_limit``, beyond which it stops as diverged)::

        delta = D * prod_l (sqrt(n_l) * c) * sqrt(n_H) * M

    When ``delta`` is below the dtype's relative precision ``eps``, no
    weights the fit can reach make a logit, hence a probability, tell two
    inputs apart in its arithmetic: the model could learn only the class
    frequencies. That ``max_norm`` is refused; any larger one is the user's.
    For 784 pixels in [0, 1], one hidden layer of 100 units and 10 classes,
    max_norm is refused below about 3e-97 in float64 (``M`` about 1e77) and
    5e-21 in float32 (``M`` about 1e9). The bound is loose (``M`` is huge):
    it refuses only what cannot work; a radius just above it still learns
    very slowly, if at all.

    Parameters
    ----------
    max_norm : float or None
        None constrains nothing.
    n_units : sequence of int
        Units per layer, the input features first.
    X : ndarray or sparse matrix
        The training inputs (augmentation keeps pixels within their range).
    weight_limit : float
        ``M``, for X's dtype.
    """
    n_hidden = list(n_units[1:-1])
    if max_norm is None or not n_hidden:
        return
    data = X.data if hasattr(X, "tocsr") else X
    if isinstance(data, np.ndarray):
        largest = float(max(data.max(), -data.min())) if data.size else 0.0
    else:  # an array API array, on its device: one number read back
        xp = array_namespace(data)
        largest = float(xp.max(xp.abs(data))) if data.shape[0] else 0.0
    if not largest > 0:
        return  # inputs that are all 0 cannot be told apart anyway
    eps = float(np.finfo(numpy_dtype(X.dtype)).eps)
    # In logarithms: delta underflows long before max_norm does.
    log_others = (
        np.log(2 * largest)
        + 0.5 * np.log(n_units[0])
        + sum(0.5 * np.log(n) for n in n_hidden)
        + 0.5 * np.log(n_hidden[-1])
        + np.log(weight_limit)
    )
    log_delta = log_others + len(n_hidden) * np.log(max_norm)
    if log_delta >= np.log(eps):
        return
    smallest = np.exp((np.log(eps) - log_others) / len(n_hidden))
    raise ValueError(
        f"max_norm={max_norm} forbids learning: with every hidden unit's "
        f"incoming weights that short, inputs of X ({n_units[0]} features, "
        f"|X| <= {largest:.3g}) can move no output logit by more than "
        f"about 1e{log_delta / np.log(10):.0f}, below the {X.dtype.name} "
        f"precision ({eps:.3g}), whatever weights the fit reaches: the model "
        "could learn only the class frequencies. Use max_norm=None or a "
        f"radius above {smallest:.3g} (Srivastava et al. used 3 to 4)."
    )
