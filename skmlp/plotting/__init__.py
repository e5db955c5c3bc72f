"""Plots of a digit classifier, as scikit-learn style Display objects.

Each display stores the numbers it shows when created, and draws them with
``plot(ax=None, ...)``, which returns the display with the ``ax_`` and
``figure_`` it drew on, as :class:`sklearn.metrics.ConfusionMatrixDisplay`
does. The usual way in is a class method: ``from_estimator`` (or
``from_data`` for :class:`DigitsGridDisplay`, ``from_augmentation`` for
:class:`AugmentedDigitsDisplay`).

- :class:`TrainingCurveDisplay`: training loss and validation accuracy per
  epoch;
- :class:`MisclassifiedDigitsDisplay`: the test images a model gets wrong,
  with their true and predicted labels;
- :class:`HiddenWeightsDisplay`: the first layer's weights, one image per
  hidden unit ("visualising the hidden layer");
- :class:`DigitsGridDisplay`: a grid of sample images and their labels;
- :class:`AugmentedDigitsDisplay`: training images beside the random
  distortions that ``augment`` makes of them;
- :class:`~sklearn.metrics.ConfusionMatrixDisplay`: scikit-learn's own,
  re-exported here.

matplotlib is optional: this package imports without it, and the displays
import it when they draw (``pip install "skmlp[plot]"``).
"""

from sklearn.metrics import ConfusionMatrixDisplay

from ._augmented import AugmentedDigitsDisplay
from ._digits_grid import DigitsGridDisplay
from ._hidden_weights import HiddenWeightsDisplay
from ._misclassified import MisclassifiedDigitsDisplay
from ._training_curve import TrainingCurveDisplay

# Importable from here, as its examples show, but not a display: not in __all__.
from ._utils import infer_image_shape  # noqa: F401

__all__ = [
    "AugmentedDigitsDisplay",
    "ConfusionMatrixDisplay",
    "DigitsGridDisplay",
    "HiddenWeightsDisplay",
    "MisclassifiedDigitsDisplay",
    "TrainingCurveDisplay",
]
