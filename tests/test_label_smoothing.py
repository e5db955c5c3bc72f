"""Label smoothing of the softmax output: the kernel against NumPy, the
engine's gradient against finite differences, and the estimator's parameter.

With ``label_smoothing=eps`` each one-hot target becomes ``(1 - eps) * onehot
+ eps / K`` and the loss is the cross-entropy with these targets.
"""

import numpy as np
import pytest
from network_problems import random_problem
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import log_softmax, softmax
from sklearn.datasets import load_digits
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmlp import MLPDigitClassifier, _optimizers
from skmlp._engine._config import EngineConfig
from skmlp._engine._engine import Engine
from skmlp._engine._losses import _softmax_cross_entropy_delta_for_tests
from skmlp._engine._rows import RowSource
from skmlp._engine._types import OutputLayer
from skmlp._layers import ACTIVATIONS

DTYPES = [np.float32, np.float64]
RTOL = {np.float32: 1e-5, np.float64: 1e-12}
ATOL = {np.float32: 1e-6, np.float64: 1e-13}


def smoothed_targets(y, n_classes, eps):
    """(1 - eps) * onehot(y) + eps / n_classes, in float64."""
    onehot = np.zeros((len(y), n_classes))
    onehot[np.arange(len(y)), y] = 1
    return (1 - eps) * onehot + eps / n_classes


def smoothed_cross_entropy(logits, y, eps):
    """Each row's cross-entropy -sum_j t_ij log softmax(z_i)_j, in NumPy."""
    targets = smoothed_targets(y, logits.shape[1], eps)
    return -np.sum(targets * log_softmax(logits.astype(np.float64), axis=1), axis=1)


# ---------------------------------------------------------------------------
# The kernel: softmax_cross_entropy_delta with label_smoothing


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("eps", [0.1, 0.35])
def test_kernel_matches_its_numpy_twin(dtype, eps):
    rng = np.random.default_rng(3)
    z = rng.normal(scale=3, size=(6, 4)).astype(dtype)
    y = np.array([0, 3, 1, 2, 3, 0], dtype=np.intc)
    sample_weight = np.array([1.0, 0.5, 2.0, 0.0, 1.5, 0.25], dtype=dtype)
    scale = 1 / sample_weight.astype(np.float64).sum()
    weights = sample_weight.astype(np.float64)
    expected_loss = np.sum(weights * smoothed_cross_entropy(z, y, eps))
    expected_delta = (
        softmax(z.astype(np.float64), axis=1) - smoothed_targets(y, 4, eps)
    ) * (weights * scale)[:, None]

    loss = _softmax_cross_entropy_delta_for_tests(z, y, sample_weight, scale, eps)

    assert_allclose(loss, expected_loss, rtol=RTOL[dtype])
    assert_allclose(z, expected_delta, rtol=RTOL[dtype], atol=ATOL[dtype])
    assert np.all(z[3] == 0)  # a sample of weight 0 has no gradient


def test_kernel_delta_is_the_gradient_of_the_smoothed_loss():
    rng = np.random.default_rng(4)
    z = rng.normal(scale=2, size=(3, 5))
    y = np.array([2, 0, 4], dtype=np.intc)
    sample_weight = np.array([0.5, 2.0, 1.0])
    scale, eps = 0.3, 0.2

    def objective(logits):
        return scale * _softmax_cross_entropy_delta_for_tests(
            logits.copy(), y, sample_weight, scale, eps
        )

    h = 1e-6
    numerical = np.zeros_like(z)
    for index in np.ndindex(z.shape):
        step = np.zeros_like(z)
        step[index] = h
        numerical[index] = (objective(z + step) - objective(z - step)) / (2 * h)
    delta = z.copy()
    _softmax_cross_entropy_delta_for_tests(delta, y, sample_weight, scale, eps)

    assert_allclose(delta, numerical, rtol=1e-6, atol=1e-9)
    # Each row's delta sums to zero: the smoothed targets sum to 1.
    assert_allclose(delta.sum(axis=1), 0, atol=1e-15)


