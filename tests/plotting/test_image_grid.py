"""What the captioned image grids (DigitsGridDisplay and
MisclassifiedDigitsDisplay) share: their base, _CaptionedImageGridDisplay."""

import numpy as np
import pytest

from skmlp.plotting import DigitsGridDisplay, MisclassifiedDigitsDisplay


@pytest.mark.parametrize("n_images", [-5, 0, 2.5, True])
def test_counts_of_images_must_be_positive_integers(fitted, n_images):
    # A negative count used to slice from the end: all but the last 5 images.
    X = np.zeros((10, 64))
    with pytest.raises(ValueError, match="n_images must be a positive integer"):
        DigitsGridDisplay.from_data(X, np.arange(10), n_images=n_images)
    clf, X_test, y_test = fitted
    with pytest.raises(ValueError, match="max_images must be a positive integer"):
        MisclassifiedDigitsDisplay.from_estimator(
            clf, X_test, y_test, max_images=n_images
        )


def _digits_grid(X, labels, **kwargs):
    return DigitsGridDisplay.from_data(X, labels, **kwargs)


def _misclassified(X, labels, **kwargs):
    # Every prediction wrong, and the predicted label one more than the true.
    return MisclassifiedDigitsDisplay.from_predictions(
        X, labels, (labels + 1) % 3, **kwargs
    )


GRIDS = pytest.mark.parametrize(
    "make_grid", [_digits_grid, _misclassified], ids=["digits", "misclassified"]
)


@GRIDS
@pytest.mark.parametrize(
    "display_labels, expected",
    [
        (None, ["0", "2", "1"]),
        (["zero", "one", "two"], ["zero", "two", "one"]),
        # A dict names some labels; the others show as themselves.
        ({0: "zero", 2: "two"}, ["zero", "two", "1"]),
    ],
)
def test_display_labels_name_the_captions(make_grid, display_labels, expected):
    pytest.importorskip("matplotlib")
    X, labels = np.random.RandomState(0).rand(3, 16), np.array([0, 2, 1])
    display = make_grid(X, labels, display_labels=display_labels)
    first_lines = [text.get_text() for text in display.texts_[:, 0]]
    assert [line.split(": ")[-1] for line in first_lines] == expected


@GRIDS
def test_long_captions_widen_the_tiles(make_grid):
    pytest.importorskip("matplotlib")
    X, labels = np.random.RandomState(0).rand(9, 16), np.arange(9) % 3
    short = make_grid(X, labels, display_labels=["a", "b", "c"])
    long = make_grid(X, labels, display_labels=["a long class name"] * 3)
    short_width, short_height = short.figure_.get_size_inches()
    long_width, long_height = long.figure_.get_size_inches()
    assert long_width > 2 * short_width
    # Wider tiles, images of the same shape: taller ones too.
    assert long_height > short_height
