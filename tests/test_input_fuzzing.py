"""Property-based fuzzing of what MLPDigitClassifier accepts.

The training loop is compiled code that runs without the GIL and, in release
builds, without bounds checks: whatever reaches it must already have the
shapes, dtypes and values it trusts. These tests throw odd inputs at the
Python layer (shapes, dtypes, memory layouts, labels, sample weights,
hyper-parameters, sequences of partial_fit calls, hand-assigned weights) and
check one property:

    every case either trains a model whose ``coefs_``/``intercepts_`` are
    finite and whose ``predict_proba`` rows are finite and sum to one, or it
    raises ValueError / TypeError (sklearn's InvalidParameterError is both)
    with a message that names one of the case's problems -- never another
    exception type, a crash, a hang or a NaN; invalid cases are never
    accepted and valid ones are never rejected.

Profiles: ``ci`` (the default, and what CI uses): 150 derandomized examples
per test. ``HYPOTHESIS_PROFILE=dev`` runs 2000 random examples per test.
The number of examples each test tried is printed in pytest's terminal
summary ("hypothesis examples tried").
"""

import collections
import faulthandler
import itertools
import os
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, event, given, note, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.exceptions import (
    ConvergenceWarning,
    DataConversionWarning,
    NotFittedError,
)
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.multiclass import type_of_target

from skmlp import MLPDigitClassifier

# --------------------------------------------------------------- profiles

_SUPPRESSED = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile(
    "ci",
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=_SUPPRESSED,
    # The explain phase traces every line of a failing case: slow.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
)
settings.register_profile(
    "dev",
    max_examples=2000,
    deadline=None,
    print_blob=True,
    suppress_health_check=_SUPPRESSED,
)
# The profile is applied to this module's tests only (not loaded globally), so
# that other test modules keep their own Hypothesis settings.
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
if PROFILE not in ("ci", "dev"):
    PROFILE = "ci"
fuzz_settings = settings(settings.get_profile(PROFILE))

# A fit of the tiny networks used here takes milliseconds: anything close to
# this is a hang. faulthandler then dumps every thread's stack and exits.
_WATCHDOG_SECONDS = 300

# ------------------------------------------------------- example counting

_COUNTS = collections.defaultdict(collections.Counter)


class _ExampleCountReport:
    """pytest plugin printing how many examples each property test tried."""

    def pytest_terminal_summary(self, terminalreporter):
        if not _COUNTS:
            return
        terminalreporter.write_sep(
            "-", f"hypothesis examples tried (profile {PROFILE!r})"
        )
        for name in sorted(_COUNTS):
            counts = _COUNTS[name]
            detail = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
            terminalreporter.write_line(
                f"{name}: {sum(counts.values())} examples ({detail})"
            )


@pytest.fixture(scope="module", autouse=True)
def _report_example_counts(request):
    """Register the terminal-summary plugin once per session."""
    manager = request.config.pluginmanager
    if not manager.has_plugin("skmlp-fuzz-counts"):
        manager.register(_ExampleCountReport(), "skmlp-fuzz-counts")
    yield