@pytest.mark.parametrize("dtype", DTYPES)
def test_kernel_extreme_logits_stay_finite(dtype):
    big = 1e30
    z = np.array([[big, -big, 0.0], [-big, big, -big], [-big, -big, -big]], dtype=dtype)
    y = np.array([1, 1, 2], dtype=np.intc)
    sample_weight = np.ones(3, dtype=dtype)
    expected = np.sum(smoothed_cross_entropy(z, y, 0.1))

    loss = _softmax_cross_entropy_delta_for_tests(z, y, sample_weight, 1.0, 0.1)

    assert np.isfinite(loss) and np.all(np.isfinite(z))
    assert_allclose(loss, expected, rtol=RTOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_kernel_without_smoothing_is_the_plain_cross_entropy_bit_for_bit(dtype):
    rng = np.random.default_rng(5)
    z = rng.normal(scale=3, size=(7, 10)).astype(dtype)
    y = rng.integers(10, size=7).astype(np.intc)
    sample_weight = rng.uniform(0.5, 2, size=7).astype(dtype)
    plain, explicit = z.copy(), z.copy()
    tiny = z.copy()

    loss = _softmax_cross_entropy_delta_for_tests(plain, y, sample_weight, 0.1)
    loss_zero = _softmax_cross_entropy_delta_for_tests(
        explicit, y, sample_weight, 0.1, 0.0
    )
    loss_tiny = _softmax_cross_entropy_delta_for_tests(
        tiny, y, sample_weight, 0.1, 1e-3
    )

    assert loss_zero == loss
    assert_array_equal(explicit, plain)
    # And a small eps really changes the targets.
    assert loss_tiny != loss and not np.array_equal(tiny, plain)


# ---------------------------------------------------------------------------
# The engine: the objective and its gradient with smoothed targets

N_FEATURES, N_CLASSES, N_SAMPLES = 5, 4, 11


def make_problem(hidden, activation="tanh", seed=0):
    return random_problem(
        hidden,
        activation,
        n_features=N_FEATURES,
        n_classes=N_CLASSES,
        n_samples=N_SAMPLES,
        seed=seed,
    )


def make_engine(layout, activation, batch_size, label_smoothing, l2=0.0, **kwargs):
    optimizer = _optimizers.GradientOnly(layout.n_params, np.float64, learning_rate=0.1)
    return Engine(
        EngineConfig(
            layout,
            batch_size=batch_size,
            dtype=np.float64,
            activation=ACTIVATIONS[activation].code,
            optimizer=optimizer,
            l2=l2,
            label_smoothing=label_smoothing,
            **kwargs,
        )
    )


def rows_of(X, y, sample_weight):
    return RowSource(X, y, sample_weight, np.arange(len(X)), N_CLASSES)


@pytest.mark.parametrize("hidden", [(), (6, 3)], ids=["0h", "2h"])
@pytest.mark.parametrize("batch_size", [N_SAMPLES, 4], ids=["full", "chunked"])
def test_engine_gradient_matches_finite_differences(hidden, batch_size):
    X, y, sample_weight, layout, params = make_problem(hidden)
    engine = make_engine(layout, "tanh", batch_size, 0.15, l2=0.01)
    rows = rows_of(X, y, sample_weight)
    grad, scratch = np.empty_like(params), np.empty_like(params)
    engine.loss_gradient(rows, params, grad)

    h = 1e-6
    numeric = np.empty_like(params)
    for i in range(params.size):
        shifted = params.copy()
        shifted[i] += h
        plus = engine.loss_gradient(rows, shifted, scratch)
        shifted[i] -= 2 * h
        minus = engine.loss_gradient(rows, shifted, scratch)
        numeric[i] = (plus - minus) / (2 * h)

    assert np.linalg.norm(grad) > 1e-3
    assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)
    # Not the unsmoothed gradient.
    plain = np.empty_like(params)
    make_engine(layout, "tanh", batch_size, 0.0, l2=0.01).loss_gradient(
        rows, params, plain
    )
    assert np.abs(plain - grad).max() > 1e-4


def test_engine_objective_is_the_smoothed_cross_entropy():
    X, y, sample_weight, layout, params = make_problem((4,))
    eps, l2 = 0.2, 0.02
    engine = make_engine(layout, "tanh", 3, eps, l2=l2)

    loss = engine.loss_gradient(rows_of(X, y, sample_weight), params, params * 0)

    coefs, intercepts = layout.views(params)
    logits = np.tanh(X @ coefs[0] + intercepts[0]) @ coefs[1] + intercepts[1]
    expected = (
        np.average(smoothed_cross_entropy(logits, y, eps), weights=sample_weight)
        + l2 * np.square(params[layout.weight_mask()]).sum()
    )
    assert_allclose(loss, expected, rtol=1e-12)


@pytest.mark.parametrize("eps", [-0.1, 1.0, 1.5, float("nan")])
def test_engine_refuses_label_smoothing_out_of_range(eps):
    _, _, _, layout, _ = make_problem(())
    with pytest.raises(ValueError, match=r"label_smoothing must be in \[0, 1\)"):
        make_engine(layout, "tanh", 4, eps)


def test_engine_refuses_label_smoothing_with_the_sigmoid_output():
    _, _, _, layout, _ = make_problem(())
    with pytest.raises(ValueError, match="label_smoothing applies to the SOFTMAX"):
        make_engine(layout, "tanh", 4, 0.1, output=OutputLayer.SIGMOID)
    # 0 is no smoothing, and fine.
    make_engine(layout, "tanh", 4, 0.0, output=OutputLayer.SIGMOID)


