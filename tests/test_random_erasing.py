"""Random erasing (``DigitAugmentation(erase=...)``): one random rectangle of
each image set to zero after the warp, with probability ``erase``.

The erased images are compared with the same seed's images without erasing
(which the other tests of the warp pin): outside the rectangle they must be
the same bits, inside it zeros. Images are drawn without zeros, so that every
zero of an erased image is an erased pixel.
"""

import pickle
import re
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from cli_helpers import FAST, assert_one_line_error, run
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.utils.estimator_checks import parametrize_with_checks
from test_augment import (
    test_invalid_settings_raise_naming_the_setting as rejects_naming_the_setting,
)
from test_training_augmentation import _bits

from skmlp import MLPDigitClassifier
from skmlp._engine._augment import Augmenter
from skmlp.augmentation import DigitAugmentation
from skmlp.cli._model_io import load_model
from skmlp.cli._parser import build_parser

DTYPES = [np.float32, np.float64]
# No warp at all: every distortion at its neutral value.
NEUTRAL = dict(rotation=0, scale=(1, 1), stretch=0, shear=0, shift=0, elastic_alpha=0)
# A warp with every kind of draw, elastic field included.
WARP = dict(rotation=10, scale=(0.9, 1.1), stretch=0.1, shear=5, shift=1.5)
WARP.update(elastic_alpha=8, elastic_sigma=3, flip=True)


def _images(n, height=28, width=28, dtype=np.float64, seed=0):
    """Images of values in [0.1, 1): no pixel is 0."""
    rng = np.random.default_rng(seed)
    return rng.uniform(0.1, 1.0, (n, height * width)).astype(dtype)


def _augmenter(augmentation, dtype=np.float64, shape=(28, 28), seed=3):
    return augmentation._build_augmenter(shape[0] * shape[1], dtype, seed)


def _augment(augmenter, X, epoch=0, ids=None):
    out = np.array(X, order="C", copy=True)
    ids = np.arange(len(X), dtype=np.intp) if ids is None else ids
    augmenter.augment(out, ids, epoch)
    return out


def _same_bits(a, b):
    return a.dtype == b.dtype and a.tobytes() == b.tobytes()


def _rectangles(augmenter, n, epoch=0):
    return [augmenter.erased_rectangle(i, epoch) for i in range(n)]


# ------------------------------------------------------------ the rectangle


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("warp", [NEUTRAL, WARP, dict(NEUTRAL, flip=True)])
def test_one_rectangle_of_zeros_the_rest_is_the_warp_bit_for_bit(dtype, warp):
    shape = (28, 28)
    X = _images(300, *shape, dtype=dtype)
    plain = _augment(_augmenter(DigitAugmentation(**warp), dtype), X)
    erasing = _augmenter(DigitAugmentation(**warp, erase=0.6), dtype)
    erased = _augment(erasing, X)
    n_erased = 0
    for image, reference, rectangle in zip(erased, plain, _rectangles(erasing, len(X))):
        if rectangle is None:
            assert _same_bits(image, reference)
            continue
        n_erased += 1
        top, left, height, width = rectangle
        assert 0 <= top and top + height <= shape[0]
        assert 0 <= left and left + width <= shape[1]
        inside = np.zeros(shape, dtype=bool)
        inside[top : top + height, left : left + width] = True
        inside = inside.ravel()
        assert np.all(image[inside] == 0) and not np.any(np.signbit(image[inside]))
        assert _same_bits(image[~inside], reference[~inside])
    assert n_erased > 100


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("dtype", DTYPES)
def test_erasing_alone_leaves_every_other_pixel_as_it_was(dtype):
    """With no warp the image's other pixels are its own, bit for bit (even
    values a resampling would spoil), and the zeros are one full rectangle."""
    X = _images(200, 12, 20, dtype=dtype)
    X[:, ::7] = -0.0
    X[:, 1::7] = np.finfo(dtype).max
    X[:, 2::7] = -np.finfo(dtype).max
    augmentation = DigitAugmentation(**NEUTRAL, erase=1.0, image_shape=(12, 20))
    erased = augmentation.transform_images(X, random_state=5)
    changed = erased != X
    changed |= np.signbit(erased) != np.signbit(X)
    for image, mask, original in zip(erased, changed, X):
        rows, cols = np.nonzero(mask.reshape(12, 20))
        assert rows.size > 0
        box = np.zeros((12, 20), dtype=bool)
        box[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1] = True
        # Every changed pixel is a zero of the rectangle; the rectangle's
        # pixels that did not change were +0 already.
        assert np.all(image.reshape(12, 20)[box] == 0)
        assert not np.any(np.signbit(image.reshape(12, 20)[box]))
        assert _same_bits(image[~box.ravel()], original[~box.ravel()])