@pytest.fixture(autouse=True)
def _watchdog():
    """Turn a hang into a loud failure with every thread's traceback."""
    faulthandler.dump_traceback_later(_WATCHDOG_SECONDS, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


def _record(test, outcome):
    _COUNTS[test][outcome] += 1
    event(outcome)


# ----------------------------------------------------------- the problems

# Every problem a case can have, and words of which an error message about it
# must contain at least one (compared in lower case).
KEYWORDS = {
    "no_samples": ["sample"],
    "no_features": ["feature"],
    "string_X": ["convert", "string", "str"],
    "complex_X": ["complex"],
    "nan_X": ["nan"],
    "inf_X": ["inf"],
    "continuous_y": ["continuous", "label type"],
    "multi_output_y": ["1d", "multi", "output", "shape"],
    # sklearn's type_of_target sorts the labels first: str-vs-int TypeError.
    "mixed_y": ["mix", "str", "label type"],
    "nan_y": ["nan"],
    "y_length": ["inconsistent", "samples"],
    "sw_negative": ["negative"],
    "sw_zero": ["zero"],
    "sw_nan": ["nan"],
    "sw_inf": ["inf"],
    "sw_shape": ["sample_weight", "shape"],
    "validation": ["validation", "train set", "test_size", "test set", "empty"],
    "early_stopping_partial_fit": ["early_stopping"],
    "n_features_changed": ["feature"],
    "unseen_label": ["not in classes", "label", "classes"],
    "weights_layout": ["coefs_", "intercepts_", "shape", "layer"],
    # partial_fit is hidden (AttributeError) for solver='lbfgs', as sklearn's
    # MLPClassifier does.
    "partial_fit_unavailable": ["partial_fit"],
}
for _name in (
    "hidden_layer_sizes",
    "learning_rate",
    "batch_size",
    "max_iter",
    "momentum",
    "solver",
    "activation",
    "l1",
    "l2",
    "validation_fraction",
    "class_weight",
    "init",
    "init_scale",
    "output_init",
    "lr_schedule",
    "power_t",
    "decay",
    "dropout",
    "max_fun",
):
    KEYWORDS[_name] = [_name]


def _fit_and_check(test, make_estimator, X, y, sample_weight, method, problems):
    """Run one case and check the property.

    ``problems`` maps each problem of the case to True (the fit must fail:
    a definite problem) or False (the fit may fail: a possible problem).
    """
    definite = sorted(p for p, must in problems.items() if must)
    note(f"definite problems: {definite}; possible: {sorted(problems)}")
    X_before = _fingerprint(X)
    y_before = _fingerprint(y)
    sw_before = _fingerprint(sample_weight)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf = make_estimator()
        try:
            if method == "fit":
                clf.fit(X, y, sample_weight=sample_weight)
            elif method == "partial_fit":
                clf.partial_fit(
                    X, y, classes=_classes_of(y), sample_weight=sample_weight
                )
            elif method == "fit_then_partial_fit":
                clf.fit(X, y, sample_weight=sample_weight)
                clf.partial_fit(X, y, sample_weight=sample_weight)
            else:  # warm_start_twice
                clf.set_params(warm_start=True)
                clf.fit(X, y, sample_weight=sample_weight)
                clf.fit(X, y, sample_weight=sample_weight)
        except (ValueError, TypeError) as exc:
            _record(test, "rejected")
            _check_message(exc, problems)
            return None
        except AttributeError as exc:
            if "partial_fit_unavailable" not in problems:
                raise
            _record(test, "rejected")
            _check_message(exc, {"partial_fit_unavailable": True})
            return None
    _check_warnings(caught)
    _record(test, "fitted")
    assert not definite, f"accepted a case with problems {definite}"
    _check_fitted(clf, X)
    assert _fingerprint(X) == X_before, "fit modified X"
    assert _fingerprint(y) == y_before, "fit modified y"
    assert _fingerprint(sample_weight) == sw_before, "fit modified sample_weight"
    return clf


def _check_message(exc, problems):
    message = str(exc).lower()
    note(f"{type(exc).__name__}: {exc}")
    assert problems, f"rejected a valid case: {type(exc).__name__}: {exc}"
    keywords = sorted({k for p in problems for k in KEYWORDS[p]})
    assert any(k in message for k in keywords), (
        f"{type(exc).__name__}: {exc!s} names none of the problems "
        f"{sorted(problems)} (looked for {keywords})"
    )


def _check_warnings(caught):
    """Warnings about the data or the optimisation are fine; a RuntimeWarning
    (overflow, invalid value) means a numerical fault leaked out."""
    for w in caught:
        assert not issubclass(w.category, RuntimeWarning), (
            f"{w.category.__name__}: {w.message}"
        )
        assert issubclass(
            w.category, (ConvergenceWarning, DataConversionWarning, UserWarning)
        ), f"unexpected {w.category.__name__}: {w.message}"


def _check_fitted(clf, X, check_dtype=True):
    """The fitted model is usable: finite weights, finite normalised
    probabilities, predictions among the classes (and, unless weights were
    assigned by hand, in the dtype of the training data)."""
    for i, (coef, intercept) in enumerate(zip(clf.coefs_, clf.intercepts_)):
        assert np.all(np.isfinite(coef)), f"coefs_[{i}] is not finite: {coef}"
        assert np.all(np.isfinite(intercept)), f"intercepts_[{i}] not finite"
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        proba = clf.predict_proba(X)
        log_proba = clf.predict_log_proba(X)
        labels = clf.predict(X)
    n_samples = len(X)
    assert proba.shape == (n_samples, len(clf.classes_))
    assert np.all(np.isfinite(proba)), f"predict_proba is not finite: {proba}"
    assert np.all((proba >= 0) & (proba <= 1))
    assert np.all(np.isfinite(log_proba)), "predict_log_proba is not finite"
    if clf.out_activation_ == "logistic":
        # Multilabel: a probability per label, and an indicator matrix.
        assert labels.shape == proba.shape
        assert np.array_equal(labels, proba > 0.5)
    else:
        tolerance = 1e-4 if proba.dtype == np.float32 else 1e-10
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=tolerance)
        assert np.all(np.isin(labels, clf.classes_))
    if check_dtype:
        # float32 input trains (and predicts) in float32, anything else float64.
        assert clf.coefs_[0].dtype == _training_dtype(X) == proba.dtype


def _fingerprint(a):
    """Bytes identifying an input's content (and that it was not written to)."""
    if a is None or np.isscalar(a):
        return repr(a)
    if isinstance(a, list):
        return repr(a)
    a = np.asarray(a)
    if a.dtype == object:
        return repr(a.tolist()), a.shape
    return a.tobytes(), a.dtype.str, a.shape


def _classes_of(y):
    """The classes argument of a first partial_fit call: y's distinct labels
    (the column indices of a multilabel indicator matrix)."""
    if np.ndim(y) == 2 and _is_multilabel(y):
        return np.arange(np.shape(y)[1])
    try:
        return np.unique(np.asarray(y).ravel())
    except TypeError:  # labels of types that do not compare, e.g. str and int
        return y


# --------------------------------------------------------------- the data

NUMERIC_X_KINDS = (
    "int8",
    "int64",
    "bool",
    "float16",
    "float32",
    "float64",
    "object_num",
)
X_KINDS = NUMERIC_X_KINDS + (
    "object_str",
    "object_numeric_str",
    "unicode_numeric",
    "complex",
)
LAYOUTS = (
    "C",
    "F",
    "cols_strided",
    "rows_strided",
    "reversed",
    "readonly",
    "memmap",
    "list",
    "broadcast",
)
LABEL_KINDS = (
    "int",
    "str",
    "object_str",
    "bool",
    "float_integral",
    "column_2d",
    "continuous",
    "multi_output",
    "mixed_types",
    "nan_float",
    "wrong_length",
)
VALID_LABEL_KINDS = LABEL_KINDS[:6]


def _convert(values, kind):
    """values (float64, 2-D) as an array of the given kind."""
    if kind == "int8":
        return np.clip(np.rint(values), -128, 127).astype(np.int8)
    if kind == "int64":
        return np.rint(values).astype(np.int64)
    if kind == "bool":
        return values != 0
    if kind in ("float16", "float32", "float64"):
        return values.astype(kind)
    out = np.empty(values.shape, dtype=object)
    for index, v in np.ndenumerate(values):
        if kind == "object_num":
            out[index] = int(v) if float(v).is_integer() else float(v)
        elif kind == "object_str":
            out[index] = f"x{v}"
        else:  # object_numeric_str
            out[index] = str(v)
    if kind == "unicode_numeric":
        return values.astype(str)
    if kind == "complex":
        return values + 1j
    return out


