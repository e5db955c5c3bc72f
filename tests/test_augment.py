"""Tests of the compiled warp (:mod:`skmlp._engine._augment`) and its configuration
(:mod:`skmlp.augmentation`).

The naive twin of the warp is ``scipy.ndimage.map_coordinates(order=1,
mode="grid-constant")``: bilinear interpolation with zeros outside the image,
fed the very coordinates the compiled warp used.
"""

import pickle
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.ndimage import map_coordinates
from sklearn.base import clone

from skmlp import MLPDigitClassifier
from skmlp._engine._augment import (
    Augmenter,
    _bilinear_for_tests,
    _warp_affine_for_tests,
)
from skmlp.augmentation import (
    DigitAugmentation,
    _elastic_field_bank,
    _expected_elastic_rms,
    _make_augmenter,
)

DTYPES = [np.float32, np.float64]
ATOL = {np.float32: 2e-6, np.float64: 1e-13}
# No distortion at all: every setting at its neutral value.
NEUTRAL = dict(rotation=0, scale=(1, 1), stretch=0, shear=0, shift=0, elastic_alpha=0)


def _images(n, height=28, width=28, dtype=np.float64, seed=0):
    """Random images with values of both signs and no zeros (so no -0.0)."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, height * width)) + 0.5).astype(dtype)


def _naive(image, rows, cols):
    """The warp's naive twin, in float64."""
    coords = np.stack([np.ravel(rows), np.ravel(cols)]).astype(np.float64)
    values = map_coordinates(
        image.astype(np.float64), coords, order=1, mode="grid-constant", cval=0.0
    )
    return values.reshape(np.shape(rows))


def _augmenter(augmentation, dtype, n_features=784, seed=3):
    return augmentation._build_augmenter(n_features, dtype, seed)


def _same_bits(a, b):
    return a.dtype == b.dtype and a.tobytes() == b.tobytes()


# ------------------------------------------------------------ the sampler


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(28, 28), (5, 9), (1, 1)])
def test_bilinear_matches_map_coordinates(dtype, shape):
    rng = np.random.default_rng(1)
    image = rng.standard_normal(shape).astype(dtype)
    height, width = shape
    # Inside, across the border, far outside, and on every grid line.
    rows = np.concatenate(
        [
            rng.uniform(-3, height + 2, 4000),
            np.repeat(np.arange(-2, height + 2), width + 4),
            [-1.0, -0.5, height - 1, height - 0.5, height, 1e9, -1e9],
        ]
    ).astype(dtype)
    cols = np.concatenate(
        [
            rng.uniform(-3, width + 2, 4000),
            np.tile(np.arange(-2, width + 2), height + 4),
            [-1.0, -0.5, width - 1, width - 0.5, width, -1e9, 1e9],
        ]
    ).astype(dtype)
    out = np.empty_like(rows)
    _bilinear_for_tests(image, rows, cols, out)
    assert_allclose(out, _naive(image, rows, cols), rtol=0, atol=ATOL[dtype] * 10)


@pytest.mark.parametrize("dtype", DTYPES)
def test_bilinear_at_pixel_centres_reads_the_pixels_exactly(dtype):
    image = _images(1, 6, 7, dtype)[0].reshape(6, 7)
    rows, cols = np.indices(image.shape).astype(dtype)
    out = np.empty(image.size, dtype=dtype)
    _bilinear_for_tests(image, rows.ravel(), cols.ravel(), out)
    assert _same_bits(out, image.ravel())


# ------------------------------------------------------------ affine warps


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shift", [(0, 0), (2, -3), (-5, 1), (30, 0), (0, -28)])
def test_integer_translation_is_a_shifted_image_with_zero_fill(dtype, shift):
    image = _images(1, dtype=dtype)[0].reshape(28, 28)
    down, right = shift
    out = np.empty_like(image)
    # Output pixel (r, c) reads the source at (r - down, c - right).
    _warp_affine_for_tests(image, [[1.0, 0.0], [0.0, 1.0]], [-down, -right], out)
    rows, cols = np.indices(image.shape)
    inside = (
        (0 <= rows - down)
        & (rows - down < 28)
        & (0 <= cols - right)
        & (cols - right < 28)
    )
    expected = np.zeros_like(image)
    expected[inside] = image[(rows - down)[inside], (cols - right)[inside]]
    assert _same_bits(out, expected)


