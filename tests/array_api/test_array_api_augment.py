"""The augmentation warp in array API calls against the compiled augmenter.

Given the same transform, the warp and its bilinear sampling give the
compiled augmenter's values; its random transforms come from another
stream, with the same distribution: the distorted images' moments, the
elastic displacements' size and the share of erased images agree over
thousands of draws.
"""

import numpy as np
import pytest
from array_api_helpers import numpy_namespace, to_numpy
from numpy.testing import assert_allclose

from skmlp._array_api._augment import ArrayAPIAugmenter
from skmlp._engine._augment import _bilinear_for_tests, _warp_affine_for_tests
from skmlp.augmentation import DigitAugmentation

N_DRAWS = 3000


def augmenter(namespace, dtype=np.float64, seed=3, **settings):
    return ArrayAPIAugmenter(
        DigitAugmentation(**settings),
        784,
        dtype,
        seed,
        xp=namespace.xp,
        device=namespace.device,
    )


def digit_like_images(n, seed=0):
    """An upright bar with a blob: off-centre mass, so that moments move."""
    rng = np.random.default_rng(seed)
    image = np.zeros((28, 28))
    image[6:22, 12:15] = 1.0
    image[6:10, 15:20] = 0.7
    return np.clip(image + 0.05 * rng.random((n, 28, 28)), 0, 1).reshape(n, 784)


def distort(aug, namespace, images, epoch=0):
    xp = namespace.xp
    samples = xp.arange(images.shape[0], dtype=xp.int64, device=namespace.device)
    transforms = aug.epoch_transforms(epoch, images.shape[0])
    return to_numpy(aug.distort(namespace.asarray(images), samples, transforms))


def moments(images):
    """Per image: mass, and the centroid's row and column."""
    images = images.reshape(-1, 28, 28)
    grid = np.arange(28)
    mass = images.sum(axis=(1, 2))
    rows = images.sum(axis=2) @ grid / np.maximum(mass, 1e-12)
    cols = images.sum(axis=1) @ grid / np.maximum(mass, 1e-12)
    return mass, rows, cols


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_transform_warps_as_the_compiled_augmenter(namespace, dtype):
    rng = np.random.default_rng(0)
    image = rng.random((28, 28)).astype(dtype)
    matrix, offset = np.array([[0.9, 0.2], [-0.15, 1.1]]), np.array([1.3, -2.2])
    expected = np.empty_like(image)
    _warp_affine_for_tests(image, matrix, offset, expected)
    transform = np.zeros((1, 14))
    transform[0, :6] = [*matrix.ravel(), *offset]
    aug = augmenter(namespace, dtype, elastic_alpha=0)
    xp = namespace.xp
    rows, cols = aug.source_positions(namespace.asarray(transform, dtype))
    warped = aug.sample(namespace.asarray(image.reshape(1, -1)), rows, cols)
    # float32 source positions are rounded at other steps than the compiled ones.
    tolerance = 1e-5 if dtype == np.float32 else 1e-13
    assert_allclose(to_numpy(warped).reshape(28, 28), expected, atol=tolerance)
    assert to_numpy(warped).dtype == dtype
    assert xp is namespace.xp


def test_bilinear_sampling_is_the_compiled_augmenters(namespace):
    """At any position, inside, between pixels, on and beyond the border."""
    rng = np.random.default_rng(1)
    image = rng.random((28, 28))
    rows, cols = rng.uniform(-3, 31, 784), rng.uniform(-3, 31, 784)
    rows[:4], cols[:4] = [0, 27, -1, 28], [0, 27, 28, -1]
    expected = np.empty(784)
    _bilinear_for_tests(image, rows, cols, expected)
    aug = augmenter(namespace, elastic_alpha=0)
    on = namespace.asarray
    sampled = aug.sample(on(image.reshape(1, -1)), on(rows[None]), on(cols[None]))
    assert_allclose(to_numpy(sampled)[0], expected, atol=1e-13)


def test_neutral_settings_leave_the_images_alone(namespace):
    aug = augmenter(
        namespace, rotation=0, scale=(1, 1), shift=0, elastic_alpha=0, erase=0
    )
    images = digit_like_images(5)
    assert not aug.warps
    assert np.array_equal(distort(aug, namespace, images), images)