_memmap_counter = itertools.count()


def _lay_out(a, layout, directory):
    """The array ``a`` presented with the given memory layout."""
    if layout == "C":
        return np.ascontiguousarray(a)
    if layout == "F":
        return np.asfortranarray(a)
    if layout == "cols_strided":
        wide = np.empty((a.shape[0], 2 * a.shape[1]), dtype=a.dtype)
        wide[:, ::2] = a
        wide[:, 1::2] = a
        return wide[:, ::2]
    if layout == "rows_strided":
        return np.repeat(a, 2, axis=0)[::2]
    if layout == "reversed":
        return a[::-1].copy()[::-1]
    if layout == "readonly" or (layout == "memmap" and a.dtype == object):
        a = a.copy()
        a.setflags(write=False)
        return a
    if layout == "memmap":
        path = directory / f"X{next(_memmap_counter)}.npy"
        np.save(path, a)
        return np.load(path, mmap_mode="r")
    if layout == "list":
        return a.tolist()
    # broadcast: every row is the first, with a zero row stride (read-only).
    if a.shape[0] == 0:
        return a
    return np.broadcast_to(a[:1], a.shape)


@st.composite
def data_ingredients(
    draw,
    x_kinds=X_KINDS,
    layouts=LAYOUTS,
    label_kinds=LABEL_KINDS,
    specials=(None, None, None, "nan", "inf"),
    min_samples=0,
    min_features=0,
    min_classes=1,
):
    """Everything X and y are made of: simple values that Hypothesis prints
    and shrinks well."""
    n_samples = draw(st.integers(min_samples, 40))
    n_features = draw(st.integers(min_features, 6))
    values = draw(
        hnp.arrays(np.int16, (n_samples, n_features), elements=st.integers(-99, 99))
    )
    n_classes = draw(st.integers(min_classes, max(n_samples, min_classes)))
    codes = draw(
        st.lists(st.integers(0, n_classes - 1), min_size=n_samples, max_size=n_samples)
    )
    return {
        "values": values.tolist(),
        "n_features": n_features,
        "scale": draw(st.sampled_from([0.25, 1.0, 100.0])),
        "x_kind": draw(st.sampled_from(x_kinds)),
        "special": draw(st.sampled_from(specials)),
        "layout": draw(st.sampled_from(layouts)),
        "label_kind": draw(st.sampled_from(label_kinds)),
        "codes": codes,
    }


def build_data(ingredients, directory):
    """X, y and the problems they have, from :func:`data_ingredients`."""
    d = ingredients
    values = np.array(d["values"], dtype=np.float64)
    values = values.reshape(len(d["codes"]), d["n_features"])
    values *= d["scale"]
    n_samples, n_features = values.shape
    problems = {}
    kind = d["x_kind"]
    if d["special"] and values.size and kind not in ("int8", "int64", "bool"):
        values[0, -1] = np.nan if d["special"] == "nan" else np.inf
        if kind != "object_str":
            problems[f"{d['special']}_X"] = True
    X = _lay_out(_convert(values, kind), d["layout"], directory)
    if n_samples == 0:
        problems["no_samples"] = True
    if n_features == 0:
        problems["no_features"] = True
    if kind == "object_str":
        problems["string_X"] = True
    if kind in ("object_numeric_str", "unicode_numeric"):
        problems["string_X"] = False
    if kind == "complex":
        problems["complex_X"] = True
    y, label_problems = build_labels(d["codes"], d["label_kind"])
    problems.update(label_problems)
    return X, y, problems


def build_labels(codes, kind):
    """y of the given kind from class codes, and its problems."""
    codes = np.asarray(codes, dtype=np.int64)
    n = len(codes)
    problems = {}
    if kind == "int":
        y = codes * 3 - 5
    elif kind == "str":
        y = np.array([f"class {c}" for c in codes])
    elif kind == "object_str":
        y = np.array([f"c{c}" for c in codes] or [], dtype=object)
    elif kind == "bool":
        y = codes % 2 == 1
    elif kind == "float_integral":
        y = codes * 2.0
    elif kind == "column_2d":
        y = codes.reshape(-1, 1)
    elif kind == "continuous":
        y = codes + 0.25
        problems["continuous_y"] = n > 0
    elif kind == "multi_output":
        y = np.stack([codes, codes[::-1]], axis=1)
        # Codes of 0 and 1 only make a multilabel indicator matrix, which
        # MLPDigitClassifier fits as MLPClassifier does.
        problems["multi_output_y"] = n > 0 and not _is_multilabel(y)
    elif kind == "mixed_types":
        y = np.array([c if c % 2 else f"c{c}" for c in codes] or [], dtype=object)
        types = {type(v) for v in y}
        problems["mixed_y"] = len(types) > 1
    elif kind == "nan_float":
        y = codes.astype(np.float64)
        if n:
            y[-1] = np.nan
        problems["nan_y"] = n > 0
    else:  # wrong_length
        y = np.append(codes, 0)
        problems["y_length"] = True
    return y, problems


def _is_multilabel(y):
    return type_of_target(y) == "multilabel-indicator"


SAMPLE_WEIGHT_KINDS = (
    "none",
    "ones",
    "zeros",
    "some_zeros",
    "negative",
    "nan",
    "inf",
    "wrong_length",
    "huge",
    "max_float",
    "tiny",
    "scalar",
    "scalar_zero",
    "list",
    "column",
    "int",
)