@pytest.mark.parametrize("dtype", DTYPES)
def test_quarter_turn_is_rot90(dtype):
    image = _images(1, dtype=dtype)[0].reshape(28, 28)
    out = np.empty_like(image)
    # np.rot90: out[r, c] = image[c, 27 - r].
    _warp_affine_for_tests(image, [[0.0, 1.0], [-1.0, 0.0]], [0.0, 27.0], out)
    assert _same_bits(out, np.rot90(image))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("elastic_alpha", [0, 20])
def test_augmentation_matches_map_coordinates_at_its_coordinates(dtype, elastic_alpha):
    augmentation = DigitAugmentation(
        rotation=30,
        scale=(0.7, 1.3),
        stretch=0.2,
        shear=20,
        shift=4,
        elastic_alpha=elastic_alpha,
        elastic_sigma=3,
        flip=True,
    )
    augmenter = _augmenter(augmentation, dtype)
    X = _images(40, dtype=dtype)
    ids = np.arange(100, 140)
    out = X.copy()
    augmenter.augment(out, ids, 7)
    for i in range(len(X)):
        rows, cols = augmenter.source_coordinates(ids[i], 7)
        assert rows.dtype == cols.dtype == dtype
        expected = _naive(X[i].reshape(28, 28), rows, cols)
        assert_allclose(out[i].reshape(28, 28), expected, rtol=0, atol=ATOL[dtype] * 10)


def test_identity_settings_return_the_images_bit_for_bit():
    for dtype in DTYPES:
        X = _images(50, dtype=dtype)
        out = DigitAugmentation(**NEUTRAL).transform_images(X, random_state=0)
        assert _same_bits(out, X)


@pytest.mark.parametrize("shape", [(28, 28), (12, 20)])
def test_source_coordinates_follow_the_stated_geometry(shape):
    """Each affine setting alone moves pixels as its docstring says."""
    height, width = shape
    n_features = height * width
    grid = np.indices(shape).astype(np.float64)
    centre = np.array([(height - 1) / 2, (width - 1) / 2])[:, None, None]
    radius = np.hypot(*(grid - centre))

    def coordinates(**settings):
        augmentation = DigitAugmentation(**{**NEUTRAL, **settings}, image_shape=shape)
        augmenter = augmentation._build_augmenter(n_features, np.float64, 11)
        for sample in range(30):
            yield np.stack(augmenter.source_coordinates(sample, 0))

    # Rotation keeps distances to the centre, by an angle within the bound.
    angles = []
    for source in coordinates(rotation=20):
        assert_allclose(np.hypot(*(source - centre)), radius, atol=1e-9)
        q, p = (grid - centre)[:, 0, -1], (source - centre)[:, 0, -1]
        angles.append(np.degrees(np.arctan2(p[0] * q[1] - p[1] * q[0], p @ q)))
    assert 15 < np.max(np.abs(angles)) <= 20

    # The zoom divides source distances by a factor within the range.
    factors = []
    for source in coordinates(scale=(0.8, 1.25)):
        ratio = radius[radius > 0] / np.hypot(*(source - centre))[radius > 0]
        assert_allclose(ratio, ratio[0], rtol=1e-9)
        factors.append(ratio[0])
    assert 0.8 <= min(factors) < 0.85 and 1.2 < max(factors) <= 1.25

    # A shift moves every pixel alike, by at most `shift` along each axis.
    moves = []
    for source in coordinates(shift=3):
        move = (grid - source).reshape(2, -1)
        assert_allclose(move, move[:, :1] * np.ones_like(move), atol=1e-9)
        moves.append(move[:, 0])
    assert 2.5 < np.max(np.abs(moves)) <= 3

    # Shear moves columns in proportion to the distance from the middle row.
    for source in coordinates(shear=30):
        assert_allclose(source[0], grid[0], atol=1e-12)
        offset = source[1] - grid[1]
        slope = offset[:, 0] / (grid[0][:, 0] - centre[0, 0, 0])
        assert np.all(np.abs(slope) <= np.tan(np.radians(30)) + 1e-12)
        assert_allclose(offset, offset[:, :1] * np.ones_like(offset), atol=1e-9)


