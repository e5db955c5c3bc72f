"""Saving and loading models: what skmlp trusts, and atomic saves.

A ``.skops`` file loads only if every type it would build is one skops
trusts by default or one named, exactly, in :data:`TRUSTED_SKOPS_TYPES`:
skops calls the types a file names, with arguments from the file, so a
prefix such as ``skmlp.`` would let a file call any function of skmlp.
A ``.joblib`` file is a pickle, which runs whatever code it holds when it is
loaded: it loads only when the user says ``--trust-pickle``.
"""

import reprlib
from numbers import Integral

from .._atomic_files import write_atomically
from .._fitted_state import check_fitted_model
from .._layers import OUTPUT_LAYERS
from .._untrusted_files import check_zip_content, open_regular_file
from ._errors import CommandError
from ._paths import check_writable_target

MODEL_SUFFIXES = (".skops", ".joblib")

# Types outside skops' default trusted set that a .skops model may hold: the
# exact names of classes reviewed for loading from untrusted files (building
# them runs no code but setting attributes). Never a function, a loader or a
# module prefix.
TRUSTED_SKOPS_TYPES = frozenset(
    {
        "skmlp._classifier.MLPDigitClassifier",
        # The ``augment`` parameter's settings: numbers, checked again by
        # ``fit`` before a refit uses them, never read by predictions.
        "skmlp.augmentation.DigitAugmentation",
        # Arrays and a number; transform checks the arrays' shapes, dtype and
        # finiteness against n_features_in_ before it multiplies by them.
        "skmlp._whitening.ZCAWhitening",
    }
)


# --------------------------------------------------------------------- save


def check_save_target(path):
    """Fail before training, not after, when the model cannot be saved there:
    a link, a folder or a special file at ``path`` (never followed nor
    replaced), a missing or unwritable folder, skops missing."""
    check_writable_target(path, "save the model to", f"the model to {path}")
    if path.suffix.lower() == ".skops":
        import_skops()


def save_model(model, path):
    """Save ``model`` to ``path`` (.skops or .joblib), atomically.

    The model is written to a temporary file in the same folder, then moved
    over ``path`` (:func:`skmlp._atomic_files.write_atomically`): a failed or
    interrupted save leaves any previous file at ``path`` as it was, never a
    half-written model, and a link at ``path`` is refused, never followed.
    """
    dump = _dump_function(path)
    try:
        with write_atomically(path) as file:
            dump(model, file)
    except ValueError as exc:
        raise CommandError(f"cannot save the model to {exc}") from None
    except OSError as exc:
        raise CommandError(
            f"cannot save the model to {path}: {exc.strerror or exc}"
        ) from None


def _dump_function(path):
    if path.suffix.lower() == ".skops":
        return import_skops().dump
    import joblib

    return joblib.dump


# --------------------------------------------------------------------- load


