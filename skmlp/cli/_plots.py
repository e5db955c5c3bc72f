"""``--plots DIR``: the PNGs of skmlp.plotting's displays for a model."""

import importlib.util
import sys

import numpy as np

from .._atomic_files import write_atomically
from ._errors import CommandError, report_error
from ._paths import check_output_folder

# File names --plots writes, in the order they are written.
PLOT_FILES = (
    "training_curve.png",
    "confusion_matrix.png",
    "misclassified.png",
    "hidden_weights.png",
    "digits.png",
)

_PLOT_DPI = 100


def check_plots_target(folder):
    """Fail before the work, not after, when the plots cannot be written.

    The folder is not created yet: a command that fails or is interrupted
    leaves no empty folder behind.
    """
    if importlib.util.find_spec("matplotlib") is None:
        raise CommandError(
            '--plots needs matplotlib: pip install "skmlp[plot]" (or pip install '
            "matplotlib)"
        )
    check_output_folder(folder, "--plots", f"the plots to {folder}")


def write_plots(folder, model, data):
    """Write the PNGs of PLOT_FILES into ``folder`` and say so.

    Each file is written by :func:`skmlp._atomic_files.write_atomically`: a
    link, a folder or a special file at its name is one line naming it,
    never followed or replaced, and the other plots are still written.

    Returns
    -------
    status : int
        0 if every plot was written, 1 otherwise.
    """
    import matplotlib

    # Files only: no window. Leave the backend alone if pyplot is already in
    # use, as when main() runs inside a notebook.
    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError(f"cannot create {folder}: {exc.strerror}") from None
    network = model[-1] if hasattr(model, "steps") else model
    figures = _figure_makers(model, network, data)
    written, status = [], 0
    for name in PLOT_FILES:
        # A model from elsewhere (evaluate) may have no curve or no weights.
        if name == "training_curve.png" and not getattr(network, "loss_curve_", None):
            continue
        if name == "hidden_weights.png" and not hasattr(network, "coefs_"):
            continue
        display = figures[name]()
        path = folder / name
        try:
            with write_atomically(path) as file:
                display.figure_.savefig(
                    file, format="png", dpi=_PLOT_DPI, bbox_inches="tight"
                )
        except ValueError as exc:
            report_error(f"--plots: cannot write {exc}")
            status = 1
            continue
        except OSError as exc:
            report_error(f"--plots: cannot write {path}: {exc.strerror or exc}")
            status = 1
            continue
        finally:
            plt.close(display.figure_)
        written.append(name)
    print(f"Wrote {len(written)} plots to {folder}: {', '.join(written)}")
    return status


def _figure_makers(model, network, data):
    """For each name of PLOT_FILES, a function that draws its display."""
    from ..plotting import (
        ConfusionMatrixDisplay,
        DigitsGridDisplay,
        HiddenWeightsDisplay,
        MisclassifiedDigitsDisplay,
        TrainingCurveDisplay,
    )

    shape = data.image_shape
    X_sample, y_sample, sample_name = data.X_train, data.y_train, "Training"
    if X_sample is None:
        X_sample, y_sample, sample_name = data.X_test, data.y_test, "Test"
    return {
        "training_curve.png": lambda: TrainingCurveDisplay.from_estimator(model),
        "confusion_matrix.png": lambda: _confusion_matrix(
            ConfusionMatrixDisplay, model, data
        ),
        "misclassified.png": lambda: MisclassifiedDigitsDisplay.from_estimator(
            model, data.X_test, data.y_test, image_shape=shape
        ),
        "hidden_weights.png": lambda: HiddenWeightsDisplay.from_estimator(
            network, n_units=100, image_shape=shape
        ),
        "digits.png": lambda: DigitsGridDisplay.from_data(
            X_sample,
            y_sample,
            image_shape=shape,
            n_images=50,
            title=f"{sample_name} images of {data.name}",
        ),
    }


def _confusion_matrix(display_class, model, data):
    display = display_class.from_estimator(
        model, data.X_test, data.y_test, cmap="Blues", colorbar=False
    )
    accuracy = float(np.mean(model.predict(data.X_test) == data.y_test))
    display.ax_.set_title(f"Confusion matrix on {data.name} (accuracy {accuracy:.4f})")
    return display