# ------------------------------------------------------------ elastic fields


def _displacements(alpha, sigma, n_images=300, seed=5):
    """Row and column displacements of the first n_images samples."""
    augmenter = DigitAugmentation(
        **{**NEUTRAL, "elastic_alpha": alpha, "elastic_sigma": sigma}
    )._build_augmenter(784, np.float64, seed)
    grid = np.indices((28, 28)).astype(np.float64)
    return np.array(
        [np.stack(augmenter.source_coordinates(i, 0)) - grid for i in range(n_images)]
    )


@pytest.mark.parametrize("sigma", [2.0, 4.0])
def test_elastic_field_has_the_stated_magnitude(sigma):
    displacement = _displacements(34.0, sigma)
    expected = 34.0 * _expected_elastic_rms(sigma)
    # About alpha / (2 sqrt(3 pi) sigma): 1.4 pixels for Simard's 34 and 4.
    assert_allclose(expected, 34.0 / (2 * np.sqrt(3 * np.pi) * sigma), rtol=1e-3)
    rms = np.sqrt(np.mean(displacement**2, axis=(0, 2, 3)))
    assert_allclose(rms, expected, rtol=0.05)
    # alpha only scales the field.
    assert_allclose(_displacements(17.0, sigma), displacement / 2, rtol=0, atol=1e-12)


@pytest.mark.parametrize("sigma", [2.0, 4.0])
def test_elastic_field_has_the_stated_smoothness(sigma):
    """A Gaussian-smoothed white noise correlates as exp(-d**2 / (4 sigma**2))
    at a distance of d pixels; its two components are independent."""
    # Each fit's bank is one sample of the field: average over several fits.
    displacement = np.concatenate(
        [_displacements(10.0, sigma, n_images=100, seed=seed) for seed in range(8)]
    )
    variance = np.mean(displacement**2)
    for lag in (1, 2, 4, 8):
        along_rows = np.mean(displacement[..., lag:, :] * displacement[..., :-lag, :])
        along_cols = np.mean(displacement[..., lag:] * displacement[..., :-lag])
        expected = np.exp(-(lag**2) / (4 * sigma**2))
        assert abs(along_rows / variance - expected) < 0.05
        assert abs(along_cols / variance - expected) < 0.05
    cross = np.mean(displacement[:, 0] * displacement[:, 1]) / variance
    assert abs(cross) < 0.05


def test_elastic_bank_is_periodic_and_padded_by_wrapping():
    bank = _elastic_field_bank((10, 6), 8.0, 3.0, np.float32, np.random.default_rng(0))
    period = bank.shape[1] - 10
    assert bank.shape == (2, period + 10, period + 6) and period >= 256
    assert bank.dtype == np.float32
    assert_array_equal(bank[:, period:, :], bank[:, :10, :])
    assert_array_equal(bank[:, :, period:], bank[:, :, :6])


# ------------------------------------------------------------ randomness


def test_same_seed_same_bits_different_seed_different_images():
    augmentation = DigitAugmentation(elastic_alpha=10, elastic_sigma=3, shear=5)
    X = _images(20, dtype=np.float32)
    first = augmentation.transform_images(X, random_state=42)
    again = augmentation.transform_images(X, random_state=42)
    other = augmentation.transform_images(X, random_state=43)
    assert _same_bits(first, again)
    assert not np.any(np.all(first == other, axis=1))
    assert not np.any(np.all(first == X, axis=1))