def load_model(path, trust_pickle=False):
    """The fitted classifier saved in ``path`` (.skops or .joblib).

    The file is opened once, as a regular file
    (:func:`skmlp._untrusted_files.open_regular_file`), and every read of it
    goes through that descriptor.

    Parameters
    ----------
    path : Path
        The model file.
    trust_pickle : bool, default=False
        Whether the user trusts the file enough to unpickle it. A .joblib
        file is refused without it, before it is opened.

    Returns
    -------
    model : estimator
        A fitted classifier or a pipeline ending in one.

    Raises
    ------
    CommandError
        Exit status 2 for a file name with an unknown suffix and for a .joblib
        file without ``trust_pickle``; 1 for a file that is missing, not a
        regular file, unreadable, holds types skmlp does not trust, holds no
        classifier, holds a state ``fit`` never makes
        (:func:`skmlp._fitted_state.check_fitted_model`), or holds a
        classifier of multilabel targets (evaluate and predict give one label
        per image).
    """
    if not path.exists():
        raise CommandError(f"model file not found: {path}")
    suffix = path.suffix.lower()
    if suffix not in MODEL_SUFFIXES:
        raise CommandError(
            f"{path}: unknown model format {suffix or '(no suffix)'}; expected a "
            ".skops or .joblib file",
            status=2,
        )
    if suffix == ".joblib" and not trust_pickle:
        raise CommandError(
            f"{path} is a pickle (.joblib): loading it runs whatever code it "
            "holds. Pass --trust-pickle if you made it or trust who did, or use "
            "a .skops model",
            status=2,
        )
    try:
        file = open_regular_file(path, "models")
    except ValueError as exc:
        raise CommandError(str(exc).rstrip(".")) from None
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror or exc}") from None
    load = _load_skops if suffix == ".skops" else _load_joblib
    with file:
        model = load(file, path)
    try:
        # Trusted types may still hold forged attributes: check them all
        # before anything (a property, an index) reads them.
        check_fitted_model(model, where=str(path))
    except ValueError as exc:
        raise CommandError(str(exc).rstrip(".")) from None
    if not (hasattr(model, "predict") and hasattr(model, "n_features_in_")):
        raise CommandError(
            f"{path}: holds a {type(model).__name__}, not a fitted classifier"
        )
    _check_n_features_in(model, path)
    network = model[-1] if hasattr(model, "steps") else model
    if OUTPUT_LAYERS[getattr(network, "out_activation_", "softmax")].multilabel:
        # evaluate and predict read images of one digit each.
        raise CommandError(
            f"{path}: holds a multilabel classifier ({len(network.classes_)} "
            "labels); skmlp evaluate and skmlp predict take classifiers of one "
            "label per image"
        )
    return model


def _check_n_features_in(model, path):
    """The commands size images and messages by ``n_features_in_``: a file
    may hold anything there."""
    n_features = model.n_features_in_
    if not (
        isinstance(n_features, Integral)
        and not isinstance(n_features, bool)
        and n_features > 0
    ):
        raise CommandError(
            f"{path}: damaged model: its number of input features "
            f"(n_features_in_) is {_printable(reprlib.repr(n_features))}, not a "
            "positive integer"
        )


def import_skops():
    """``skops.io``, or a CommandError saying how to install it."""
    try:
        import skops.io
    except ImportError:
        raise CommandError(
            ".skops files need the skops package: pip install skops (or use a "
            ".joblib file)"
        ) from None
    return skops.io


def _load_skops(file, path):
    """The object in the open .skops file ``file``, if it holds only types
    skmlp trusts; ``path`` names it in messages."""
    sio = import_skops()
    # skops reads each member of the zip whole: the sizes its directory
    # declares are checked first, against skmlp's decompression policy.
    try:
        check_zip_content(file, path)
    except ValueError as exc:
        raise CommandError(str(exc).rstrip(".")) from None
    try:
        untrusted = sio.get_untrusted_types(file=file)
    except Exception as exc:  # zipfile, json and skops errors alike
        raise CommandError(f"{path}: not a readable .skops file ({exc})") from None
    refused = sorted(set(untrusted) - TRUSTED_SKOPS_TYPES)
    if refused:
        raise CommandError(
            f"{path}: refusing to load types skmlp has not reviewed: "
            f"{', '.join(map(_printable, refused))}. If you trust them, load the "
            "file in Python with skops.io.load(path, trusted=[...])"
        )
    try:
        # skops checks the types again as it loads: against the allow-list,
        # not against what this file held a moment ago.
        return sio.load(file, trusted=sorted(TRUSTED_SKOPS_TYPES))
    except Exception as exc:
        raise CommandError(f"{path}: cannot load the model ({exc})") from None


def _printable(name):
    """A type name from a file, quoted if it could break the one-line report."""
    return name if name.isprintable() else repr(name)


def _load_joblib(file, path):
    """The object in the open .joblib file ``file`` (unpickled: the caller
    checked that the user trusts it); ``path`` names it in messages."""
    import joblib

    try:
        return joblib.load(file)
    except Exception as exc:  # unpickling fails in any number of ways
        raise CommandError(
            f"{path}: not a readable .joblib file ({type(exc).__name__}: {exc})"
        ) from None