def build_sample_weight(kind, n, mask, training_dtype):
    """Sample weights of the given kind for n samples, and their problems.

    ``mask`` (bools) picks the samples that get the kind's special value.
    """
    mask = np.resize(np.asarray(mask, dtype=bool), n) if n else np.zeros(0, bool)
    problems = {}
    if kind == "none":
        return None, problems
    if kind == "scalar":
        return 2.0, problems
    if kind == "scalar_zero":
        return 0.0, {"sw_zero": n > 0}
    if kind == "ones":
        sw = np.ones(n)
    elif kind == "zeros":
        sw = np.zeros(n)
    elif kind == "some_zeros":
        sw = np.where(mask, 0.0, 1.0 + np.arange(n) % 3)
    elif kind == "negative":
        sw = np.where(mask, -1.0, 1.0)
    elif kind == "nan":
        sw = np.where(mask, np.nan, 1.0)
    elif kind == "inf":
        sw = np.where(mask, np.inf, 1.0)
    elif kind == "huge":
        sw = np.where(mask, 1e30, 1.0)
    elif kind == "max_float":
        sw = np.full(n, np.finfo(np.float64).max)
        # Rounds to inf in float32 training.
        problems["sw_inf"] = training_dtype == np.float32 and n > 0
    elif kind == "tiny":
        sw = np.where(mask, 1e-40, 1e-300)
        # 1e-300 rounds to zero in float32 training, 1e-40 to a subnormal.
        problems["sw_zero"] = training_dtype == np.float32 and n > 0 and not any(mask)
    elif kind == "wrong_length":
        sw = np.ones(n + 1)
    elif kind == "list":
        sw = [1.0 + i % 2 for i in range(n)]
    elif kind == "column":
        sw = np.ones((n, 1))
    else:  # int
        sw = np.arange(n) % 3 + 1
    a = np.asarray(sw, dtype=np.float64)
    if a.shape != (n,):
        problems["sw_shape"] = True
    elif n:
        if np.any(np.isnan(a)):
            problems["sw_nan"] = True
        if np.any(np.isinf(a)):
            problems["sw_inf"] = True
        if np.any(a < 0):
            problems["sw_negative"] = True
        if np.all(a == 0):
            problems["sw_zero"] = True
    return sw, problems


# ---------------------------------------------------------- the estimator


def _str_options(name):
    """The strings the estimator's parameter validation accepts for ``name``
    (read from it, so that new options get fuzzed too)."""
    for constraint in MLPDigitClassifier._parameter_constraints.get(name, []):
        if isinstance(constraint, StrOptions):
            return tuple(sorted(constraint.options))
    return ()


_ESTIMATOR_PARAMS = set(MLPDigitClassifier().get_params())

# Valid values (extremes included), and invalid ones; a case breaks at most one
# parameter, so that most cases get to train. Parameters the estimator does not
# have are left out.
VALID_PARAMS = {
    "hidden_layer_sizes": ((), (3,), (2, 3), 3, [2]),
    "activation": _str_options("activation"),
    "solver": _str_options("solver"),
    "learning_rate": (1e-3, 0.1, 1.0, 1e6),
    "momentum": (0.0, 0.9),
    "l1": (0.0, 1e-3),
    "l2": (0.0, 1e-4, 10.0),
    "batch_size": ("auto", 1, 2, "n+5"),
    "max_iter": (1, 2, 3),
    "validation_fraction": (0.1, 0.5),
    "class_weight": (None, None, "balanced", "first_class_x3"),
    "init": _str_options("init"),
    "init_scale": (None, 0.5),
    "output_init": _str_options("output_init"),
    "lr_schedule": _str_options("lr_schedule"),
    "power_t": (0.5, 2.0),
    "decay": (0.01, 1.0),
    "dropout": (0.0, 0.0, 0.5, "per_layer"),
    "max_fun": (15000, 3),
}
INVALID_PARAMS = {
    "hidden_layer_sizes": ((0,), (3, 0), (-1,), (2.0,), 0, "abc"),
    "activation": ("softplus",),
    "solver": ("newton",),
    "learning_rate": (0.0, -1.0, float("nan"), float("inf")),
    "momentum": (1.0, -0.5),
    "l1": (-1.0,),
    "l2": (-1.0, float("nan")),
    "batch_size": (0, -1, 2.5),
    "max_iter": (0,),
    "validation_fraction": (0.0, 1.0),
    "class_weight": ("auto",),
    "init": ("orthogonal",),
    "init_scale": (0.0, -1.0),
    "output_init": ("ones",),
    "lr_schedule": ("step",),
    "power_t": (-1.0,),
    "decay": (-1.0,),
    "dropout": (1.0, -0.1, float("nan"), "per_layer_plus_one"),
    "max_fun": (0,),
}
VALID_PARAMS = {k: v for k, v in VALID_PARAMS.items() if k in _ESTIMATOR_PARAMS}
INVALID_PARAMS = {k: v for k, v in INVALID_PARAMS.items() if k in _ESTIMATOR_PARAMS}


@st.composite
def parameter_ingredients(draw, wild=True, valid_odds=1):
    """Hyper-parameters, with extreme values; ``wild`` breaks one of them
    (with an invalid value) in 1 / (1 + valid_odds) of the cases."""
    params = {name: draw(st.sampled_from(v)) for name, v in VALID_PARAMS.items()}
    params.update(
        nesterov=draw(st.booleans()),
        shuffle=draw(st.booleans()),
        random_state=draw(st.integers(0, 3)),
        tol=draw(st.sampled_from([0.0, 1e-4])),
        n_iter_no_change=draw(st.sampled_from([1, 10])),
        early_stopping=draw(st.booleans()),
    )
    if wild:
        n_valid = valid_odds * len(INVALID_PARAMS)
        broken = draw(st.sampled_from([None] * n_valid + [*INVALID_PARAMS]))
        if broken is not None:
            params[broken] = draw(st.sampled_from(INVALID_PARAMS[broken]))
    return params


def _n_hidden(hidden):
    return 1 if isinstance(hidden, int) else len(hidden)