def test_each_sample_gets_its_own_draw_whatever_the_batch():
    """A sample's distortion depends on (seed, epoch, sample) only: not on its
    position in the minibatch, the other rows or the thread."""
    augmenter = _augmenter(DigitAugmentation(elastic_alpha=10), np.float32)
    X = _images(64, dtype=np.float32)
    ids = np.arange(1000, 1064)
    whole = X.copy()
    augmenter.augment(whole, ids, 3)

    order = np.random.default_rng(0).permutation(64)
    shuffled = X[order].copy()
    augmenter.augment(shuffled, ids[order], 3)
    assert _same_bits(shuffled, whole[order])

    alone = X[5:6].copy()
    augmenter.augment(alone, ids[5:6], 3)
    assert _same_bits(alone[0], whole[5])

    # Four threads, each on its own chunk, at the same time.
    chunks = [X[k : k + 16].copy() for k in range(0, 64, 16)]
    with ThreadPoolExecutor(4) as pool:
        list(
            pool.map(
                lambda k: augmenter.augment(chunks[k], ids[16 * k :][:16], 3), range(4)
            )
        )
    assert _same_bits(np.concatenate(chunks), whole)

    # Another epoch draws anew; the same sample in two rows gets the same draw.
    next_epoch = X.copy()
    augmenter.augment(next_epoch, ids, 4)
    assert not np.any(np.all(next_epoch == whole, axis=1))
    twice = np.repeat(X[:1], 2, axis=0)
    augmenter.augment(twice, np.array([7, 7]), 0)
    assert _same_bits(twice[0], twice[1])


def test_turning_one_distortion_off_keeps_the_others_draws():
    """Rotation R and shift t together read the source at R (q - t): the
    rotation's own source moved by the constant -R t, whose length is that of
    the shift drawn alone: both draws are the same with or without the other."""
    both = _augmenter(
        DigitAugmentation(**{**NEUTRAL, "rotation": 10, "shift": 2}), np.float64
    )
    rotation = _augmenter(DigitAugmentation(**{**NEUTRAL, "rotation": 10}), np.float64)
    shift = _augmenter(DigitAugmentation(**{**NEUTRAL, "shift": 2}), np.float64)
    grid = np.indices((28, 28)).astype(np.float64)
    for sample in range(20):
        moved = np.stack(both.source_coordinates(sample, 0)) - np.stack(
            rotation.source_coordinates(sample, 0)
        )
        assert_allclose(moved, moved[:, :1, :1] * np.ones_like(moved), atol=1e-9)
        shifted = grid - np.stack(shift.source_coordinates(sample, 0))
        assert_allclose(
            np.hypot(*moved[:, 0, 0]), np.hypot(*shifted[:, 0, 0]), rtol=1e-9
        )
        assert np.hypot(*moved[:, 0, 0]) > 0


# ------------------------------------------------------------ flips


def test_flips_only_when_asked():
    X = _images(200)
    mirrored = X.reshape(-1, 28, 28)[:, :, ::-1].reshape(X.shape)
    unflipped = DigitAugmentation(**NEUTRAL).transform_images(X, random_state=1)
    assert _same_bits(unflipped, X)
    flipped = DigitAugmentation(**{**NEUTRAL, "flip": True}).transform_images(
        X, random_state=1
    )
    is_mirror = np.all(flipped == mirrored, axis=1)
    is_same = np.all(flipped == X, axis=1)
    assert np.all(is_mirror ^ is_same)
    assert 70 < is_mirror.sum() < 130


# ------------------------------------------------------------ configuration


def test_defaults_and_repr():
    augmentation = DigitAugmentation()
    assert repr(augmentation) == "DigitAugmentation()"
    assert augmentation.flip is False and augmentation.image_shape is None
    # scikit-learn's repr: the changed parameters, sorted.
    assert repr(DigitAugmentation(shift=3, flip=True)) == (
        "DigitAugmentation(flip=True, shift=3)"
    )