@pytest.mark.parametrize(
    "settings",
    [
        dict(rotation=15, scale=(0.85, 1.15), shift=2, elastic_alpha=0),
        dict(stretch=0.15, shear=12, flip=True, elastic_alpha=0),
        dict(rotation=0, shift=0, scale=(1, 1), elastic_alpha=20, elastic_sigma=4),
    ],
    ids=["affine", "stretch-shear-flip", "elastic"],
)
def test_distortions_have_the_compiled_augmenters_statistics(namespace, settings):
    images = digit_like_images(N_DRAWS)
    compiled = DigitAugmentation(**settings).transform_images(images, random_state=0)
    mine = distort(augmenter(namespace, **settings), namespace, images)
    for ours, theirs in zip(moments(mine), moments(compiled)):
        assert abs(ours.mean() - theirs.mean()) < 0.05 * theirs.std() + 1e-3 * abs(
            theirs.mean()
        )
        assert_allclose(ours.std(), theirs.std(), rtol=0.1, atol=1e-3)
    # The mean distorted image: where mass goes, on average.
    assert np.corrcoef(mine.mean(axis=0), compiled.mean(axis=0))[0, 1] > 0.995


def test_elastic_displacements_have_the_compiled_augmenters_size(namespace):
    settings = dict(rotation=0, shift=0, scale=(1, 1), elastic_alpha=20)
    compiled = DigitAugmentation(**settings)._build_augmenter(784, np.float64, 5)
    rows, cols = np.divmod(np.arange(784), 28)
    theirs = [
        np.concatenate(
            [
                (r - rows.reshape(28, 28)).ravel(),
                (c - cols.reshape(28, 28)).ravel(),
            ]
        )
        for r, c in (compiled.source_coordinates(s, 0) for s in range(300))
    ]
    aug = augmenter(namespace, seed=5, **settings)
    assert np.array_equal(to_numpy(aug.bank), compiled.bank.ravel())  # one bank
    t = aug.epoch_transforms(0, 300)
    source_rows, source_cols = aug.source_positions(t)
    ours = np.concatenate(
        [to_numpy(source_rows) - rows, to_numpy(source_cols) - cols], axis=1
    )
    assert_allclose(
        np.sqrt(np.mean(ours**2)), np.sqrt(np.mean(np.square(theirs))), rtol=0.1
    )
    assert abs(ours.mean()) < 0.05


def test_erasing_has_the_compiled_augmenters_statistics(namespace):
    settings = dict(rotation=0, shift=0, scale=(1, 1), elastic_alpha=0, erase=0.4)
    compiled = DigitAugmentation(**settings)._build_augmenter(784, np.float64, 9)
    theirs = [compiled.erased_rectangle(s, 0) for s in range(N_DRAWS)]
    theirs = np.array([r for r in theirs if r is not None])
    aug = augmenter(namespace, seed=9, **settings)
    t = to_numpy(aug.epoch_transforms(0, N_DRAWS))[:, 10:]  # top, left, h, w
    ours = t[t[:, 2] > 0]
    assert abs(len(ours) / N_DRAWS - 0.4) < 0.03
    assert abs(len(ours) - len(theirs)) < 0.08 * len(theirs)
    for column in range(4):  # the rectangles' positions and sizes
        assert_allclose(ours[:, column].mean(), theirs[:, column].mean(), rtol=0.08)
    areas = ours[:, 2] * ours[:, 3] / 784
    assert areas.min() >= 0.02 and areas.max() <= 0.33
    assert np.all(ours[:, 0] + ours[:, 2] <= 28) and np.all(
        ours[:, 1] + ours[:, 3] <= 28
    )
    images = np.ones((N_DRAWS, 784))
    erased = distort(aug, namespace, images)
    assert_allclose(1 - erased.mean(axis=1), t[:, 2] * t[:, 3] / 784)


def test_a_samples_distortion_depends_on_its_seed_epoch_and_index_only(namespace):
    """Not on its row in the minibatch, nor on the namespace."""
    aug = augmenter(namespace, erase=0.5)
    images = digit_like_images(6)
    transforms = aug.epoch_transforms(2, 6)
    xp = namespace.xp
    order = namespace.asarray(np.array([4, 1, 5, 0, 3, 2]))
    shuffled = to_numpy(
        aug.distort(
            xp.take(namespace.asarray(images), order, axis=0), order, transforms
        )
    )
    in_order = distort(aug, namespace, images, epoch=2)
    assert_allclose(shuffled, in_order[[4, 1, 5, 0, 3, 2]], atol=1e-14)
    assert not np.allclose(distort(aug, namespace, images, epoch=3), in_order)
    on_numpy = augmenter(numpy_namespace(), erase=0.5).epoch_transforms(2, 6)
    assert_allclose(to_numpy(transforms), np.asarray(on_numpy), rtol=1e-14)