def build_estimator(params, n_samples, method, classes=None):
    """A factory of the estimator, and the problems of its parameters.

    ``classes`` (the labels of y, when they sort) resolves class_weight
    markers.
    """
    params = dict(params)
    problems = {}
    if params.get("batch_size") == "n+5":
        params["batch_size"] = n_samples + 5
    hidden = params.get("hidden_layer_sizes", (3,))
    if not _valid_hidden(hidden):
        problems["hidden_layer_sizes"] = True
    dropout = params.get("dropout", 0.0)
    if isinstance(dropout, str):  # one rate per hidden layer (or one too many)
        n = _n_hidden(hidden) if _valid_hidden(hidden) else 1
        dropout = [0.25] * (n + (dropout == "per_layer_plus_one"))
        params["dropout"] = dropout
        if len(dropout) != n:
            problems["dropout"] = True
    if not np.all((np.asarray(dropout) >= 0) & (np.asarray(dropout) < 1)):
        problems["dropout"] = True
    if params.get("class_weight") == "first_class_x3":
        labels = np.asarray(classes if classes is not None else [0]).ravel()
        params["class_weight"] = {labels[0] if labels.size else 0: 3.0}
    lr = params.get("learning_rate", 1e-3)
    if not 0 < lr < np.inf:
        problems["learning_rate"] = True
    bs = params.get("batch_size", "auto")
    if bs != "auto" and not (isinstance(bs, int) and bs >= 1):
        problems["batch_size"] = True
    for name in ("max_iter", "max_fun"):
        if params.get(name, 1) < 1:
            problems[name] = True
    if not 0 <= params.get("momentum", 0.9) < 1:
        problems["momentum"] = True
    for name in ("solver", "activation", "init", "output_init", "lr_schedule"):
        if name in params and params[name] not in _str_options(name):
            problems[name] = True
    if params.get("class_weight") not in (None, "balanced") and not isinstance(
        params.get("class_weight"), dict
    ):
        problems["class_weight"] = True
    for name in ("l1", "l2", "power_t", "decay"):
        if not params.get(name, 0) >= 0:
            problems[name] = True
    scale = params.get("init_scale")
    if scale is not None and not scale > 0:
        problems["init_scale"] = True
    if not 0 < params.get("validation_fraction", 0.1) < 1:
        problems["validation_fraction"] = True
    uses_partial_fit = method in ("partial_fit", "fit_then_partial_fit")
    if params.get("early_stopping"):
        if uses_partial_fit:
            problems["early_stopping_partial_fit"] = True
        # Small data leaves no room for a validation set.
        problems["validation"] = False
    if params.get("solver") == "lbfgs":
        if uses_partial_fit:
            problems["partial_fit_unavailable"] = True
        if np.any(np.asarray(dropout) > 0):
            problems["dropout"] = True
    if params.get("class_weight") == "balanced" and uses_partial_fit:
        problems["class_weight"] = True
    return (lambda: MLPDigitClassifier(**params)), problems


def _valid_hidden(hidden):
    if isinstance(hidden, str):
        return False
    if isinstance(hidden, int):
        return hidden >= 1
    return all(isinstance(h, int) and h >= 1 for h in hidden)


def _training_dtype(X):
    """The dtype skmlp trains in for this X (float32 only for float32)."""
    a = np.asarray(X) if not isinstance(X, list) else np.asarray(X, dtype=object)
    return np.float32 if a.dtype == np.float32 else np.float64


METHODS = ("fit", "partial_fit", "fit_then_partial_fit", "warm_start_twice")

SMALL_PARAMS = st.fixed_dictionaries(
    {
        "hidden_layer_sizes": st.sampled_from([(3,), (), (2, 2)]),
        "solver": st.sampled_from(["adam", "sgd"]),
        "learning_rate": st.sampled_from([1e-2, 0.1]),
        "max_iter": st.integers(1, 3),
        "batch_size": st.sampled_from(["auto", 1, 7, "n+5"]),
        "random_state": st.integers(0, 3),
    }
)

# ------------------------------------------------------------------ tests


@pytest.fixture(scope="module")
def memmap_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz_memmaps")


@fuzz_settings
@given(
    data=data_ingredients(),
    params=SMALL_PARAMS,
    method=st.sampled_from(METHODS),
)
def test_fuzzed_data(memmap_dir, data, params, method):
    """Shapes, dtypes, memory layouts and label types of X and y: anything the
    compiled loop could misread is rejected with a ValueError, the rest
    trains to a finite model."""
    X, y, problems = build_data(data, memmap_dir)
    make, param_problems = build_estimator(params, len(y), method, _classes_of(y))
    problems.update(param_problems)
    _fit_and_check("test_fuzzed_data", make, X, y, None, method, problems)


@fuzz_settings
@given(
    data=data_ingredients(
        x_kinds=("float32", "float64"),
        layouts=("C", "F", "rows_strided"),
        label_kinds=VALID_LABEL_KINDS,
        specials=(None,),
        min_features=1,
        min_classes=2,
    ),
    sw_kind=st.sampled_from(SAMPLE_WEIGHT_KINDS),
    sw_mask=st.lists(st.booleans(), min_size=1, max_size=40),
    params=SMALL_PARAMS,
    early_stopping=st.booleans(),
    validation_fraction=st.sampled_from([0.1, 0.3, 0.5]),
    method=st.sampled_from(METHODS),
)
def test_fuzzed_sample_weight(
    memmap_dir,
    data,
    sw_kind,
    sw_mask,
    params,
    early_stopping,
    validation_fraction,
    method,
):
    """Sample weights: zeros, negatives, NaN, inf, huge, wrong shapes, with
    and without early stopping's validation split."""
    X, y, problems = build_data(data, memmap_dir)
    if method not in ("fit", "warm_start_twice"):
        early_stopping = False  # partial_fit refuses early_stopping
    params = {
        **params,
        "early_stopping": early_stopping,
        "validation_fraction": validation_fraction,
    }
    make, param_problems = build_estimator(params, len(y), method, _classes_of(y))
    problems.update(param_problems)
    sw, sw_problems = build_sample_weight(sw_kind, len(y), sw_mask, _training_dtype(X))
    problems.update(sw_problems)
    _fit_and_check("test_fuzzed_sample_weight", make, X, y, sw, method, problems)