def test_parameters_are_declared_once_in_the_table():
    """The signature, its defaults, get_params, the constraints and
    __setstate__ all read one table."""
    import inspect

    from skmlp.augmentation import _SETTINGS

    signature = inspect.signature(DigitAugmentation.__init__).parameters
    assert list(signature)[1:] == list(_SETTINGS)
    assert {name: p.default for name, p in list(signature.items())[1:]} == {
        name: setting.default for name, setting in _SETTINGS.items()
    }
    assert list(DigitAugmentation().get_params()) == list(_SETTINGS)
    assert set(DigitAugmentation._parameter_constraints) == set(_SETTINGS)
    restored = DigitAugmentation.__new__(DigitAugmentation)
    restored.__setstate__({"rotation": 3})
    assert restored.get_params() == DigitAugmentation(rotation=3).get_params()


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"rotation": -1}, r"'rotation' parameter .* a float in the range \[0.0, 180"),
        ({"rotation": "10"}, "'rotation' parameter .* must be a float"),
        ({"rotation": np.nan}, "'rotation' parameter"),
        ({"scale": (1.2, 0.9)}, r"'scale' parameter .* a pair \(low, high\) of floats"),
        ({"scale": (0, 1)}, r"'scale' parameter .* in the range \(0.0, inf\)"),
        ({"scale": 1.1}, r"'scale' parameter .* must be a pair"),
        ({"scale": (1, "2")}, "'scale' parameter .* must be a pair"),
        ({"scale": (1, 2, 3)}, "'scale' parameter .* must be a pair"),
        ({"stretch": 1.0}, r"'stretch' parameter .* in the range \[0.0, 1.0\)"),
        ({"shear": 75}, r"'shear' parameter .* in the range \[0.0, 60.0\]"),
        ({"shift": np.inf}, "'shift' parameter"),
        ({"elastic_alpha": -2}, "'elastic_alpha' parameter"),
        ({"elastic_sigma": 0}, r"'elastic_sigma' parameter .* \(0.0, 16.0\]"),
        ({"flip": 1}, "'flip' parameter .* must be an instance of 'bool'"),
        ({"image_shape": 28}, r"'image_shape' parameter .* None or a pair"),
        ({"image_shape": (28, 0)}, r"'image_shape' parameter .* \[1, inf\)"),
        ({"image_shape": (28.0, 28)}, "'image_shape' parameter .* pair"),
    ],
)
def test_invalid_settings_raise_naming_the_setting(settings, message):
    """Checked where they are used (fit, transform_images, from_param), the
    scikit-learn way, never by the constructor or set_params (so that a
    search scores an invalid candidate instead of stopping)."""
    augmentation = DigitAugmentation(**settings)  # stored as given
    assert augmentation.set_params(**settings) is augmentation
    # scikit-learn's InvalidParameterError: both a ValueError and a TypeError.
    with pytest.raises(ValueError, match="of DigitAugmentation must be"):
        augmentation.transform_images(_images(2, 4, 4), random_state=0)
    with pytest.raises(TypeError, match=message):
        augmentation.transform_images(_images(2, 4, 4), random_state=0)
    with pytest.raises(ValueError, match="^The 'augment' parameter: .*" + message):
        DigitAugmentation.from_param(settings)
    with pytest.raises(ValueError, match="^The 'augment' parameter: .*" + message):
        MLPDigitClassifier(augment=settings, solver="sgd").fit(
            _images(4, 4, 4), [0, 1, 0, 1]
        )


def test_from_param():
    assert DigitAugmentation.from_param(None) is None
    assert DigitAugmentation.from_param(False) is None
    assert DigitAugmentation.from_param(np.False_) is None
    assert repr(DigitAugmentation.from_param(True)) == "DigitAugmentation()"
    assert repr(DigitAugmentation.from_param(np.True_)) == "DigitAugmentation()"
    instance = DigitAugmentation(rotation=5)
    assert DigitAugmentation.from_param(instance) is instance
    from_dict = DigitAugmentation.from_param({"rotation": 5, "flip": True})
    assert (
        from_dict.get_params() == DigitAugmentation(rotation=5, flip=True).get_params()
    )
    with pytest.raises(ValueError, match="The 'augment' parameter: unknown setting"):
        DigitAugmentation.from_param({"rotate": 5})
    with pytest.raises(TypeError, match="The 'augment' parameter must be None, a bool"):
        DigitAugmentation.from_param("yes")
    # An instance made invalid after construction is caught too.
    instance.rotation = 500
    with pytest.raises(ValueError, match="The 'augment' parameter: .*'rotation'"):
        DigitAugmentation.from_param(instance)


