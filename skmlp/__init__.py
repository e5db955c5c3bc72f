"""skmlp: a scikit-learn multi-layer perceptron trained by a compiled Cython engine."""

from ._classifier import MLPDigitClassifier

__version__ = "0.1.0"

__all__ = ["MLPDigitClassifier", "__version__"]
