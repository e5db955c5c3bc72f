"""The kernels of :mod:`skmlp._engine._losses` against NumPy, and the
prediction path's ``softmax_inplace`` and ``output_inplace`` with them."""

import numpy as np
import pytest
from kernel_helpers import DTYPES, RTOL, close
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit, log_expit, log_softmax, softmax

from skmlp._engine._losses import (
    _exp_for_tests,
    _sigmoid_binary_cross_entropy_delta_for_tests,
    _sigmoid_for_tests,
    _softmax_cross_entropy_delta_for_tests,
    _softmax_for_tests,
    _uninformed_loss_for_tests,
)
from skmlp._engine._predict import output_inplace, softmax_inplace
from skmlp._engine._types import OutputLayer

# ---------------------------------------------------------------------------
# The softmax's exp (fdlibm's, vectorised)


def _ulps_from_exact(values, x):
    """|values - exp(x)| in units of the last place of values' dtype, exp(x)
    taken in long double."""
    exact = np.exp(x.astype(np.longdouble))
    spacing = np.spacing(exact.astype(values.dtype)).astype(np.longdouble)
    return np.abs(values.astype(np.longdouble) - exact) / spacing


@pytest.mark.parametrize("dtype", DTYPES)
def test_exp_is_within_one_ulp(dtype):
    """Over the softmax's inputs (<= 0, down to where exp underflows) and
    beyond, the vectorised exp is within one ulp of the exact value."""
    if np.finfo(np.longdouble).nmant <= np.finfo(np.float64).nmant:
        pytest.skip("long double is double here: no exact reference")
    rng = np.random.default_rng(0)
    # Where exp(x) is a normal number of the dtype.
    low, high = np.log(np.finfo(dtype).tiny), np.log(np.finfo(dtype).max)
    x = np.concatenate(
        [
            rng.uniform(low, high, 100_000),
            rng.uniform(-3, 0, 100_000),
            -(10.0 ** rng.uniform(-12, 0, 10_000)),
            np.arange(np.ceil(low), high, 0.5),  # multiples of ln2 / 2 and between
        ]
    ).astype(dtype)
    values = x.copy()
    _exp_for_tests(values)
    assert _ulps_from_exact(values, x).max() <= 1


@pytest.mark.parametrize("dtype", DTYPES)
def test_exp_special_values(dtype):
    """exp(0) is 1 exactly; beyond the polynomial's range (underflow to
    subnormals or 0, overflow, -inf, NaN) libm's exp answers, and a value's
    result never depends on the values beside it."""
    special = np.array(
        [0.0, -0.0, -np.inf, np.inf, np.nan, -709.5, -740.0, -746.0, 710.0],
        dtype=dtype,
    )
    values = special.copy()
    _exp_for_tests(values)
    with np.errstate(over="ignore", under="ignore"):
        expected = np.array([np.exp(np.float64(v)) for v in special]).astype(dtype)
    assert_array_equal(values, expected)
    in_range = np.linspace(-20, 0, 37).astype(dtype)
    alone, mixed = in_range.copy(), np.concatenate([in_range, special])
    _exp_for_tests(alone)
    _exp_for_tests(mixed)
    assert_array_equal(mixed[: len(in_range)], alone)
    assert_array_equal(mixed[len(in_range) :], expected)


# ---------------------------------------------------------------------------
# softmax_cross_entropy_delta


def _cross_entropy_reference(z, y, sample_weight, scale):
    """Loss sum_i s_i * -log softmax(z_i)[y_i] and its scaled gradient."""
    z = z.astype(np.float64)
    sample_weight = sample_weight.astype(np.float64)
    rows = np.arange(z.shape[0])
    loss = np.sum(sample_weight * -log_softmax(z, axis=1)[rows, y])
    onehot = np.zeros_like(z)
    onehot[rows, y] = 1
    delta = (softmax(z, axis=1) - onehot) * (sample_weight * scale)[:, None]
    return loss, delta


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_cross_entropy_delta(dtype):
    rng = np.random.default_rng(3)
    z = rng.normal(scale=3, size=(6, 4)).astype(dtype)
    y = np.array([0, 3, 1, 2, 3, 0], dtype=np.intc)
    sample_weight = np.array([1.0, 0.5, 2.0, 0.0, 1.5, 0.25], dtype=dtype)
    scale = 1 / sample_weight.astype(np.float64).sum()
    expected_loss, expected_delta = _cross_entropy_reference(z, y, sample_weight, scale)

    loss = _softmax_cross_entropy_delta_for_tests(z, y, sample_weight, scale)

    assert isinstance(loss, float)
    assert_allclose(loss, expected_loss, rtol=RTOL[dtype])
    close(z, expected_delta, dtype)
    # A sample of weight 0 contributes no gradient.
    assert np.all(z[3] == 0)