def test_get_params_set_params_clone_pickle():
    augmentation = DigitAugmentation(rotation=7, elastic_alpha=9, image_shape=(4, 5))
    assert augmentation.set_params(shift=1) is augmentation
    params = augmentation.get_params()
    assert params["shift"] == 1 and params["rotation"] == 7
    copy = clone(augmentation)
    assert copy is not augmentation and copy.get_params() == params
    restored = pickle.loads(pickle.dumps(augmentation))
    assert restored.get_params() == params and repr(restored) == repr(augmentation)
    X = _images(3, 4, 5)
    assert _same_bits(
        restored.transform_images(X, random_state=0),
        augmentation.transform_images(X, random_state=0),
    )
    with pytest.raises(ValueError, match="Invalid parameter 'angle'"):
        augmentation.set_params(angle=3)


def test_image_shape_resolution():
    assert DigitAugmentation().resolve_image_shape(784) == (28, 28)
    assert DigitAugmentation().resolve_image_shape(64) == (8, 8)
    assert DigitAugmentation(image_shape=(4, 25)).resolve_image_shape(100) == (4, 25)
    with pytest.raises(ValueError, match="785 features is not a square number"):
        DigitAugmentation().resolve_image_shape(785)
    with pytest.raises(ValueError, match=r"image_shape=\(4, 20\) holds 80 pixels"):
        DigitAugmentation(image_shape=(4, 20)).resolve_image_shape(100)


# ------------------------------------------------------------ transform_images


def test_transform_images_dtypes_and_shapes():
    augmentation = DigitAugmentation(elastic_alpha=5)
    X32 = _images(6, dtype=np.float32)
    assert augmentation.transform_images(X32, random_state=0).dtype == np.float32
    ints = np.arange(6 * 784).reshape(6, 784) % 255
    assert augmentation.transform_images(ints, random_state=0).dtype == np.float64
    # 3D input: images as 2D arrays, the same distortion as their rows.
    X = _images(6, 7, 9)
    as_rows = DigitAugmentation(image_shape=(7, 9)).transform_images(X, random_state=2)
    as_images = DigitAugmentation().transform_images(X.reshape(6, 7, 9), random_state=2)
    assert as_images.shape == (6, 7, 9)
    assert _same_bits(as_images.reshape(6, 63), as_rows)
    # The input is never written.
    before = X32.copy()
    augmentation.transform_images(X32, random_state=0)
    assert _same_bits(X32, before)
    # Training's stream: epoch e of a fit seeded the same way.
    seeded = augmentation.transform_images(X32, random_state=0, epoch=1)
    assert not np.array_equal(
        seeded, augmentation.transform_images(X32, random_state=0)
    )


def test_transform_images_rejects_what_is_not_images():
    augmentation = DigitAugmentation()
    with pytest.raises(ValueError, match="not a square number of pixels"):
        augmentation.transform_images(np.zeros((2, 50)))
    with pytest.raises(ValueError, match=r"image_shape=\(5, 5\)"):
        DigitAugmentation(image_shape=(5, 5)).transform_images(np.zeros((2, 4, 4)))
    with pytest.raises(ValueError, match="NaN"):
        augmentation.transform_images(np.full((2, 4), np.nan))
    with pytest.raises(ValueError, match="'epoch' parameter .* must be an int"):
        augmentation.transform_images(np.zeros((2, 4)), epoch=-1)
    with pytest.raises(TypeError, match="(?i)sparse"):
        from scipy import sparse

        augmentation.transform_images(sparse.csr_matrix(np.ones((2, 4))))


# ------------------------------------------------------------ Augmenter checks