# ---------------------------------------------------------------------------
# The estimator's parameter


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:400] / 16, y[:400]


def test_default_is_no_smoothing_bit_for_bit(digits):
    X, y = digits
    settings = dict(hidden_layer_sizes=(16,), max_iter=3, random_state=0)
    default = MLPDigitClassifier(**settings).fit(X, y)
    zero = MLPDigitClassifier(label_smoothing=0.0, **settings).fit(X, y)
    smoothed = MLPDigitClassifier(label_smoothing=0.1, **settings).fit(X, y)

    assert MLPDigitClassifier().label_smoothing == 0.0
    for a, b in zip(default.coefs_, zero.coefs_):
        assert_array_equal(a, b)
    assert default.loss_curve_ == zero.loss_curve_
    assert not np.array_equal(default.coefs_[0], smoothed.coefs_[0])


def test_reported_loss_is_the_smoothed_cross_entropy(digits):
    X, y = digits
    eps = 0.2
    clf = MLPDigitClassifier(
        hidden_layer_sizes=(8,),
        solver="lbfgs",
        l2=0.0,
        max_iter=30,
        label_smoothing=eps,
        random_state=0,
    ).fit(X, y)

    hidden = np.maximum(X @ clf.coefs_[0] + clf.intercepts_[0], 0)
    logits = hidden @ clf.coefs_[1] + clf.intercepts_[1]
    smoothed = np.mean(smoothed_cross_entropy(logits, y, eps))
    assert_allclose(clf.loss_, smoothed, rtol=1e-9)
    # Not the plain cross-entropy, which it exceeds (the targets' entropy).
    plain = np.mean(-log_softmax(logits, axis=1)[np.arange(len(y)), y])
    assert clf.loss_ > plain + 0.1


def test_smoothing_bounds_the_confidence_on_the_training_data(digits):
    # The optimum of the smoothed loss puts 1 - eps + eps / K on the true class:
    # a long fit is confident, but not beyond that.
    X, y = digits
    eps = 0.3
    settings = dict(hidden_layer_sizes=(32,), l2=0.0, max_iter=300, random_state=0)
    smoothed = MLPDigitClassifier(solver="lbfgs", label_smoothing=eps, **settings)
    plain = MLPDigitClassifier(solver="lbfgs", **settings)

    top_smoothed = smoothed.fit(X, y).predict_proba(X).max(axis=1)
    top_plain = plain.fit(X, y).predict_proba(X).max(axis=1)

    assert np.median(top_plain) > 0.99
    assert_allclose(np.median(top_smoothed), 1 - eps + eps / 10, atol=0.02)


@pytest.mark.parametrize("eps", [-0.1, 1.0, 2])
def test_estimator_refuses_label_smoothing_out_of_range(digits, eps):
    X, y = digits
    with pytest.raises(InvalidParameterError, match="label_smoothing"):
        MLPDigitClassifier(label_smoothing=eps, max_iter=1).fit(X, y)


def test_estimator_refuses_label_smoothing_for_multilabel_targets(digits):
    X, y = digits
    Y = np.column_stack([y % 2, y > 4]).astype(int)
    clf = MLPDigitClassifier(hidden_layer_sizes=(8,), max_iter=2, label_smoothing=0.1)
    with pytest.raises(ValueError, match="label_smoothing smooths the targets"):
        clf.fit(X, Y)
    # Without smoothing the same targets train.
    clf.set_params(label_smoothing=0.0).fit(X, Y)
    assert clf.out_activation_ == "logistic"


def test_minibatch_fit_with_smoothing_is_deterministic_and_learns(digits):
    X, y = digits
    settings = dict(
        hidden_layer_sizes=(32,),
        learning_rate=0.01,
        batch_size=32,
        max_iter=20,
        label_smoothing=0.1,
        dropout=0.1,
        random_state=3,
    )
    first = MLPDigitClassifier(**settings).fit(X, y)
    second = MLPDigitClassifier(**settings).fit(X, y)

    for a, b in zip(first.coefs_, second.coefs_):
        assert_array_equal(a, b)
    assert first.score(X, y) > 0.95


# scikit-learn's checks with smoothing on: all pass but the multilabel ones,
# whose targets a smoothing estimator refuses on purpose (tested above).
_REFUSES_MULTILABEL = "label_smoothing > 0 refuses multilabel targets"


@parametrize_with_checks(
    [MLPDigitClassifier(label_smoothing=0.1)],
    expected_failed_checks=lambda estimator: {
        check: _REFUSES_MULTILABEL
        for check in (
            "check_classifiers_multilabel_representation_invariance",
            "check_classifiers_multilabel_output_format_predict",
            "check_classifiers_multilabel_output_format_predict_proba",
            "check_classifiers_multilabel_output_format_decision_function",
        )
    },
)
def test_sklearn_compatible_with_smoothing(estimator, check):
    check(estimator)