@fuzz_settings
@given(
    data=data_ingredients(
        x_kinds=("float32", "float64", "int64"),
        layouts=("C", "F"),
        label_kinds=VALID_LABEL_KINDS,
        specials=(None,),
        min_samples=2,
        min_features=1,
    ),
    params=parameter_ingredients(),
    method=st.sampled_from(METHODS),
)
def test_fuzzed_parameters(memmap_dir, data, params, method):
    """Hyper-parameters, valid, invalid and extreme (learning_rate 1e6,
    batch sizes of 1 and beyond n, empty and zero-width hidden layers)."""
    X, y, problems = build_data(data, memmap_dir)
    make, param_problems = build_estimator(params, len(y), method, _classes_of(y))
    problems.update(param_problems)
    _fit_and_check("test_fuzzed_parameters", make, X, y, None, method, problems)


# Odds tilted towards valid values, so that most cases of the combined test
# get past validation to the compiled code.
VALID_SAMPLE_WEIGHT_KINDS = (
    "none",
    "ones",
    "some_zeros",
    "huge",
    "tiny",
    "scalar",
    "list",
    "int",
)


@fuzz_settings
@given(
    data=data_ingredients(
        x_kinds=NUMERIC_X_KINDS * 4 + ("object_str", "complex"),
        label_kinds=VALID_LABEL_KINDS * 4 + LABEL_KINDS[6:],
        specials=(None,) * 8 + ("nan", "inf"),
        layouts=LAYOUTS,
    ),
    sw_kind=st.sampled_from(VALID_SAMPLE_WEIGHT_KINDS * 3 + SAMPLE_WEIGHT_KINDS),
    sw_mask=st.lists(st.booleans(), min_size=1, max_size=40),
    params=parameter_ingredients(valid_odds=3),
    method=st.sampled_from(METHODS),
)
def test_fuzzed_everything(memmap_dir, data, sw_kind, sw_mask, params, method):
    """Every dimension at once, to catch interactions (a float32 memmap with
    sample weights and early stopping, ...)."""
    X, y, problems = build_data(data, memmap_dir)
    make, param_problems = build_estimator(params, len(y), method, _classes_of(y))
    problems.update(param_problems)
    sw, sw_problems = build_sample_weight(sw_kind, len(y), sw_mask, _training_dtype(X))
    problems.update(sw_problems)
    _fit_and_check("test_fuzzed_everything", make, X, y, sw, method, problems)


@st.composite
def partial_fit_steps(draw):
    """A sequence of partial_fit calls on data of varying dtype, width and
    labels."""
    n_steps = draw(st.integers(1, 4))
    steps = []
    for _ in range(n_steps):
        n = draw(st.integers(1, 12))
        steps.append(
            {
                "n_samples": n,
                "n_features": draw(st.sampled_from([3] * 6 + [2])),
                "dtype": draw(st.sampled_from(["float32", "float64", "int64"])),
                "labels": draw(
                    st.lists(
                        st.sampled_from([0, 1, 2] * 8 + [7]), min_size=n, max_size=n
                    )
                ),
                "classes": draw(
                    st.sampled_from([None, None, (0, 1, 2), (0, 1, 2), (0, 1)])
                ),
                "weighted": draw(st.booleans()),
                "seed": draw(st.integers(0, 3)),
            }
        )
    return steps


@fuzz_settings
@given(
    steps=partial_fit_steps(),
    solver=st.sampled_from(["adam", "sgd"]),
    hidden=st.sampled_from([(), (3,)]),
)
def test_fuzzed_partial_fit_sequences(steps, solver, hidden):
    """partial_fit calls that change the dtype, the number of features, the
    labels or the classes: each call trains (finite) or is rejected with a
    ValueError naming the problem, and a rejected call leaves a model that
    still predicts."""
    clf = MLPDigitClassifier(hidden, solver=solver, learning_rate=0.05)
    for i, step in enumerate(steps):
        rng = np.random.RandomState(step["seed"])
        X = rng.uniform(-1, 1, (step["n_samples"], step["n_features"]))
        if step["dtype"] == "int64":
            X = np.rint(X * 5)
        X = X.astype(step["dtype"])
        y = np.array(step["labels"])
        sw = rng.uniform(0.5, 2, len(y)) if step["weighted"] else None
        problems = {}
        classes = step["classes"]
        # As in scikit-learn's partial_fit, classes_ is set by the first call
        # that passes classes, even if that call then fails on its data.
        known = tuple(clf.classes_) if hasattr(clf, "classes_") else None
        if classes is not None:
            if known is not None and tuple(classes) != known:
                problems["unseen_label"] = True  # classes changed
            effective = tuple(classes)
        else:
            if known is None:
                problems["unseen_label"] = True  # classes missing
            effective = known
        if effective is not None and set(y) - set(effective):
            problems["unseen_label"] = True
        fitted = hasattr(clf, "coefs_")
        if fitted and step["n_features"] != clf.n_features_in_:
            problems["n_features_changed"] = True
        before = clf.coefs_[0].copy() if hasattr(clf, "coefs_") else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            try:
                clf.partial_fit(X, y, classes=classes, sample_weight=sw)
            except (ValueError, TypeError) as exc:
                _record("test_fuzzed_partial_fit_sequences", "rejected")
                _check_message(exc, problems)
                if before is not None:
                    # A rejected call leaves the model as it was.
                    np.testing.assert_array_equal(clf.coefs_[0], before)
                    X_ok = np.zeros((2, clf.n_features_in_))
                    assert np.all(np.isfinite(clf.predict_proba(X_ok)))
                continue
        _record("test_fuzzed_partial_fit_sequences", "fitted")
        assert not problems, f"step {i} accepted a case with problems {problems}"
        _check_fitted(clf, X)
        expected = np.float32 if step["dtype"] == "float32" else np.float64
        assert clf.coefs_[0].dtype == expected