def test_augmenter_checks_what_the_kernel_trusts():
    augmenter = _augmenter(DigitAugmentation(elastic_alpha=3), np.float32)
    ids = np.arange(2)
    with pytest.raises(TypeError, match="rows must be float32"):
        augmenter.augment(np.zeros((2, 784)), ids, 0)
    with pytest.raises(ValueError, match="Rows must have 784 pixels"):
        augmenter.augment(np.zeros((2, 783), np.float32), ids, 0)
    with pytest.raises(ValueError, match="same length"):
        augmenter.augment(np.zeros((3, 784), np.float32), ids, 0)
    augmenter.augment(np.zeros((0, 784), np.float32), ids[:0], 0)
    bank = augmenter.bank
    assert bank.dtype == np.float32 and not bank.flags.writeable
    settings = (28, 28, np.float32, 0.1, 1, 1, 0, 0, 0, False)
    # Periods along rows and columns may differ, but neither may be empty.
    Augmenter(*settings, np.zeros((2, 30, 40), np.float32), 0)
    with pytest.raises(ValueError, match="bank must have shape"):
        Augmenter(*settings, np.zeros((2, 28, 40), np.float32), 0)
    with pytest.raises(ValueError, match="bank must have shape"):
        Augmenter(*settings, np.zeros((2, 30, 28), np.float32), 0)
    with pytest.raises(ValueError, match="bank must have shape"):
        Augmenter(*settings, np.zeros((1, 30, 30), np.float32), 0)
    with pytest.raises(TypeError, match="bank must be a float32 array"):
        Augmenter(*settings, np.zeros((2, 30, 30)), 0)
    with pytest.raises(TypeError, match="dtype must be float32 or float64"):
        Augmenter(28, 28, np.int32, 0.1, 1, 1, 0, 0, 0, False, None, 0)
    with pytest.raises(ValueError, match="at least 1 x 1 pixels"):
        Augmenter(0, 28, np.float32, 0.1, 1, 1, 0, 0, 0, False, None, 0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (9, 1), (5, 40)])
def test_extreme_settings_stay_inside_the_image(dtype, shape):
    """Positions far outside the image (or not finite) read zeros: every read
    stays inside the padded copy, and the output stays finite."""
    # Built past the blanking checks (which refuse these settings for
    # training): the kernel must stay safe whatever it is given.
    X = _images(30, *shape, dtype=dtype)
    extreme = DigitAugmentation(
        rotation=180,
        scale=(0.01, 100),
        stretch=0.99,
        shear=60,
        shift=1e30,
        elastic_alpha=1e30,
        elastic_sigma=0.3,
        flip=True,
        image_shape=shape,
    )
    augmenter = _make_augmenter(extreme._settings(), *shape, dtype, 0)
    rows = X.copy()
    augmenter.augment(rows, np.arange(len(rows)), 0)
    assert np.all(np.isfinite(rows))
    far = DigitAugmentation(**{**NEUTRAL, "shift": 1e30}, image_shape=shape)
    augmenter = _make_augmenter(far._settings(), *shape, dtype, 0)
    rows = X.copy()
    augmenter.augment(rows, np.arange(len(rows)), 0)
    assert not np.any(rows)
    with pytest.raises(ValueError, match="shift=1e\\+30 moves 100% of the images"):
        far.transform_images(X, random_state=0)


# ------------------------------------------------ numbers the scikit-learn way


def test_a_sigma_far_below_a_pixel_smooths_as_one_tap():
    """Issue 29 (5): elastic_sigma=1e-300 was accepted, then scipy divided
    by sigma**2 == 0.0 (ZeroDivisionError). Below 1/8 pixel the Gaussian is
    one tap whatever sigma: the same bits as 0.1."""
    X = _images(4, 8, 8)
    tiny = DigitAugmentation(elastic_alpha=2, elastic_sigma=1e-300)
    one_tap = DigitAugmentation(elastic_alpha=2, elastic_sigma=0.1)
    assert _same_bits(
        tiny.transform_images(X, random_state=0),
        one_tap.transform_images(X, random_state=0),
    )


