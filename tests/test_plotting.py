"""The displays of skmlp.plotting: they draw something, set their attributes
and reject bad input with clear errors."""

import io
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning, NotFittedError

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.image  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

import skmlp  # noqa: E402
from skmlp import MLPDigitClassifier  # noqa: E402
from skmlp.plotting import (  # noqa: E402
    ConfusionMatrixDisplay,
    DigitsGridDisplay,
    HiddenWeightsDisplay,
    MisclassifiedDigitsDisplay,
    TrainingCurveDisplay,
    infer_image_shape,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def fitted(digits_split):
    """A small network trained a few epochs with early stopping, and its data."""
    X_train, X_test, y_train, y_test = digits_split
    clf = MLPDigitClassifier(
        (16,), max_iter=8, early_stopping=True, n_iter_no_change=50, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_train, y_train)
    return clf, X_test, y_test


def assert_draws_something(figure):
    """The figure, saved as a PNG, is not blank: more than one colour."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=50)
    buffer.seek(0)
    pixels = matplotlib.image.imread(buffer, format="png")
    assert pixels.std() > 0
    colours = np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0)
    assert len(colours) > 1


def assert_display_attributes(display):
    assert isinstance(display.ax_, matplotlib.axes.Axes)
    assert display.figure_ is display.ax_.figure


# ---------------------------------------------------------- training curve


def test_training_curve_with_validation_scores(fitted):
    clf, _, _ = fitted
    display = TrainingCurveDisplay.from_estimator(clf)
    assert_display_attributes(display)
    assert_draws_something(display.figure_)
    assert display.loss_line_.get_ydata().tolist() == clf.loss_curve_
    assert display.score_ax_ is not None
    assert display.score_line_.get_ydata().tolist() == clf.validation_scores_
    assert display.loss_line_.get_xdata()[0] == 1  # epochs count from 1


def test_training_curve_without_validation_scores_and_on_given_axes():
    _, ax = plt.subplots()
    display = TrainingCurveDisplay([1.0, 0.5, 0.25]).plot(ax=ax, yscale="log")
    assert display.ax_ is ax
    assert display.score_ax_ is None and display.score_line_ is None
    assert ax.get_yscale() == "log"
    assert_draws_something(display.figure_)


@pytest.mark.parametrize(
    "loss, scores, match",
    [([], None, "empty"), ([1.0, 0.5], [0.9], "one of each per epoch")],
)
def test_training_curve_bad_input(loss, scores, match):
    with pytest.raises(ValueError, match=match):
        TrainingCurveDisplay(loss, scores).plot()


def test_training_curve_needs_a_fitted_model():
    with pytest.raises(NotFittedError):
        TrainingCurveDisplay.from_estimator(MLPDigitClassifier())


# ------------------------------------------------------- misclassified digits


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


# ------------------------------------------------------------ hidden weights


def test_hidden_weights_from_estimator(fitted):
    clf, _, _ = fitted
    display = HiddenWeightsDisplay.from_estimator(clf, n_units=9)
    assert_display_attributes(display)
    assert_draws_something(display.figure_)
    assert display.colorbar_ is not None
    assert "9 of 16" in display.ax_.get_title()
    # Each unit is scaled to [-1, 1] by its largest absolute weight.
    mosaic = display.image_.get_array()
    assert np.nanmax(np.abs(mosaic)) == pytest.approx(1.0)


def test_hidden_weights_shows_all_units_when_fewer_than_asked():
    weights = np.random.RandomState(0).randn(12, 5)
    display = HiddenWeightsDisplay(weights, image_shape=(3, 4)).plot(colorbar=False)
    assert display.colorbar_ is None
    assert "5 of 5" in display.ax_.get_title()
    assert_draws_something(display.figure_)


def test_hidden_weights_bad_input(fitted):
    with pytest.raises(ValueError, match="image_shape"):
        HiddenWeightsDisplay(np.ones((12, 4))).plot()
    with pytest.raises(ValueError, match="n_units"):
        HiddenWeightsDisplay(np.ones((16, 4))).plot(n_units=0)
    with pytest.raises(ValueError, match="n_features, n_units"):
        HiddenWeightsDisplay(np.ones(16)).plot()
    with pytest.raises(NotFittedError):
        HiddenWeightsDisplay.from_estimator(MLPDigitClassifier())


# --------------------------------------------------------------- digit grid


def test_digits_grid_from_data(digits):
    X, y = digits
    display = DigitsGridDisplay.from_data(X, y, n_images=20, n_cols=5, title="Digits")
    assert_display_attributes(display)
    assert_draws_something(display.figure_)
    assert [t.get_text() for t in display.texts_[:, 0]] == [str(v) for v in y[:20]]
    # 20 images of 8 x 8 pixels in 5 columns: 4 rows of tiles.
    height, width = display.image_.get_array().shape
    assert width > 5 * 8 and height > 4 * 8


def test_digits_grid_on_given_axes_without_labels(digits):
    X, _ = digits
    _, ax = plt.subplots()
    display = DigitsGridDisplay.from_data(X.reshape(-1, 8, 8), n_images=3, ax=ax)
    assert display.ax_ is ax
    assert display.texts_.shape == (3, 0)


def test_digits_grid_bad_input():
    with pytest.raises(ValueError, match="image_shape"):
        DigitsGridDisplay.from_data(np.ones((3, 10)))
    with pytest.raises(ValueError, match="labels"):
        DigitsGridDisplay.from_data(np.ones((3, 16)), [1, 2])
    with pytest.raises(ValueError, match="n_cols"):
        DigitsGridDisplay.from_data(np.ones((3, 16)), n_cols=0)
    with pytest.raises(ValueError, match="empty"):
        DigitsGridDisplay(np.ones((0, 4, 4))).plot()


# --------------------------------------------------------------------- misc


def test_confusion_matrix_display_is_scikit_learns(fitted):
    import sklearn.metrics

    assert ConfusionMatrixDisplay is sklearn.metrics.ConfusionMatrixDisplay
    clf, X_test, y_test = fitted
    display = ConfusionMatrixDisplay.from_estimator(clf, X_test, y_test)
    assert_draws_something(display.figure_)


def test_infer_image_shape():
    assert infer_image_shape(784) == (28, 28)
    assert infer_image_shape(12, (3, 4)) == (3, 4)
    with pytest.raises(ValueError, match="square"):
        infer_image_shape(10)
    with pytest.raises(ValueError, match="rows \\* columns"):
        infer_image_shape(12, (3, 5))


def test_missing_matplotlib_gives_an_install_hint(monkeypatch):
    # None in sys.modules makes the import fail, as if not installed.
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r'pip install "skmlp\[plot\]"'):
        DigitsGridDisplay(np.ones((2, 4, 4))).plot()


def test_module_imports_without_matplotlib():
    code = (
        "import sys; sys.modules['matplotlib'] = None; "
        "import skmlp.plotting; print('ok')"
    )
    # Start where the skmlp under test lives, not in the repository root,
    # whose uncompiled sources would shadow it.
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(skmlp.__file__).resolve().parent.parent,
    )
    assert result.stdout.strip() == "ok", result.stderr


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
