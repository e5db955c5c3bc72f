"""MisclassifiedDigitsDisplay: the images a model gets wrong."""

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from display_checks import assert_display_attributes, assert_draws_something  # noqa: E402

from skmlp.plotting import MisclassifiedDigitsDisplay  # noqa: E402


def test_misclassified_from_estimator(fitted):
    clf, X_test, y_test = fitted
    y_pred = clf.predict(X_test)
    n_wrong = int(np.sum(y_pred != y_test))
    assert n_wrong > 0  # a network trained 8 epochs makes mistakes
    display = MisclassifiedDigitsDisplay.from_estimator(
        clf, X_test, y_test, max_images=12
    )
    assert_display_attributes(display)
    assert_draws_something(display.figure_)
    assert display.n_misclassified_ == n_wrong
    shown = min(12, n_wrong)
    assert display.texts_.shape == (shown, 2)
    first = display.indices_[0]
    assert display.texts_[0, 0].get_text() == f"true: {y_test[first]}"
    assert display.texts_[0, 1].get_text() == f"pred: {y_pred[first]}"
    assert f"{n_wrong} of {len(y_test)}" in display.ax_.get_title()


def test_misclassified_from_predictions_with_display_labels():
    X = np.random.RandomState(0).rand(5, 12)
    display = MisclassifiedDigitsDisplay.from_predictions(
        X,
        [0, 1, 2, 0, 1],
        [0, 2, 2, 1, 1],
        image_shape=(3, 4),
        display_labels=["zero", "one", "two"],
    )
    assert display.indices_.tolist() == [1, 3]
    assert display.texts_[0, 0].get_text() == "true: one"
    assert display.texts_[0, 1].get_text() == "pred: two"
    assert_draws_something(display.figure_)


def test_misclassified_without_mistakes_draws_a_message():
    X = np.random.RandomState(0).rand(3, 64)
    display = MisclassifiedDigitsDisplay.from_predictions(X, [1, 2, 3], [1, 2, 3])
    assert display.image_ is None
    assert display.texts_.shape == (0, 2)
    assert_display_attributes(display)


def test_misclassified_needs_square_images_or_image_shape(fitted):
    X = np.random.RandomState(0).rand(4, 12)
    with pytest.raises(ValueError, match="image_shape"):
        MisclassifiedDigitsDisplay.from_predictions(X, [1, 2, 3, 4], [1, 2, 3, 3])
    with pytest.raises(ValueError, match=r"image_shape=\(5, 5\)"):
        MisclassifiedDigitsDisplay.from_predictions(
            X, [1, 2, 3, 4], [1, 2, 3, 3], image_shape=(5, 5)
        )
    with pytest.raises(ValueError, match="same length"):
        MisclassifiedDigitsDisplay.from_predictions(
            X, [1, 2], [1, 2, 3, 3], image_shape=(3, 4)
        )
    # from_estimator checks the shape before it predicts.
    clf, _, _ = fitted
    with pytest.raises(ValueError, match="image_shape"):
        MisclassifiedDigitsDisplay.from_estimator(clf, X, [1, 2, 3, 4])