def test_a_fraction_is_taken_by_its_value():
    """Issue 29 (5): rotation=Fraction(1, 3) raised NumPy's TypeError."""
    from fractions import Fraction

    X = _images(3, 6, 6)
    as_fraction = DigitAugmentation(rotation=Fraction(1, 3), shift=Fraction(1, 2))
    as_float = DigitAugmentation(rotation=1 / 3, shift=0.5)
    assert _same_bits(
        as_fraction.transform_images(X, random_state=0),
        as_float.transform_images(X, random_state=0),
    )


@pytest.mark.parametrize(
    "settings, name",
    [
        ({"shift": 10**400}, "shift"),
        ({"elastic_alpha": 10**400}, "elastic_alpha"),
        ({"scale": (1, 10**400)}, "scale"),
        ({"shift": True}, "shift"),
        ({"erase": np.True_}, "erase"),
        ({"image_shape": (True, 36)}, "image_shape"),
    ],
)
def test_bools_and_numbers_beyond_float64_are_refused_naming_the_setting(
    settings, name
):
    """Issue 29 (5): shift=10**400 raised OverflowError; a bool is not a
    number of pixels."""
    with pytest.raises(
        ValueError, match=f"The '{name}' parameter of DigitAugmentation"
    ):
        DigitAugmentation(**settings).transform_images(_images(1, 6, 6))


@pytest.mark.parametrize("epoch", [True, np.True_, 2**64, -1, 1.0, "1"])
def test_epochs_are_checked_naming_the_parameter(epoch):
    """Issue 29 (5): epoch=2**64 raised OverflowError, epoch=True was epoch 1."""
    with pytest.raises(
        ValueError,
        match=r"The 'epoch' parameter of DigitAugmentation.transform_images must be "
        r"an int in the range \[0, 18446744073709551615\]",
    ):
        DigitAugmentation().transform_images(_images(1, 6, 6), epoch=epoch)


def test_the_largest_epoch_is_drawn():
    X = _images(2, 6, 6)
    last = DigitAugmentation().transform_images(X, random_state=0, epoch=2**64 - 1)
    assert last.shape == X.shape and not _same_bits(last, X)


# ------------------------------------------------ memory of the elastic field


@pytest.mark.parametrize("shape", [(1, 600), (600, 1), (1, 1200), (40, 700)])
def test_elastic_bank_grows_with_the_pixels_not_the_longer_side_squared(shape):
    """Issue 29 (4): the bank was square, twice the longer side, so a 1 x 4000
    image took 4.3 GB. Each axis now has its own period: the largest of 256,
    twice its side and 16 sigma."""
    height, width = shape
    augmentation = DigitAugmentation(image_shape=shape)
    bank = _augmenter(augmentation, np.float32, n_features=height * width).bank
    periods = (max(256, 2 * height), max(256, 2 * width))
    assert bank.shape == (2, periods[0] + height, periods[1] + width)
    # At most about 1600 values per pixel (a one-pixel-high image), whatever
    # its length: 1542 for 1 x 600 and 1 x 1200 alike.
    assert bank.size <= 2 * (256 + 1) * 3 * height * width


def test_square_images_keep_their_square_bank_and_bits():
    """The periods of images up to 128 pixels a side are 256 x 256 as before,
    and square images keep a square bank: the bits of a fit do not change
    (tests/test_bitwise_regression.py)."""
    from skmlp.augmentation import _bank_periods

    assert _bank_periods((28, 28), 4.0) == (256, 256)
    assert _bank_periods((8, 100), 16.0) == (256, 256)
    assert _bank_periods((300, 300), 4.0) == (600, 600)


def test_a_bank_beyond_the_cap_is_refused_before_it_is_drawn(monkeypatch):
    from skmlp import augmentation

    monkeypatch.setattr(augmentation, "MAX_BANK_VALUES", 100_000)
    with pytest.raises(
        ValueError,
        match=r"The elastic distortion of images of 1 x 300 pixels needs a field "
        r"bank of 462,600 values, more than the 100,000 skmlp allows: use "
        r"elastic_alpha=0",
    ):
        DigitAugmentation(image_shape=(1, 300)).transform_images(_images(1, 1, 300))
    DigitAugmentation(image_shape=(1, 300), elastic_alpha=0).transform_images(
        _images(1, 1, 300)
    )
