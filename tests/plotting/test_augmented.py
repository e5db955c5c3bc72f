"""AugmentedDigitsDisplay: training images beside their distortions."""

import numpy as np
import pytest

plt = pytest.importorskip("matplotlib.pyplot")

from display_checks import assert_display_attributes, assert_draws_something  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer  # noqa: E402

from skmlp import MLPDigitClassifier  # noqa: E402
from skmlp.augmentation import DigitAugmentation  # noqa: E402
from skmlp.plotting import AugmentedDigitsDisplay  # noqa: E402

SMALL = {"rotation": 15, "shift": 1, "elastic_alpha": 4, "elastic_sigma": 2}


def test_from_augmentation_draws_each_epochs_distortions(digits):
    X, y = digits
    display = AugmentedDigitsDisplay.from_augmentation(
        SMALL, X, y, n_images=4, n_draws=3, random_state=0, title="Distorted"
    )
    assert_display_attributes(display)
    assert_draws_something(display.figure_)
    assert display.images.shape == (4, 8, 8)
    assert display.distorted.shape == (4, 3, 8, 8)
    augmentation = DigitAugmentation(**SMALL)
    for epoch in range(3):
        expected = augmentation.transform_images(X[:4], random_state=0, epoch=epoch)
        np.testing.assert_array_equal(
            display.distorted[:, epoch].reshape(4, 64), expected
        )
    # Each epoch distorts anew.
    assert not np.array_equal(display.distorted[:, 0], display.distorted[:, 1])
    # The label under each image, nothing under its distortions.
    captions = [t.get_text() if t is not None else None for t in display.texts_[:, 0]]
    assert captions == sum(([str(label), None, None, None] for label in y[:4]), [])
    # 4 rows of 1 + 3 tiles.
    height, width = display.image_.get_array().shape
    assert width > 4 * 8 and height > 4 * 8


def test_from_estimator_reads_augment_and_random_state(digits):
    X, y = digits
    clf = MLPDigitClassifier(augment=SMALL, random_state=3)
    display = AugmentedDigitsDisplay.from_estimator(clf, X, n_images=2, n_draws=2)
    direct = AugmentedDigitsDisplay.from_augmentation(
        SMALL, X, n_images=2, n_draws=2, random_state=3
    )
    np.testing.assert_array_equal(display.distorted, direct.distorted)
    assert display.texts_.shape == (6, 0)
    # The last step of a pipeline; images given as 2-D arrays.
    pipeline = make_pipeline(FunctionTransformer(), clf)
    again = AugmentedDigitsDisplay.from_estimator(
        pipeline, X.reshape(-1, 8, 8), n_images=2, n_draws=2
    )
    np.testing.assert_array_equal(again.distorted, direct.distorted)


def test_on_given_axes_with_rectangular_images(digits):
    X, _ = digits
    _, ax = plt.subplots()
    display = AugmentedDigitsDisplay.from_augmentation(
        {**SMALL, "image_shape": (4, 16)}, X, n_images=2, n_draws=1, ax=ax
    )
    assert display.ax_ is ax
    assert display.distorted.shape == (2, 1, 4, 16)


def test_bad_input(digits):
    X, y = digits
    with pytest.raises(ValueError, match="no augmentation"):
        AugmentedDigitsDisplay.from_augmentation(None, X)
    with pytest.raises(ValueError, match="augment=None"):
        AugmentedDigitsDisplay.from_estimator(MLPDigitClassifier(), X)
    with pytest.raises(
        ValueError, match="'augment' parameter: The 'rotation' parameter"
    ):
        AugmentedDigitsDisplay.from_augmentation({"rotation": -1}, X)
    with pytest.raises(ValueError, match="not a square number"):
        AugmentedDigitsDisplay.from_augmentation(True, X[:, :10])
    with pytest.raises(ValueError, match="n_draws must be a positive integer"):
        AugmentedDigitsDisplay.from_augmentation(True, X, n_draws=0)
    with pytest.raises(ValueError, match="labels"):
        AugmentedDigitsDisplay.from_augmentation(True, X, y[:5])
    with pytest.raises(ValueError, match="distorted must have shape"):
        AugmentedDigitsDisplay(np.ones((2, 4, 4)), np.ones((2, 4, 4))).plot()
    with pytest.raises(ValueError, match="empty"):
        AugmentedDigitsDisplay(np.ones((0, 4, 4)), np.ones((0, 1, 4, 4))).plot()