@pytest.mark.parametrize(
    "shape, area, ratio",
    [
        ((28, 28), (0.02, 0.33), (0.3, 3.3)),
        ((28, 28), (0.1, 0.2), (0.5, 1.0)),
        ((12, 40), (0.05, 0.5), (0.2, 4.0)),
    ],
)
def test_area_share_and_aspect_ratio_stay_in_their_ranges(shape, area, ratio):
    augmentation = DigitAugmentation(
        **NEUTRAL, erase=1.0, erase_area=area, erase_ratio=ratio, image_shape=shape
    )
    augmenter = _augmenter(augmentation, shape=shape)
    rectangles = np.array(_rectangles(augmenter, 3000))
    top, left, height, width = rectangles.T
    shares = height * width / (shape[0] * shape[1])
    ratios = height / width
    assert np.all(top >= 0) and np.all(top + height <= shape[0])
    assert np.all(left >= 0) and np.all(left + width <= shape[1])
    assert shares.min() >= area[0] and shares.max() <= area[1]
    assert ratios.min() >= ratio[0] and ratios.max() <= ratio[1]
    # The ranges are covered, not just respected.
    span = area[1] - area[0]
    assert shares.min() < area[0] + 0.1 * span and shares.max() > area[1] - 0.1 * span
    # Every position where a rectangle fits can be drawn: top and left
    # reach both ends.
    assert np.any(top == 0) and np.any(top + height == shape[0])
    assert np.any(left == 0) and np.any(left + width == shape[1])


def test_aspect_ratio_is_drawn_on_a_log_scale():
    """With the range (1/3, 3), tall and wide rectangles come as often."""
    augmentation = DigitAugmentation(**NEUTRAL, erase=1.0, erase_ratio=(1 / 3, 3))
    rectangles = np.array(_rectangles(_augmenter(augmentation), 4000))
    tall = np.sum(rectangles[:, 2] > rectangles[:, 3])
    wide = np.sum(rectangles[:, 2] < rectangles[:, 3])
    assert abs(tall - wide) < 5 * np.sqrt(tall + wide)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_erased_share_of_images_is_the_probability(p):
    n = 4000
    augmenter = _augmenter(DigitAugmentation(**WARP, erase=p))
    erased = sum(r is not None for r in _rectangles(augmenter, n))
    # Binomial(n, p): more than 5 standard deviations away fails.
    assert abs(erased - n * p) < 5 * np.sqrt(n * p * (1 - p))
    # The images agree: those with a rectangle, and only those, have zeros.
    erasing_only = _augmenter(DigitAugmentation(**NEUTRAL, erase=p))
    has_zeros = np.any(_augment(erasing_only, _images(300)) == 0, axis=1)
    drawn = [r is not None for r in _rectangles(erasing_only, 300)]
    assert list(has_zeros) == drawn


def test_probability_one_erases_every_image_and_zero_none():
    X = _images(500)
    every = _augment(_augmenter(DigitAugmentation(**NEUTRAL, erase=1.0)), X)
    assert np.all(np.any(every == 0, axis=1))
    none = _augment(_augmenter(DigitAugmentation(**NEUTRAL, erase=0.0)), X)
    assert _same_bits(none, X)


# ------------------------------------------------------------ randomness


@pytest.mark.parametrize("dtype", DTYPES)
def test_erasing_off_or_on_leaves_the_warps_draws_and_bits(dtype):
    """The rectangle is drawn after every draw of the warp: the warp's source
    coordinates are the same with erasing on, and erase=0 gives the bits of
    settings that never mention erasing."""
    off = _augmenter(DigitAugmentation(**WARP), dtype)
    zero = _augmenter(DigitAugmentation(**WARP, erase=0.0, erase_area=(0.5, 1)), dtype)
    on = _augmenter(DigitAugmentation(**WARP, erase=0.7), dtype)
    for sample in range(30):
        reference = np.stack(off.source_coordinates(sample, 2))
        assert _same_bits(np.stack(on.source_coordinates(sample, 2)), reference)
        assert zero.erased_rectangle(sample, 2) is None
    X = _images(64, dtype=dtype)
    assert _same_bits(_augment(zero, X, 2), _augment(off, X, 2))


