"""skmlp: a scikit-learn multi-layer perceptron trained by a compiled Cython engine."""

from ._classifier import MLPDigitClassifier
from ._onnx import _register_if_skl2onnx_imported, register_onnx_converter
from ._persistence import InconsistentVersionWarning

__version__ = "0.1.0"

__all__ = [
    "InconsistentVersionWarning",
    "MLPDigitClassifier",
    "__version__",
    "register_onnx_converter",
]

# skl2onnx learns to convert MLPDigitClassifier now if it is imported already;
# otherwise register_onnx_converter() teaches it (importing skl2onnx here would
# add ~0.4 s to `import skmlp`).
_register_if_skl2onnx_imported()
