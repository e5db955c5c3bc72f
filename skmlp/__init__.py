"""skmlp: a scikit-learn multi-layer perceptron trained by a compiled Cython engine."""

try:
    from ._classifier import MLPDigitClassifier
except ModuleNotFoundError as error:
    if not (error.name or "").startswith("skmlp._engine."):
        raise
    # The source folder of a checkout, imported instead of the installed
    # package (Python started in the checkout's root): its Cython modules
    # were never compiled there.
    raise ImportError(
        f"skmlp is imported from its source folder {__path__[0]}, whose compiled "
        "modules are not built: start Python from another folder to use the "
        "installed skmlp, or build them in place with pip install -e ."
    ) from None
from ._checkpoint import Checkpoint
from ._onnx import _register_if_skl2onnx_imported, register_onnx_converter
from ._persistence import InconsistentVersionWarning

__version__ = "0.1.0"

__all__ = [
    "Checkpoint",
    "InconsistentVersionWarning",
    "MLPDigitClassifier",
    "__version__",
    "register_onnx_converter",
]

# skl2onnx learns to convert MLPDigitClassifier now if it is imported already;
# otherwise register_onnx_converter() teaches it (importing skl2onnx here would
# add ~0.4 s to `import skmlp`).
_register_if_skl2onnx_imported()