def test_same_seed_same_rectangles_whatever_the_batch_and_threads():
    augmenter = _augmenter(DigitAugmentation(**WARP, erase=0.5), np.float32)
    X = _images(64, dtype=np.float32)
    ids = np.arange(500, 564)
    whole = _augment(augmenter, X, 3, ids)
    again = _augment(
        _augmenter(DigitAugmentation(**WARP, erase=0.5), np.float32), X, 3, ids
    )
    assert _same_bits(whole, again)

    order = np.random.default_rng(1).permutation(64)
    assert _same_bits(_augment(augmenter, X[order], 3, ids[order]), whole[order])

    chunks = [X[k : k + 16].copy() for k in range(0, 64, 16)]
    with ThreadPoolExecutor(4) as pool:
        list(
            pool.map(
                lambda k: augmenter.augment(chunks[k], ids[16 * k :][:16], 3), range(4)
            )
        )
    assert _same_bits(np.concatenate(chunks), whole)

    # Another seed, another epoch: other rectangles.
    other_seed = _augmenter(DigitAugmentation(**WARP, erase=0.5), np.float32, seed=4)
    assert [other_seed.erased_rectangle(i, 3) for i in ids] != [
        augmenter.erased_rectangle(i, 3) for i in ids
    ]
    assert [augmenter.erased_rectangle(i, 4) for i in ids] != [
        augmenter.erased_rectangle(i, 3) for i in ids
    ]


def test_transform_images_shows_the_erasing_of_training():
    """transform_images (the gallery's view) erases as training's stream does,
    for a given random_state and epoch."""
    augmentation = DigitAugmentation(**NEUTRAL, erase=1.0)
    X = _images(40)
    shown = augmentation.transform_images(X, random_state=0, epoch=1)
    assert np.all(np.any(shown == 0, axis=1))
    assert _same_bits(shown, augmentation.transform_images(X, random_state=0, epoch=1))
    assert not np.array_equal(shown, augmentation.transform_images(X, random_state=0))
    as_images = augmentation.transform_images(
        X.reshape(40, 28, 28), random_state=0, epoch=1
    )
    assert _same_bits(as_images.reshape(40, 784), shown)


# ------------------------------------------------------------ configuration


def test_defaults_leave_erasing_off_and_repr_shows_it():
    augmentation = DigitAugmentation()
    assert augmentation.erase == 0.0
    assert augmentation.erase_area == (0.02, 0.33)
    assert augmentation.erase_ratio == (0.3, 3.3)
    assert repr(augmentation) == "DigitAugmentation()"
    assert repr(DigitAugmentation(erase=0.5, erase_area=(0.05, 0.2))) == (
        "DigitAugmentation(erase=0.5, erase_area=(0.05, 0.2))"
    )
    params = DigitAugmentation(erase=0.25).get_params()
    assert params["erase"] == 0.25 and "erase_ratio" in params


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"erase": -0.1}, r"'erase' parameter .* in the range \[0.0, 1.0\]"),
        ({"erase": 1.5}, r"'erase' parameter .* in the range \[0.0, 1.0\]"),
        ({"erase": np.nan}, r"'erase' parameter .* in the range \[0.0, 1.0\]"),
        ({"erase": "0.5"}, "'erase' parameter .* must be a float"),
        ({"erase": True}, "'erase' parameter .* must be a float"),
        ({"erase_area": 0.2}, r"'erase_area' parameter .* a pair \(low, high\)"),
        ({"erase_area": (0.1, 0.2, 0.3)}, "'erase_area' parameter .* a pair"),
        ({"erase_area": (0.1, "a")}, "'erase_area' parameter .* a pair .* of floats"),
        ({"erase_area": (0, 0.2)}, r"'erase_area' parameter .* \(0.0, 1.0\]"),
        (
            {"erase_area": (0.3, 0.2)},
            r"'erase_area' parameter .* in the range \(0.0, 1.0\] with low <= high",
        ),
        (
            {"erase_area": (0.1, 1.5)},
            r"'erase_area' parameter .* in the range \(0.0, 1.0\] with low <= high",
        ),
        ({"erase_area": (np.nan, 0.5)}, "'erase_area' parameter"),
        (
            {"erase_ratio": (0, 2)},
            r"'erase_ratio' parameter .* in the range \(0.0, inf\) with low <= high",
        ),
        (
            {"erase_ratio": (2, 1)},
            r"'erase_ratio' parameter .* in the range \(0.0, inf\) with low <= high",
        ),
        (
            {"erase_ratio": (1, np.inf)},
            r"'erase_ratio' parameter .* in the range \(0.0, inf\) with low <= high",
        ),
        ({"erase_ratio": 1}, r"'erase_ratio' parameter .* a pair \(low, high\)"),
    ],
)
def test_invalid_erasing_settings_raise_naming_the_setting(settings, message):
    # transform_images, from_param and fit, as for the warp's settings.
    rejects_naming_the_setting(settings, message)