WEIGHT_MUTATIONS = (
    "none",
    "transpose_first",
    "drop_last_layer",
    "drop_last_intercept",
    "empty",
    "float32_coefs",
    "int_coefs",
    "fortran",
    "strided",
    "extra_output",
    "tuple",
)


@fuzz_settings
@given(
    mutation=st.sampled_from(WEIGHT_MUTATIONS),
    hidden=st.sampled_from([(), (3,), (2, 4)]),
    dtype=st.sampled_from(["float32", "float64"]),
    then=st.sampled_from(["predict_proba", "partial_fit", "warm_start_fit"]),
)
def test_fuzzed_assigned_weights(mutation, hidden, dtype, then):
    """coefs_ and intercepts_ assigned by the user (prediction reads them):
    wrong shapes, missing layers or odd dtypes and layouts are rejected with
    a ValueError before the compiled code reads them; compatible ones are
    used."""
    X = np.random.RandomState(0).uniform(-1, 1, (20, 4)).astype(dtype)
    y = np.arange(20) % 3
    clf = MLPDigitClassifier(hidden, max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    shapes = [c.shape for c in clf.coefs_], [b.shape for b in clf.intercepts_]
    coefs = [c.copy() for c in clf.coefs_]
    intercepts = [b.copy() for b in clf.intercepts_]
    if mutation == "transpose_first":
        coefs[0] = coefs[0].T.copy()
    elif mutation == "drop_last_layer":
        coefs, intercepts = coefs[:-1], intercepts[:-1]
    elif mutation == "drop_last_intercept":
        intercepts = intercepts[:-1]
    elif mutation == "empty":
        coefs, intercepts = [], []
    elif mutation == "float32_coefs":
        coefs = [c.astype(np.float32) for c in coefs]
    elif mutation == "int_coefs":
        coefs = [np.rint(c * 3).astype(np.int64) for c in coefs]
    elif mutation == "fortran":
        coefs = [np.asfortranarray(c) for c in coefs]
    elif mutation == "strided":
        coefs = [np.repeat(c, 2, axis=1)[:, ::2] for c in coefs]
    elif mutation == "extra_output":
        coefs[-1] = np.hstack([coefs[-1], coefs[-1][:, :1]])
        intercepts[-1] = np.append(intercepts[-1], 0.0)
    elif mutation == "tuple":
        coefs, intercepts = tuple(coefs), tuple(intercepts)
    clf.coefs_, clf.intercepts_ = coefs, intercepts
    problems = {}
    if then == "predict_proba":
        # Prediction needs shapes that chain from the features to the classes.
        if not _chains(coefs, intercepts, X.shape[1], len(clf.classes_)):
            problems["weights_layout"] = True
    elif shapes != ([np.shape(c) for c in coefs], [np.shape(b) for b in intercepts]):
        # Training needs the shapes of hidden_layer_sizes.
        problems["weights_layout"] = True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            if then == "predict_proba":
                clf.predict_proba(X)
            elif then == "partial_fit":
                clf.partial_fit(X, y)
            else:
                clf.set_params(warm_start=True).fit(X, y)
    except (ValueError, TypeError) as exc:
        _record("test_fuzzed_assigned_weights", "rejected")
        _check_message(exc, problems)
        return
    _record("test_fuzzed_assigned_weights", "fitted")
    assert not problems, f"used weights with problems {problems}"
    _check_fitted(clf, X, check_dtype=then != "predict_proba")


def _chains(coefs, intercepts, n_in, n_out):
    """Whether per-layer weights and biases take n_in inputs to n_out outputs."""
    if len(coefs) != len(intercepts) or len(coefs) == 0:
        return False
    n = n_in
    for coef, intercept in zip(coefs, intercepts):
        if np.ndim(coef) != 2 or np.shape(coef)[0] != n:
            return False
        n = np.shape(coef)[1]
        if np.shape(intercept) != (n,):
            return False
    return n == n_out


@fuzz_settings
@given(
    data=data_ingredients(
        x_kinds=NUMERIC_X_KINDS + ("object_str",),
        layouts=("C", "F"),
        specials=(None, "nan"),
    ),
    sw_kind=st.sampled_from(SAMPLE_WEIGHT_KINDS),
    sw_mask=st.lists(st.booleans(), min_size=1, max_size=40),
    params=parameter_ingredients(valid_odds=3),
)
def test_fuzzed_rejected_fit_leaves_model_unfitted(
    memmap_dir, data, sw_kind, sw_mask, params
):
    """A first fit that raises leaves no half-fitted model behind: predict then
    raises NotFittedError (as before the fit), not an AttributeError about a
    missing ``coefs_``."""
    X, y, _ = build_data(data, memmap_dir)
    sw, _ = build_sample_weight(sw_kind, len(y), sw_mask, _training_dtype(X))
    params = {**params, "batch_size": "auto", "max_iter": 1}
    make, _ = build_estimator(params, len(y), "fit", _classes_of(y))
    clf = make()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            clf.fit(X, y, sample_weight=sw)
        except (ValueError, TypeError):
            _record("test_fuzzed_rejected_fit_leaves_model_unfitted", "rejected")
        else:
            _record("test_fuzzed_rejected_fit_leaves_model_unfitted", "fitted")
            return
    with pytest.raises(NotFittedError):
        clf.predict(np.zeros((2, max(data["n_features"], 1))))


# ------------------------------------------------------ found by fuzzing
# Minimised failing cases of the properties above, kept as plain tests so
# that each one is checked on every run whatever Hypothesis explores.


def _assert_finite_model(clf, X):
    for coef, intercept in zip(clf.coefs_, clf.intercepts_):
        assert np.all(np.isfinite(coef)), f"non-finite coefs_: {coef}"
        assert np.all(np.isfinite(intercept)), f"non-finite intercepts_: {intercept}"
    proba = clf.predict_proba(X)
    assert np.all(np.isfinite(proba)), f"non-finite predict_proba: {proba[:3]}"


def test_regression_weights_overflow_in_the_last_update_of_an_epoch():
    """An update that overflows the weights to +-inf is not caught when it is
    the last of an epoch: the divergence check only sees the loss of the
    *next* minibatch, and by then the epoch's restore point is already inf
    (found by test_fuzzed_parameters: plain SGD with learning_rate=1e6 and the
    default l2 multiplies the weights by 1 - 2 * lr * l2 = -199 per step)."""
    X = np.full((8, 1), 0.25, dtype=np.float32)
    y = np.array([0, 0, 0, 0, 0, 0, 0, 1])
    clf = MLPDigitClassifier(
        (),
        solver="sgd",
        momentum=0.0,
        learning_rate=1e6,
        batch_size=1,
        max_iter=2,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    _assert_finite_model(clf, X)


def test_regression_diverged_fit_keeps_weights_that_overflow():
    """After "Training diverged ... stopped with the last finite weights", the
    weights kept are finite but are the very weights whose forward pass just
    overflowed, so predict_proba is NaN (found by test_fuzzed_parameters;
    float64, learning_rate=1e4)."""
    X = np.random.RandomState(0).uniform(-1, 1, (20, 3))
    y = np.arange(20) % 3
    clf = MLPDigitClassifier(
        (3, 3),
        solver="sgd",
        learning_rate=1e4,
        batch_size=1,
        max_iter=3,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning, match="learning_rate"):
        clf.fit(X, y)
    _assert_finite_model(clf, X)


def test_regression_sample_weights_whose_sum_overflows():
    """Finite sample weights whose sum overflows (1e308 each): the objective
    divides by that sum, so they must be rescaled or rejected, not leak a
    numpy overflow warning and then "diverge" before the first step with a
    message blaming learning_rate (found by test_fuzzed_sample_weight)."""
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([0, 1, 0, 1])
    sw = np.full(4, 1e308)
    clf = MLPDigitClassifier((3,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            clf.fit(X, y, sample_weight=sw)
        except ValueError as exc:
            assert "sample_weight" in str(exc)
            return
    assert clf.n_iter_ >= 1, "no epoch was trained"
    assert np.isfinite(clf.loss_)


@pytest.mark.parametrize(
    "random_state, which",
    [(0, "validation rows all zero-weighted"), (16, "training rows all zero")],
)
def test_regression_early_stopping_split_with_zero_weights(random_state, which):
    """early_stopping's split can put only zero-weighted samples in the
    validation set (np.average raises ZeroDivisionError) or in the training
    set (loss_ = 0 / 0 raises ZeroDivisionError): either must be a
    ValueError naming the problem, or a fit (found by
    test_fuzzed_sample_weight)."""
    X = np.arange(10.0).reshape(-1, 1)
    y = np.array([0, 1] * 5)
    sw = np.array([0.0] * 9 + [1.0])
    clf = MLPDigitClassifier(
        (),
        max_iter=1,
        early_stopping=True,
        validation_fraction=0.2,
        random_state=random_state,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            clf.fit(X, y, sample_weight=sw)
        except ValueError as exc:
            assert "weight" in str(exc)
            return
    _assert_finite_model(clf, X)


def test_regression_predict_with_no_layers_assigned():
    """coefs_ = intercepts_ = [] (e.g. the one layer of hidden_layer_sizes=()
    dropped): predict_proba indexes coefs[-1] before checking the layer
    count and raises IndexError instead of ValueError (found by
    test_fuzzed_assigned_weights)."""
    X = np.random.RandomState(0).uniform(-1, 1, (20, 4))
    y = np.arange(20) % 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPDigitClassifier((), max_iter=2, random_state=0).fit(X, y)
    clf.coefs_, clf.intercepts_ = [], []
    with pytest.raises(ValueError, match="coefs_"):
        clf.predict_proba(X)


def test_regression_predict_after_rejected_first_fit():
    """A first fit rejected after validate_data (here: a class weight of an
    unknown class) leaves n_features_in_ and classes_ set, so check_is_fitted
    passes and predict fails with AttributeError: 'coefs_' instead of
    NotFittedError (found by test_fuzzed_rejected_fit_leaves_model_unfitted)."""
    clf = MLPDigitClassifier((3,), class_weight={5: 1.0})
    with pytest.raises(ValueError, match="class"):
        clf.fit(np.zeros((4, 2)), [0, 1, 0, 1])
    with pytest.raises(NotFittedError):
        clf.predict(np.zeros((2, 2)))


def test_regression_lbfgs_with_early_stopping():
    """solver='lbfgs' with early_stopping=True: the per-iteration callback
    takes min(best_loss_, loss), but best_loss_ is None with early stopping,
    so every such fit raises TypeError from inside SciPy's L-BFGS-B (found by
    test_fuzzed_parameters)."""
    if "lbfgs" not in _str_options("solver"):
        pytest.skip("this skmlp has no solver='lbfgs'")
    X = np.random.RandomState(0).uniform(size=(30, 2))
    y = np.arange(30) % 2
    clf = MLPDigitClassifier((), solver="lbfgs", early_stopping=True, max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    _assert_finite_model(clf, X)
