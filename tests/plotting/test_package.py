"""skmlp.plotting as a whole: its public names, scikit-learn's
ConfusionMatrixDisplay, and matplotlib as an optional dependency."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import skmlp
import skmlp.plotting
from skmlp.plotting import (
    AugmentedDigitsDisplay,
    ConfusionMatrixDisplay,
    DigitsGridDisplay,
    HiddenWeightsDisplay,
    MisclassifiedDigitsDisplay,
    TrainingCurveDisplay,
    infer_image_shape,
)


def test_public_names():
    # The command line and the gallery script import these from skmlp.plotting.
    assert sorted(skmlp.plotting.__all__) == [
        "AugmentedDigitsDisplay",
        "ConfusionMatrixDisplay",
        "DigitsGridDisplay",
        "HiddenWeightsDisplay",
        "MisclassifiedDigitsDisplay",
        "TrainingCurveDisplay",
    ]
    for name in skmlp.plotting.__all__:
        assert isinstance(getattr(skmlp.plotting, name), type), name


def test_confusion_matrix_display_is_scikit_learns(fitted):
    pytest.importorskip("matplotlib")
    import sklearn.metrics
    from display_checks import assert_draws_something

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


@pytest.mark.parametrize(
    "display",
    [
        DigitsGridDisplay(np.ones((2, 4, 4))),
        AugmentedDigitsDisplay(np.ones((2, 4, 4)), np.ones((2, 3, 4, 4))),
        MisclassifiedDigitsDisplay(np.ones((2, 4, 4)), [1, 2], [2, 1]),
        HiddenWeightsDisplay(np.ones((16, 2))),
        TrainingCurveDisplay([1.0, 0.5]),
    ],
    ids=lambda display: type(display).__name__,
)
def test_missing_matplotlib_gives_an_install_hint(monkeypatch, display):
    # None in sys.modules makes the import fail, as if not installed.
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    message = rf'{type(display).__name__}.plot needs matplotlib.*"skmlp\[plot\]"'
    with pytest.raises(ImportError, match=message):
        display.plot()


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
