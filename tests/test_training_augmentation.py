"""MLPDigitClassifier's ``augment`` and ``max_norm``: what training does with
them, what it never does (distort validation data or predictions), and the
errors for what they cannot do.

The warp itself is tested in ``test_augment.py``, the engine's calls and the
max-norm kernels in ``tests/engine``.
"""

import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from joblib import parallel_config
from scipy import sparse
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.model_selection import GridSearchCV
from sklearn.utils._param_validation import InvalidParameterError

from skmlp import MLPDigitClassifier
from skmlp.augmentation import DigitAugmentation

# No distortion at all: every setting at its neutral value.
NEUTRAL = dict(rotation=0, scale=(1, 1), stretch=0, shear=0, shift=0, elastic_alpha=0)
# Settings for 8 x 8 load_digits images.
SMALL = dict(rotation=10, shift=1, elastic_alpha=3, elastic_sigma=1.5)


def _fit(X, y, **params):
    params = {
        "hidden_layer_sizes": (24,),
        "solver": "sgd",
        "learning_rate": 0.05,
        "batch_size": 32,
        "max_iter": 4,
        "random_state": 0,
        **params,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return MLPDigitClassifier(**params).fit(X, y)


def _bits(clf):
    return b"".join(a.tobytes() for a in clf.coefs_ + clf.intercepts_)


@pytest.fixture(scope="module")
def digits_data(digits):
    X, y = digits
    return X[:600], y[:600]


# ------------------------------------------------------------ augment


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_augmentation_changes_training_reproducibly(digits_data, dtype):
    X, y = digits_data
    X = X.astype(dtype)
    plain = _fit(X, y)
    augmented = _fit(X, y, augment=SMALL)
    assert _bits(augmented) != _bits(plain)
    assert _bits(_fit(X, y, augment=SMALL)) == _bits(augmented)
    assert augmented.loss_curve_ == _fit(X, y, augment=SMALL).loss_curve_
    assert _bits(_fit(X, y, augment=SMALL, random_state=1)) != _bits(augmented)
    assert augmented.coefs_[0].dtype == dtype


def test_neutral_augmentation_trains_bit_for_bit_as_none(digits_data):
    """The identity warp returns the images exactly, and drawing it disturbs
    no other stream (shuffling, dropout): the model is the one of augment=None."""
    X, y = digits_data
    plain = _fit(X, y, dropout=0.2)
    for augment in (NEUTRAL, DigitAugmentation(**NEUTRAL)):
        neutral = _fit(X, y, dropout=0.2, augment=augment)
        assert _bits(neutral) == _bits(plain)
        assert neutral.loss_curve_ == plain.loss_curve_
    assert _bits(_fit(X, y, dropout=0.2, augment=False)) == _bits(plain)


def test_augment_true_takes_the_defaults(digits_data):
    X, y = digits_data
    assert _bits(_fit(X, y, augment=True)) == _bits(
        _fit(X, y, augment=DigitAugmentation())
    )


def test_each_fit_call_seeds_its_distortions_from_random_state(
    digits_data, monkeypatch
):
    """Fits with the same random_state draw the same distortions; each
    partial_fit call (one epoch) draws new ones, from a seed of its own."""
    X, y = digits_data
    seeds = []
    build = DigitAugmentation._build_augmenter

    def record(self, n_features, dtype, seed):
        seeds.append(seed)
        return build(self, n_features, dtype, seed)

    monkeypatch.setattr(DigitAugmentation, "_build_augmenter", record)
    _fit(X, y, augment=SMALL)
    _fit(X, y, augment=SMALL)
    _fit(X, y, augment=SMALL, random_state=1)
    assert seeds[0] == seeds[1] != seeds[2]
    clf = MLPDigitClassifier((24,), augment=SMALL, random_state=0)
    clf.partial_fit(X, y, classes=np.unique(y))
    clf.partial_fit(X, y)
    assert len(set(seeds[3:])) == 2


def test_same_bits_across_threads_and_n_jobs(digits_data):
    """Distortions depend on (seed, epoch, sample) only: fits running at once
    in threads, and a grid search over augmentation settings with n_jobs=2,
    give the bits of sequential ones."""
    X, y = digits_data
    X = X.astype(np.float32)
    sequential = [_bits(_fit(X, y, augment=SMALL, random_state=s)) for s in (0, 1)]
    with ThreadPoolExecutor(2) as pool:
        threaded = list(
            pool.map(lambda s: _bits(_fit(X, y, augment=SMALL, random_state=s)), (0, 1))
        )
    assert threaded == sequential

    def search(n_jobs):
        grid = GridSearchCV(
            MLPDigitClassifier(
                (16,), augment=DigitAugmentation(**SMALL), max_iter=3, random_state=0
            ),
            {"augment__shift": [0.5, 1.5], "augment__flip": [False, True]},
            cv=2,
            n_jobs=n_jobs,
        )
        with warnings.catch_warnings(), parallel_config(backend="threading"):
            warnings.simplefilter("ignore", ConvergenceWarning)
            return grid.fit(X, y)

    one, two = search(1), search(2)
    np.testing.assert_array_equal(
        one.cv_results_["mean_test_score"], two.cv_results_["mean_test_score"]
    )
    assert len(set(one.cv_results_["mean_test_score"])) > 1
    assert _bits(one.best_estimator_) == _bits(two.best_estimator_)


def test_nested_settings_clone_and_set_like_estimator_parameters():
    clf = MLPDigitClassifier(augment=DigitAugmentation(rotation=5))
    assert clf.get_params()["augment__rotation"] == 5
    clf.set_params(augment__rotation=7)
    assert clf.augment.rotation == 7
    copy = clone(clf)
    assert copy.augment is not clf.augment and copy.augment.rotation == 7


def test_validation_data_and_predictions_are_not_distorted(digits_data, digits):
    """The validation scores after each epoch are those of the model on X_val
    as it is (the model of the last epoch here), and predictions repeat."""
    X, y = digits_data
    X_val, y_val = digits[0][600:900], digits[1][600:900]
    clf = MLPDigitClassifier(
        (24,), augment=dict(SMALL, shift=2), max_iter=1, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y, X_val=X_val, y_val=y_val)
    assert clf.validation_scores_ == [clf.score(X_val, y_val)]
    np.testing.assert_allclose(
        clf.validation_loss_curve_[0],
        log_loss(y_val, clf.predict_proba(X_val), labels=clf.classes_),
        rtol=1e-12,
    )
    assert clf.predict_proba(X_val).tobytes() == clf.predict_proba(X_val).tobytes()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sparse_input_is_distorted_as_dense(digits_data, dtype):
    """Sparse X is gathered into the dense minibatch, then distorted there:
    the model is the dense one's, bit for bit."""
    X, y = digits_data
    X = X.astype(dtype)
    dense = _fit(X, y, augment=SMALL)
    for make in (sparse.csr_matrix, sparse.csc_matrix):
        assert _bits(_fit(make(X), y, augment=SMALL)) == _bits(dense)


def test_images_of_any_shape(digits_data):
    """Rows of 4 x 16 images: a square is not needed with image_shape."""
    X, y = digits_data
    wide = _fit(X, y, augment=dict(SMALL, image_shape=(4, 16)))
    square = _fit(X, y, augment=SMALL)
    assert _bits(wide) != _bits(square)


@pytest.mark.parametrize(
    "params, error, message",
    [
        (
            dict(augment=True, solver="lbfgs"),
            ValueError,
            "augment distorts the minibatches",
        ),
        (
            dict(max_norm=3.0, solver="lbfgs"),
            ValueError,
            "max_norm constrains the steps",
        ),
        (
            dict(augment={"spin": 3}),
            ValueError,
            "The 'augment' parameter: unknown setting",
        ),
        (
            dict(augment={"rotation": -5}),
            ValueError,
            r"'augment' parameter: The 'rotation' parameter of DigitAugmentation "
            r"must be a float in the range \[0.0, 180.0\]. Got -5 instead",
        ),
        (
            dict(augment={"image_shape": (8, 9)}),
            ValueError,
            r"image_shape=\(8, 9\) holds 72 pixels, but X has 64 features",
        ),
        (dict(augment="yes"), InvalidParameterError, "'augment' parameter"),
        (dict(max_norm=0.0), InvalidParameterError, "'max_norm' parameter"),
        (dict(max_norm=np.inf), InvalidParameterError, "'max_norm' parameter"),
        (dict(max_norm="3"), InvalidParameterError, "'max_norm' parameter"),
    ],
)
def test_what_augment_and_max_norm_refuse(digits_data, params, error, message):
    X, y = digits_data
    with pytest.raises(error, match=message):
        MLPDigitClassifier(max_iter=1, **params).fit(X, y)


def test_rows_that_are_not_images_are_refused(digits_data):
    X, y = digits_data
    with pytest.raises(ValueError, match="63 features is not a square number"):
        MLPDigitClassifier(augment=True, max_iter=1).fit(X[:, :63], y)


# ------------------------------------------------------------ max_norm


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_max_norm_bounds_each_hidden_unit_not_the_output_layer(
    digits_data, solver, dtype
):
    X, y = digits_data
    X = X.astype(dtype)
    params = dict(hidden_layer_sizes=(24, 12), solver=solver, learning_rate=0.05)
    if solver == "adam":
        params["learning_rate"] = 0.01
    free = _fit(X, y, **params)
    max_norm = 1.0
    assert max(np.linalg.norm(w, axis=0).max() for w in free.coefs_[:-1]) > max_norm
    constrained = _fit(X, y, max_norm=max_norm, **params)
    for w in constrained.coefs_[:-1]:
        norms = np.linalg.norm(w.astype(np.float64), axis=0)
        assert np.all(norms <= max_norm * (1 + 1e-6))
    assert np.linalg.norm(constrained.coefs_[-1], axis=0).max() > max_norm
    # A radius never reached changes no bit.
    assert _bits(_fit(X, y, max_norm=1e6, **params)) == _bits(free)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_max_norm_that_forbids_learning_is_refused(digits_data, dtype):
    """max_norm=1e-300 used to train a model at chance with only the usual
    convergence warning. A radius below the bound of
    skmlp._checks.check_max_norm_can_learn is refused with the reason and the
    smallest radius that could work; one above it trains."""
    X, y = digits_data
    X = X.astype(dtype)
    with pytest.raises(ValueError, match=r"max_norm=1e-300 forbids learning") as info:
        _fit(X, y, hidden_layer_sizes=(24, 12), max_norm=1e-300)
    assert f"below the {np.dtype(dtype).name} precision" in str(info.value)
    smallest = float(str(info.value).split("radius above ")[1].split(" ")[0])
    with pytest.raises(ValueError, match="forbids learning"):
        _fit(X, y, hidden_layer_sizes=(24, 12), max_norm=smallest / 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        _fit(X, y, hidden_layer_sizes=(24, 12), max_norm=smallest * 4)
    # No hidden layer: nothing is constrained, nothing refused.
    _fit(X, y, hidden_layer_sizes=(), max_norm=1e-300)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_below_the_bound_no_weights_let_the_outputs_depend_on_x(digits_data, dtype):
    """What the refusal rests on: hidden units' incoming weights of norm
    max_norm (below the bound), and output weights as large as training
    keeps them (just under the fourth root of the dtype's largest number),
    give every input the same probabilities, to the bit."""
    from skmlp._network import overflow_limit

    X, y = digits_data
    X = X.astype(dtype)
    model = _fit(X, y, hidden_layer_sizes=(24, 12), max_iter=1)
    with pytest.raises(ValueError, match="forbids learning") as info:
        _fit(X, y, hidden_layer_sizes=(24, 12), max_norm=1e-300)
    below = float(str(info.value).split("radius above ")[1].split(" ")[0]) / 2
    rng = np.random.default_rng(0)
    signs = np.sign(rng.standard_normal(model.coefs_[-1].shape))
    for b in model.intercepts_:
        b[...] = rng.standard_normal(b.shape)
    hidden = [w.copy() for w in model.coefs_[:-1]]

    def probabilities(radius, output_scale):
        for w, start in zip(model.coefs_[:-1], hidden):
            w[...] = start / np.linalg.norm(start.astype(np.float64), axis=0) * radius
        model.coefs_[-1][...] = signs * output_scale
        return model.predict_proba(X)

    proba = probabilities(below, 0.99 * overflow_limit(dtype))
    assert (proba == proba[0]).all()
    # The same network with a usable radius tells the inputs apart.
    proba = probabilities(1.0, 1.0)
    assert not (proba == proba[0]).all()


# ------------------------------------------------ searches and nested settings


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.FitFailedWarning")
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_an_invalid_augment_candidate_scores_error_score(digits_data):
    """Issue 29 (7): the settings are checked by fit, not set_params, so one
    bad candidate scores error_score and the search goes on, as for any
    other parameter scikit-learn checks."""
    X, y = digits_data
    search = GridSearchCV(
        MLPDigitClassifier((8,), solver="sgd", max_iter=2, random_state=0),
        {"augment__rotation": [5, -1, 10]},
        cv=2,
        error_score=np.nan,
    )
    search.set_params(estimator__augment={"shift": 1})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X[:200], y[:200])
    scores = search.cv_results_["mean_test_score"]
    assert np.isnan(scores[1]) and np.all(np.isfinite(scores[[0, 2]]))
    assert search.best_params_["augment__rotation"] in (5, 10)


@pytest.mark.parametrize(
    "augment, expected",
    [
        ({"shift": 1}, {"shift": 1, "rotation": 5}),
        (True, {"rotation": 5}),
        (np.True_, {"rotation": 5}),
    ],
)
def test_nested_settings_set_when_augment_is_a_dict_or_true(augment, expected):
    """Issue 29 (7): scikit-learn's set_params nests only into estimators;
    a dict is replaced by an updated copy (the caller's stays as it was),
    True by the dict of the settings given."""
    clf = MLPDigitClassifier(augment=augment)
    assert clf.set_params(augment__rotation=5) is clf
    assert clf.augment == expected
    if isinstance(augment, dict):
        assert augment == {"shift": 1}
    # Values are checked by fit, not here: a search scores a bad one.
    clf.set_params(augment__rotation=-1)
    with pytest.raises(ValueError, match="'augment' parameter: The 'rotation'"):
        clf.fit(np.random.RandomState(0).rand(4, 4), [0, 1, 0, 1])


def test_nested_settings_set_together_with_augment_itself():
    clf = MLPDigitClassifier().set_params(augment={"shift": 1}, augment__rotation=5)
    assert clf.augment == {"shift": 1, "rotation": 5}
    instance = DigitAugmentation()
    clf.set_params(augment=instance, augment__rotation=5)
    assert clf.augment is instance and instance.rotation == 5


@pytest.mark.parametrize("augment", [None, False])
def test_nested_settings_of_no_augmentation_are_refused_naming_them(augment):
    with pytest.raises(
        ValueError,
        match=rf"Cannot set augment__rotation: augment={augment} asks for no "
        "augmentation",
    ):
        MLPDigitClassifier(augment=augment).set_params(augment__rotation=5)


def test_unknown_nested_settings_are_refused_naming_them():
    with pytest.raises(ValueError, match=r"Cannot set augment__spin: unknown setting"):
        MLPDigitClassifier(augment={}).set_params(augment__spin=5)
    with pytest.raises(ValueError, match="Invalid parameter 'spin'"):
        MLPDigitClassifier(augment=DigitAugmentation()).set_params(augment__spin=5)


# ------------------------------------------ settings that blank every image


@pytest.mark.parametrize(
    "settings, reason",
    [
        ({"shift": 1e308}, r"shift=1e\+308 moves 100% of the images of 8 x 8"),
        (
            {"scale": (1e-300, 1e-300)},
            r"scale=\(1e-300, 1e-300\) shrinks every image of 8 x 8 pixels to less "
            "than one pixel",
        ),
        (
            {"elastic_alpha": 1e308},
            r"elastic_alpha=1e\+308 with elastic_sigma=4 moves pixels by 4.07e\+306 "
            "pixels",
        ),
    ],
)
def test_settings_that_blank_every_image_are_refused_with_the_reason(
    digits_data, settings, reason
):
    """Issue 29 (6): on 17d49b1 these trained on blank images without a word."""
    X, y = digits_data
    with pytest.raises(ValueError, match="blank the training images: " + reason):
        _fit(X, y, augment=settings)


def test_a_shift_that_blanks_some_images_is_a_warning(digits_data):
    X, y = digits_data
    # (9 / 12)**2 of the images keep some pixel in their 8 x 8 frame.
    with pytest.warns(
        UserWarning, match=r"shift=12 moves 44% of the images of 8 x 8 pixels"
    ):
        _fit(X[:100], y[:100], augment={"shift": 12}, max_iter=1)