def test_softmax_cross_entropy_delta_is_the_gradient():
    # The delta is the gradient of loss * scale with respect to the logits.
    rng = np.random.default_rng(4)
    z = rng.normal(scale=2, size=(3, 4))
    y = np.array([2, 0, 3], dtype=np.intc)
    sample_weight = np.array([0.5, 2.0, 1.0])
    scale = 0.3

    def objective(logits):
        return scale * _softmax_cross_entropy_delta_for_tests(
            logits.copy(), y, sample_weight, scale
        )

    eps = 1e-6
    numerical = np.zeros_like(z)
    for index in np.ndindex(z.shape):
        step = np.zeros_like(z)
        step[index] = eps
        numerical[index] = (objective(z + step) - objective(z - step)) / (2 * eps)

    delta = z.copy()
    _softmax_cross_entropy_delta_for_tests(delta, y, sample_weight, scale)

    assert_allclose(delta, numerical, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_cross_entropy_delta_extreme_logits(dtype):
    big = 1e30
    z = np.array(
        [
            [big, -big, 0.0],  # true class has probability exp(-2e30) = 0
            [-big, big, -big],  # true class has probability 1
            [big, big, -big],  # a tie at the top
            [-big, -big, -big],  # all equal and very negative
        ],
        dtype=dtype,
    )
    y = np.array([1, 1, 0, 2], dtype=np.intc)
    sample_weight = np.ones(4, dtype=dtype)
    expected_loss, expected_delta = _cross_entropy_reference(z, y, sample_weight, 1.0)

    loss = _softmax_cross_entropy_delta_for_tests(z, y, sample_weight, 1.0)

    assert np.isfinite(loss)
    assert np.all(np.isfinite(z))
    assert_allclose(loss, expected_loss, rtol=RTOL[dtype])
    close(z, expected_delta, dtype)
    # delta + onehot is the softmax, whose rows sum to 1.
    probabilities = z.astype(np.float64)
    probabilities[np.arange(4), y] += 1
    assert_allclose(probabilities.sum(axis=1), 1, rtol=RTOL[dtype])
    assert_allclose(
        probabilities,
        [[1, 0, 0], [0, 1, 0], [0.5, 0.5, 0], [1 / 3, 1 / 3, 1 / 3]],
        rtol=RTOL[dtype],
    )


# ---------------------------------------------------------------------------
# softmax and log_softmax


def _softmax_kernel(z, take_log):
    _softmax_for_tests(z, take_log)


def _softmax_train(z, take_log):
    softmax_inplace(z, take_log)


SOFTMAX_FUNCTIONS = [
    pytest.param(_softmax_kernel, id="_softmax_for_tests"),
    pytest.param(_softmax_train, id="softmax_inplace"),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("take_log", [False, True], ids=["softmax", "log_softmax"])
@pytest.mark.parametrize("func", SOFTMAX_FUNCTIONS)
def test_softmax(dtype, take_log, func):
    rng = np.random.default_rng(5)
    z = rng.normal(scale=5, size=(5, 4)).astype(dtype)
    z[0] += 40  # a shift changes nothing
    reference = log_softmax if take_log else softmax
    expected = reference(z.astype(np.float64), axis=1)

    func(z, take_log)

    close(z, expected, dtype)
    probabilities = np.exp(z.astype(np.float64)) if take_log else z
    assert_allclose(probabilities.sum(axis=1), 1, rtol=RTOL[dtype])


def test_softmax_inplace_defaults_to_probabilities():
    z = np.array([[1.0, 2.0, 3.0]])
    softmax_inplace(z)
    assert_allclose(z, softmax([[1.0, 2.0, 3.0]], axis=1), rtol=1e-12)


def test_softmax_inplace_no_rows():
    z = np.empty((0, 3))
    softmax_inplace(z)
    softmax_inplace(z, True)
    assert z.shape == (0, 3)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("take_log", [False, True], ids=["softmax", "log_softmax"])
@pytest.mark.parametrize("func", SOFTMAX_FUNCTIONS)
def test_softmax_extreme_logits(dtype, take_log, func):
    # Each row has a single maximum; the other probabilities underflow to 0,
    # where the log-probabilities must stay finite (about -2e30).
    big = 1e30
    z = np.array([[big, -big, 0.0], [-big, -big, big], [0.0, -big, -big]], dtype=dtype)
    reference = log_softmax if take_log else softmax
    expected = reference(z.astype(np.float64), axis=1)

    func(z, take_log)

    assert np.all(np.isfinite(z))
    close(z, expected, dtype)
    probabilities = np.exp(z.astype(np.float64)) if take_log else z
    assert_allclose(probabilities.sum(axis=1), 1, rtol=RTOL[dtype])
    if take_log:
        assert np.all(z[np.isclose(expected, 0)] == 0)
        assert np.all(z[~np.isclose(expected, 0)] < -1e29)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("take_log", [False, True], ids=["softmax", "log_softmax"])
@pytest.mark.parametrize("func", SOFTMAX_FUNCTIONS)
def test_softmax_extreme_logits_tie(dtype, take_log, func):
    big = 1e30
    z = np.array([[big, big, -big], [-big, -big, -big]], dtype=dtype)
    expected = softmax(z.astype(np.float64), axis=1)

    func(z, take_log)

    assert np.all(np.isfinite(z))
    if take_log:
        # Only finiteness here: the values are checked (and currently wrong)
        # in test_log_softmax_large_row_maximum.
        assert np.all(z <= 0)
        assert z[0, 2] < -1e29
    else:
        close(z, expected, dtype)
        assert_allclose(z.sum(axis=1), 1, rtol=RTOL[dtype])


@pytest.mark.parametrize(
    "dtype, offset",
    [
        (np.float32, 1e4),  # ulp(1e4) = 1e-3 in float32
        (np.float32, 1e30),
        (np.float64, 1e8),  # ulp(1e8) = 1.5e-8 in float64
        (np.float64, 1e30),
    ],
)
@pytest.mark.parametrize("func", SOFTMAX_FUNCTIONS)
def test_log_softmax_large_row_maximum(dtype, offset, func):
    z = np.array([[offset, offset, offset - 1.0]], dtype=dtype)
    expected = log_softmax(z.astype(np.float64), axis=1)

    func(z, True)

    close(z, expected, dtype)
    assert_allclose(np.exp(z.astype(np.float64)).sum(axis=1), 1, rtol=RTOL[dtype])


# ---------------------------------------------------------------------------
# the output-layer dispatch


@pytest.mark.parametrize("n_classes", [2, 3, 10])
def test_uninformed_loss_is_the_cross_entropy_of_uniform_outputs(n_classes):
    z = np.zeros((4, n_classes))
    y = np.arange(4, dtype=np.intc) % n_classes
    uniform = _softmax_cross_entropy_delta_for_tests(z, y, np.ones(4), 1.0) / 4
    assert_allclose(
        _uninformed_loss_for_tests(OutputLayer.SOFTMAX, n_classes), uniform, rtol=1e-15
    )


def test_unknown_output_layer_gives_nan_not_garbage():
    assert np.isnan(_uninformed_loss_for_tests(len(OutputLayer), 3))


@pytest.mark.parametrize("take_log", [False, True])
def test_output_inplace_with_softmax_is_softmax_inplace(take_log):
    z = np.random.default_rng(20).normal(size=(5, 4))
    expected = z.copy()
    softmax_inplace(expected, take_log)
    output_inplace(z, OutputLayer.SOFTMAX, take_log)
    assert_allclose(z, expected, rtol=0, atol=0)


# ---------------------------------------------------------------------------
# sigmoid_binary_cross_entropy_delta (multilabel)


def _binary_cross_entropy_reference(z, targets, sample_weight, scale):
    """Loss sum_i s_i * sum_j BCE(t_ij, sigmoid(z_ij)) and its scaled gradient,
    from SciPy's log_expit in float64."""
    z = z.astype(np.float64)
    sample_weight = sample_weight.astype(np.float64)
    bce = -(targets * log_expit(z) + (1 - targets) * log_expit(-z))
    loss = np.sum(sample_weight * bce.sum(axis=1))
    delta = (expit(z) - targets) * (sample_weight * scale)[:, None]
    return loss, delta


def _multilabel_targets(rng, shape):
    return rng.integers(0, 2, size=shape).astype(np.uint8)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_binary_cross_entropy_delta(dtype):
    rng = np.random.default_rng(30)
    z = rng.normal(scale=3, size=(6, 4)).astype(dtype)
    targets = _multilabel_targets(rng, z.shape)
    targets[1] = 0  # a sample with no label on
    targets[2] = 1  # one with every label on
    sample_weight = np.array([1.0, 0.5, 2.0, 0.0, 1.5, 0.25], dtype=dtype)
    scale = 1 / sample_weight.astype(np.float64).sum()
    expected_loss, expected_delta = _binary_cross_entropy_reference(
        z, targets, sample_weight, scale
    )

    loss = _sigmoid_binary_cross_entropy_delta_for_tests(
        z, targets, sample_weight, scale
    )

    assert isinstance(loss, float)
    assert_allclose(loss, expected_loss, rtol=RTOL[dtype])
    close(z, expected_delta, dtype)
    assert np.all(z[3] == 0)  # a sample of weight 0 contributes no gradient


def test_sigmoid_binary_cross_entropy_delta_is_the_gradient():
    rng = np.random.default_rng(31)
    z = rng.normal(scale=2, size=(3, 5))
    targets = _multilabel_targets(rng, z.shape)
    sample_weight = np.array([0.5, 2.0, 1.0])
    scale = 0.3

    def objective(logits):
        return scale * _sigmoid_binary_cross_entropy_delta_for_tests(
            logits.copy(), targets, sample_weight, scale
        )

    eps = 1e-6
    numerical = np.zeros_like(z)
    for index in np.ndindex(z.shape):
        step = np.zeros_like(z)
        step[index] = eps
        numerical[index] = (objective(z + step) - objective(z - step)) / (2 * eps)

    delta = z.copy()
    _sigmoid_binary_cross_entropy_delta_for_tests(delta, targets, sample_weight, scale)

    assert_allclose(delta, numerical, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_binary_cross_entropy_delta_extreme_logits(dtype):
    """Logits of +-1e30: a right label costs exactly 0, a wrong one |z|, and
    the delta is exactly 0 or +-1; nothing overflows (exp(+1e30) would)."""
    big = 1e30
    z = np.array([[big, -big, big, -big, 0.0]], dtype=dtype)
    targets = np.array([[1, 0, 0, 1, 1]], dtype=np.uint8)
    sample_weight = np.ones(1, dtype=dtype)

    loss = _sigmoid_binary_cross_entropy_delta_for_tests(z, targets, sample_weight, 1.0)

    assert np.all(np.isfinite(z))
    assert_allclose(loss, 2 * float(dtype(big)) + np.log(2), rtol=RTOL[dtype])
    assert_array_equal(z, [[0, 0, 1, -1, -0.5]])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("take_log", [False, True], ids=["sigmoid", "log_sigmoid"])
@pytest.mark.parametrize("kernel", ["_sigmoid_for_tests", "output_inplace"])
def test_sigmoid(dtype, take_log, kernel):
    rng = np.random.default_rng(32)
    z = rng.normal(scale=8, size=(5, 4)).astype(dtype)
    z[0, :2] = [1e30, -1e30]
    z[1, :2] = [40.0, -40.0]  # probabilities that round to 1 and underflow
    reference = log_expit if take_log else expit
    expected = reference(z.astype(np.float64))

    if kernel == "output_inplace":
        output_inplace(z, OutputLayer.SIGMOID, take_log)
    else:
        _sigmoid_for_tests(z, take_log)

    assert np.all(np.isfinite(z))
    close(z, expected, dtype)
    if take_log:
        # log sigmoid(-1e30) keeps its value instead of log(0) = -inf.
        assert z[0, 1] == dtype(-1e30) and z[0, 0] == 0
    else:
        assert np.all((z >= 0) & (z <= 1))


@pytest.mark.parametrize("n_labels", [1, 3, 10])
def test_uninformed_loss_of_the_sigmoid_layer_is_its_loss_at_zero_logits(n_labels):
    """n_labels * log(2): each label at probability 1/2."""
    z = np.zeros((4, n_labels))
    targets = _multilabel_targets(np.random.default_rng(33), z.shape)
    at_zero = (
        _sigmoid_binary_cross_entropy_delta_for_tests(z, targets, np.ones(4), 1.0) / 4
    )
    assert_allclose(
        _uninformed_loss_for_tests(OutputLayer.SIGMOID, n_labels), at_zero, rtol=1e-15
    )