def test_augmenter_refuses_ranges_its_kernel_cannot_draw_from():
    settings = (28, 28, np.float32, 0.0, 1, 1, 0, 0, 0, False, None, 0)
    with pytest.raises(ValueError, match=r"erase must be in \[0, 1\]"):
        Augmenter(*settings, erase=2.0)
    with pytest.raises(ValueError, match="erase_area must satisfy"):
        Augmenter(*settings, erase=0.5, erase_area=(0.0, 0.5))
    with pytest.raises(ValueError, match="erase_ratio must satisfy"):
        Augmenter(*settings, erase=0.5, erase_ratio=(1.0, float("inf")))
    with pytest.raises(ValueError, match="erase_ratio must satisfy"):
        Augmenter(*settings, erase=0.5, erase_ratio=(float("nan"), 1.0))


def test_clone_pickle_and_files_saved_before_erasing_existed():
    augmentation = DigitAugmentation(erase=0.3, erase_ratio=(0.5, 2.0))
    assert clone(augmentation).get_params() == augmentation.get_params()
    restored = pickle.loads(pickle.dumps(augmentation))
    assert restored.get_params() == augmentation.get_params()
    # An instance pickled by a version without erasing: no erase attributes.
    old = DigitAugmentation(rotation=5)
    for name in ("erase", "erase_area", "erase_ratio"):
        delattr(old, name)
    loaded = pickle.loads(pickle.dumps(old))
    assert loaded.get_params() == DigitAugmentation(rotation=5).get_params()
    X = _images(5)
    assert _same_bits(
        loaded.transform_images(X, random_state=0),
        DigitAugmentation(rotation=5).transform_images(X, random_state=0),
    )


# ------------------------------------------------------------ training


