"""What each kind of file can do when skmlp loads it, said once.

``skmlp --help`` prints these sentences, ``skmlp evaluate --help`` and
``skmlp predict --help`` the models' ones, and the README and the user guide
repeat them word for word (``tests/test_documentation.py`` checks that they
do), so that no page can tell a reader something else.
"""

from .._images import FORMAT_NAMES
from .._untrusted_files import MAX_DECOMPRESSED_BYTES
from ._model_io import TRUSTED_SKOPS_TYPES


def _reviewed_classes():
    """The short names of the classes a .skops model may hold besides the
    ones skops trusts: ``DigitAugmentation, MLPDigitClassifier, ZCAWhitening``."""
    return ", ".join(sorted(name.rsplit(".", 1)[-1] for name in TRUSTED_SKOPS_TYPES))


#: One sentence per kind of file, by the name the documentation gives it.
LOADING = {
    ".skops": (
        "A .skops model loads only if every type it holds is one skops trusts "
        "by default (NumPy, scikit-learn's own steps) or one of the exact classes "
        f"skmlp reviewed ({_reviewed_classes()}); anything else is refused "
        "before it is built, and the model's fitted state (its layers' shapes, "
        "classes and output layer) is checked before it is used."
    ),
    ".joblib": (
        "A .joblib model is a pickle: loading it runs whatever code it holds, "
        "so skmlp evaluate and skmlp predict load one only with --trust-pickle, "
        "for a file you made or trust."
    ),
    "checkpoints": (
        "A checkpoint (--checkpoint PATH with --resume) is a zip of NumPy arrays "
        "and a JSON document, read without pickle: its members, shapes, sizes "
        "and values are checked against the format before memory is spent or "
        "anything is used, and training resumes from it only with the options "
        "and data that wrote it."
    ),
    "mnist.pkl.gz": (
        "The mnist.pkl.gz data file is read by a restricted unpickler that "
        "builds NumPy arrays and nothing else: loading it runs no code."
    ),
    "IDX files and images": (
        "IDX files, gzip streams, model zips and images are checked against the "
        "sizes their headers declare before memory is spent, and no more than "
        f"{MAX_DECOMPRESSED_BYTES // 2**30} GiB is decompressed from any one "
        "file; only regular files are read; images are read in these formats "
        f"only: {FORMAT_NAMES}."
    ),
}

#: What ``evaluate`` and ``predict`` say about the model files they load.
MODEL_LOADING = f"{LOADING['.skops']} {LOADING['.joblib']}"

#: What ``skmlp --help`` says about every file it reads.
ALL_LOADING = " ".join(LOADING.values())