def _fit(X, y, **params):
    params = {
        "hidden_layer_sizes": (16,),
        "solver": "adam",
        "batch_size": 32,
        "max_iter": 3,
        "random_state": 0,
        **params,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return MLPDigitClassifier(**params).fit(X, y)


@pytest.mark.parametrize("dtype", DTYPES)
def test_training_erases_reproducibly_and_erase_zero_changes_nothing(digits, dtype):
    X, y = digits
    X, y = X[:400].astype(dtype), y[:400]
    flips = dict(NEUTRAL, flip=True)
    base = _fit(X, y, augment=flips)
    assert _bits(_fit(X, y, augment=dict(flips, erase=0.0))) == _bits(base)
    erased = _fit(X, y, augment=dict(flips, erase=0.5))
    assert erased.coefs_[0].dtype == dtype
    assert _bits(erased) != _bits(base)
    assert _bits(_fit(X, y, augment=dict(flips, erase=0.5))) == _bits(erased)
    # Erasing alone, without any warp, trains too.
    alone = _fit(X, y, augment=dict(NEUTRAL, erase=0.5))
    assert _bits(alone) != _bits(_fit(X, y, augment=NEUTRAL))


def test_validation_data_and_predictions_are_never_erased(digits):
    """Every image erased in training (erase=1, up to the whole image): the
    validation scores are still those of the model on X_val as it is."""
    X, y = digits
    X_val, y_val = X[600:900], y[600:900]
    augment = dict(NEUTRAL, erase=1.0, erase_area=(0.5, 1.0), erase_ratio=(0.5, 2))
    clf = MLPDigitClassifier((24,), augment=augment, max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X[:600], y[:600], X_val=X_val, y_val=y_val)
    assert clf.validation_scores_ == [clf.score(X_val, y_val)]
    np.testing.assert_allclose(
        clf.validation_loss_curve_[0],
        log_loss(y_val, clf.predict_proba(X_val), labels=clf.classes_),
        rtol=1e-12,
    )
    assert clf.predict_proba(X_val).tobytes() == clf.predict_proba(X_val).tobytes()


# ------------------------------------------------------------ command line, model files


def test_command_line_takes_the_erasing_settings():
    args = build_parser().parse_args(
        ["train", "--augment", "erase=0.5", "erase_area=0.05,0.2", "erase_ratio=1,2"]
    )
    assert args.augment == {
        "erase": 0.5,
        "erase_area": (0.05, 0.2),
        "erase_ratio": (1, 2),
    }


@pytest.mark.parametrize(
    "setting, message",
    [
        ("erase=1.5", r"--augment: The 'erase' parameter .* \[0.0, 1.0\]"),
        ("erase_area=0.3", r"--augment: The 'erase_area' parameter .* a pair"),
        ("erase_ratio=3,1", r"--augment: The 'erase_ratio' parameter .* low <= high"),
    ],
)
def test_command_line_refuses_bad_erasing_settings(capsys, setting, message):
    status, out, err = run(capsys, ["train", *FAST, "--augment", setting])
    assert status == 2
    assert_one_line_error(err)
    assert re.search(message, err), err


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_command_line_trains_with_erasing_and_the_model_loads(capsys, tmp_path):
    pytest.importorskip("skops")
    model = tmp_path / "erasing.skops"
    argv = ["train", *FAST, "--augment", "rotation=0", "shift=0", "elastic_alpha=0"]
    argv += ["erase=0.5", "erase_area=0.1,0.3", "--save", str(model)]
    status, out, err = run(capsys, argv)
    assert status == 0, err
    assert "erase=0.5, erase_area=(0.1, 0.3)" in out
    loaded = load_model(model)
    assert loaded.augment["erase"] == 0.5
    assert loaded.augment["erase_area"] == (0.1, 0.3)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_skops_files_with_erasing_settings_load_and_old_ones_load_with_it_off(
    tmp_path,
):
    """A model whose ``augment`` is a DigitAugmentation with erasing loads
    through the trusted types; one saved before erasing existed (no erase
    attributes) loads with erasing off."""
    sio = pytest.importorskip("skops.io")
    X = np.random.RandomState(0).rand(40, 16)
    y = np.arange(40) % 2
    augmentation = DigitAugmentation(erase=0.5, erase_area=(0.05, 0.2))
    model = MLPDigitClassifier((4,), max_iter=2, augment=augmentation).fit(X, y)
    sio.dump(model, tmp_path / "new.skops")
    loaded = load_model(tmp_path / "new.skops")
    assert loaded.augment.get_params() == augmentation.get_params()
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))

    for name in ("erase", "erase_area", "erase_ratio"):
        delattr(augmentation, name)
    sio.dump(model, tmp_path / "old.skops")
    old = load_model(tmp_path / "old.skops")
    assert old.augment.get_params() == DigitAugmentation().get_params()
    old.fit(X, y)


class _StripErasing(DigitAugmentation):
    """Erasing for any X: its rows are taken as images of one pixel's height
    (scikit-learn's checks use 2 to 30 features, mostly not square)."""

    def resolve_image_shape(self, n_features):
        return 1, n_features


_STRIPS = _StripErasing(
    **NEUTRAL, erase=0.5, erase_area=(0.01, 1.0), erase_ratio=(0.01, 1.0)
)
# Fitting with a weight of 2 is not fitting on two copies once the images are
# augmented: each copy draws its own erasing (as its own flip or shift).
_RANDOM_PER_COPY = "each copy of a sample is augmented with its own draw"


@parametrize_with_checks(
    [MLPDigitClassifier(augment=_STRIPS)],
    expected_failed_checks=lambda estimator: {
        "check_sample_weight_equivalence_on_dense_data": _RANDOM_PER_COPY,
        "check_sample_weight_equivalence_on_sparse_data": _RANDOM_PER_COPY,
    },
)
def test_sklearn_compatible_with_erasing(estimator, check):
    check(estimator)
