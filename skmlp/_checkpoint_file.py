"""Checkpoint files: a :class:`~skmlp._training_state.TrainingState` written
and read back, trusting nothing in the file.

A checkpoint is a zip archive, as NumPy's ``.npz``: one ``checkpoint.json``
member (the format's name and version, the scalars, the random streams, the
estimator's parameters, the data's digest) and one ``.npy`` member per array
(the weights, the optimizer's buffers, the curves, the best weights, the
rows), stored uncompressed: writing one costs a copy to disk, not a
compression. ``np.load(path)`` reads it too.

Reading follows skmlp's policy for untrusted files
(:mod:`skmlp._untrusted_files`) and runs no code from the file: no pickle
anywhere (``.npy`` headers are parsed by NumPy's header reader, whose dtype
must be one this format writes). Before memory is spent:

- the file must be a regular file, and its zip directory within the
  decompression policy (:func:`~skmlp._untrusted_files.check_zip_content`);
- the archive must hold exactly the members the format names, the JSON
  member at most :data:`MAX_JSON_BYTES`, without duplicate keys, and of the
  format's structure and types;
- every array's shape follows from the JSON (the network's units, the
  number of rows, the epochs), its header must declare that shape and the
  exact dtype, and its member exactly that many bytes, so that nothing is
  allocated that the file does not hold.

Then the values are checked: weights and optimizer buffers finite (Adam's
second moments not negative), counters in range, the rows a partition of
the samples, the random streams' states within their generators' ranges.
Anything else is a ``ValueError`` naming the file. Whether the checkpoint
fits the estimator and data resuming from it is
:func:`skmlp._training_state.check_resumable`'s question.
"""

import errno
import json
import math
import os
import struct
import zipfile

import numpy as np
from numpy.lib import format as npy_format

from ._atomic_files import write_atomically
from ._optimizers import CHECKPOINT_OPTIMIZERS
from ._training_state import TrainingState
from ._untrusted_files import check_zip_content, open_regular_file, read_into

__all__ = ["FORMAT", "MAX_JSON_BYTES", "VERSION", "read_checkpoint", "write_checkpoint"]

#: The format's name, in the JSON member.
FORMAT = "skmlp-checkpoint"
#: Its version; a reader refuses any other.
VERSION = 1
#: The most bytes the JSON member may hold.
MAX_JSON_BYTES = 2**20

_JSON_MEMBER = "checkpoint.json"
_DTYPES = {"float32": np.dtype("<f4"), "float64": np.dtype("<f8")}
_ROWS_DTYPE = np.dtype("<i8")
_CURVE_DTYPE = np.dtype("<f8")
# Largest counter (samples seen, steps) a checkpoint may hold.
_MAX_COUNT = 2**62
# Most units in a layer: the engine's products take C ints.
_MAX_UNITS = 2**31 - 1
_CURVES = ("loss_curve", "learning_rate_curve")
_OPTIONAL_CURVES = ("validation_scores", "validation_loss_curve")


# ------------------------------------------------------------------- write


def write_checkpoint(path, state):
    """Write ``state`` to ``path`` atomically (:func:`write_atomically`): the
    file there is the previous checkpoint until the new one is complete.

    Parameters
    ----------
    path : str or path-like
    state : TrainingState

    Returns
    -------
    size : int
        The file's size in bytes.
    """
    arrays = _arrays_of(state)
    rows = state.validation_rows
    n_validation = 0 if rows is None else len(rows)
    document = {
        "format": FORMAT,
        "version": VERSION,
        "dtype": state.dtype.name,
        "n_units": [int(n) for n in state.n_units],
        "n_samples": n_validation + len(state.train_order),
        "n_validation": n_validation,
        "n_curve": len(state.loss_curve),
        "optimizer": state.optimizer,
        "arrays": sorted(arrays),
        **{name: getattr(state, name) for name in _SCALARS},
    }
    with write_atomically(path) as file:
        with zipfile.ZipFile(file, "w", zipfile.ZIP_STORED) as archive:
            archive.writestr(_JSON_MEMBER, json.dumps(document, indent=1))
            for name, array in arrays.items():
                with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                    npy_format.write_array(member, array, allow_pickle=False)
        size = file.tell()
    return size


def _arrays_of(state):
    """The state's arrays by member name, in the format's dtypes."""
    arrays = {"params": state.params}
    for name, buffer in state.optimizer_buffers.items():
        arrays[f"optimizer_{name}"] = buffer
    arrays["loss_curve"] = state.loss_curve
    arrays["learning_rate_curve"] = state.learning_rate_curve
    optional = {
        "validation_scores": state.validation_scores,
        "validation_loss_curve": state.validation_loss_curve,
        "best_params": state.best_params,
        "validation_rows": state.validation_rows,
    }
    arrays.update(
        (name, value) for name, value in optional.items() if value is not None
    )
    arrays["train_order"] = state.train_order
    return {
        name: _as_written(name, array, state.dtype) for name, array in arrays.items()
    }


def _as_written(name, array, dtype):
    if name in ("train_order", "validation_rows"):
        wanted = _ROWS_DTYPE
    elif name in _CURVES + _OPTIONAL_CURVES:
        wanted = _CURVE_DTYPE
    else:
        wanted = _DTYPES[np.dtype(dtype).name]
    return np.ascontiguousarray(array, dtype=wanted)


# -------------------------------------------------------------------- read


def read_checkpoint(path):
    """The training state a checkpoint file holds, checked (see the module).

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    TrainingState

    Raises
    ------
    ValueError
        Naming the file, for anything but a checkpoint this format writes
        with values a fit can resume from.
    OSError
        If the file cannot be read (missing, permission denied).
    """
    with open_regular_file(path, "checkpoints") as file:
        return read_checkpoint_from(file, os.fspath(path))


def read_checkpoint_from(file, name):
    """:func:`read_checkpoint` of a seekable binary file, named ``name`` in
    the messages."""
    check_zip_content(file, name)
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            return _read_archive(archive)
    except _Refused as exc:
        raise ValueError(f"{name}: not a usable skmlp checkpoint: {exc}") from None
    except _CORRUPT_ZIP as exc:
        if isinstance(exc, OSError) and exc.errno not in (None, errno.EINVAL):
            raise  # the disk's, not the file's (EINVAL: a forged offset's seek)
        raise ValueError(
            f"{name}: not a usable skmlp checkpoint: a corrupt zip archive ({exc})."
        ) from None


# What zipfile raises on a damaged archive (its BadZipFile, and the errors of
# its parsing of sizes and offsets).
_CORRUPT_ZIP = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    EOFError,
    ValueError,
    OverflowError,
    struct.error,
    OSError,
)


class _Refused(Exception):
    """What is wrong with the file's content (the reader adds the name)."""


def _read_archive(archive):
    members = {}
    for info in archive.infolist():
        if info.filename in members:
            raise _Refused(f"the archive holds {_shorten(info.filename)} twice.")
        if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:
            raise _Refused(
                f"{_shorten(info.filename)} is compressed or encrypted; a "
                "checkpoint's members are stored as they are."
            )
        members[info.filename] = info
    if _JSON_MEMBER not in members:
        raise _Refused(f"the archive has no {_JSON_MEMBER}.")
    document = _read_json(archive, members[_JSON_MEMBER])
    layout = _check_document(document)
    expected = {f"{array}.npy" for array in layout} | {_JSON_MEMBER}
    if set(members) != expected:
        extra, missing = set(members) - expected, expected - set(members)
        problems = []
        if extra:
            problems.append(f"members the format does not have: {sorted(extra)}")
        if missing:
            problems.append(f"no {sorted(missing)}")
        raise _Refused(f"the archive holds {'; '.join(problems)}.")
    arrays = {
        array: _read_array(archive, members[f"{array}.npy"], array, dtype, shape)
        for array, (dtype, shape) in layout.items()
    }
    return _state_of(document, arrays)


def _read_json(archive, info):
    if info.file_size > MAX_JSON_BYTES:
        raise _Refused(
            f"its {_JSON_MEMBER} declares {info.file_size} bytes, more than the "
            f"{MAX_JSON_BYTES} a checkpoint's may hold."
        )
    with archive.open(info) as member:
        raw = member.read(MAX_JSON_BYTES + 1)
    try:
        return json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise _Refused(f"its {_JSON_MEMBER} is not valid JSON ({exc}).") from None


def _no_duplicates(pairs):
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError(f"duplicate keys in an object: {sorted(keys)}")
    return dict(pairs)


# The scalars of the JSON member, each with its check.
def _count(value):
    return _is_int(value) and 0 <= value <= _MAX_COUNT


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_float(value):
    return isinstance(value, float | int) and not isinstance(value, bool)


def _finite(value):
    return _is_float(value) and math.isfinite(value)


def _optional(check):
    return lambda value: value is None or check(value)


_SCALARS = {
    "parameters": lambda value: isinstance(value, dict),
    "data_digest": lambda value: (
        isinstance(value, str)
        and len(value) == 40
        and all(c in "0123456789abcdef" for c in value)
    ),
    "n_steps": _count,
    "learning_rate": lambda value: _finite(value) and value > 0,
    "start_loss": lambda value: _finite(value) and value >= 0,
    "t": _count,
    "n_iter": lambda value: _is_int(value) and value >= 1,
    "loss": _optional(_finite),
    "best_loss": _optional(lambda value: _is_float(value) and value == value),
    "best_validation_score": _optional(
        lambda value: _is_float(value) and (value == -math.inf or 0 <= value <= 1)
    ),
    "no_improvement_count": _count,
    "shuffle_state": lambda value: _pcg64_state(value),
    "dropout_state": lambda value: _is_int(value) and 0 <= value < 2**64,
    "augment_seed": lambda value: _is_int(value) and 0 <= value < 2**63,
}


def _pcg64_state(value):
    """Whether ``value`` is a PCG64 ``bit_generator.state``."""
    try:
        state = value["state"]
        return (
            set(value) == {"bit_generator", "state", "has_uint32", "uinteger"}
            and value["bit_generator"] == "PCG64"
            and set(state) == {"state", "inc"}
            and all(_is_int(state[key]) and 0 <= state[key] < 2**128 for key in state)
            and value["has_uint32"] in (0, 1)
            and _is_int(value["has_uint32"])
            and _is_int(value["uinteger"])
            and 0 <= value["uinteger"] < 2**32
        )
    except (TypeError, KeyError):
        return False


def _check_document(document):
    """Check the JSON member's structure; return the arrays it implies, by
    name: ``(dtype, shape)``."""
    if not isinstance(document, dict):
        raise _Refused(f"its {_JSON_MEMBER} is not an object.")
    if document.get("format") != FORMAT:
        raise _Refused(f"its {_JSON_MEMBER} does not name the format {FORMAT!r}.")
    if document.get("version") != VERSION:
        raise _Refused(
            f"format version {document.get('version')!r}; this skmlp reads "
            f"version {VERSION}."
        )
    known = {"format", "version", "dtype", "n_units", "n_samples", "n_validation"}
    known.add("n_curve")
    known |= {"optimizer", "arrays", *_SCALARS}
    if set(document) != known:
        problems = sorted(set(document) ^ known)
        raise _Refused(f"its {_JSON_MEMBER} has other fields ({problems}).")
    for field, check in _SCALARS.items():
        if not check(document[field]):
            raise _Refused(f"{field} is {_shorten(document[field])}, out of its range.")
    dtype = (
        _DTYPES.get(document["dtype"]) if isinstance(document["dtype"], str) else None
    )
    if dtype is None:
        raise _Refused(
            f"dtype {_shorten(document['dtype'])} is not float32 or float64."
        )
    n_units = document["n_units"]
    if not (
        isinstance(n_units, list)
        and len(n_units) >= 2
        and all(_is_int(n) and 1 <= n <= _MAX_UNITS for n in n_units)
    ):
        raise _Refused(f"n_units {_shorten(n_units)} is not a list of layer sizes.")
    n_samples, n_curve = document["n_samples"], document["n_curve"]
    n_validation = document["n_validation"]
    if not (_count(n_samples) and n_samples >= 1):
        raise _Refused(f"n_samples {_shorten(n_samples)} is out of range.")
    if not (_count(n_validation) and n_validation != 1 and n_validation < n_samples):
        raise _Refused(
            f"n_validation {_shorten(n_validation)} is not 0 nor a number of "
            f"held-out rows (2 or more, fewer than the {n_samples} samples)."
        )
    if not (_count(n_curve) and n_curve >= document["n_iter"]):
        raise _Refused(
            f"n_curve {_shorten(n_curve)} is not a count of at least n_iter epochs."
        )
    optimizer = document["optimizer"]
    if not isinstance(optimizer, str) or optimizer not in CHECKPOINT_OPTIMIZERS:
        raise _Refused(
            f"optimizer {_shorten(optimizer)} is none of "
            f"{sorted(CHECKPOINT_OPTIMIZERS)}."
        )
    n_params = sum(a * b + b for a, b in zip(n_units[:-1], n_units[1:]))
    layout = {"params": (dtype, (n_params,))}
    for buffer in CHECKPOINT_OPTIMIZERS[optimizer].buffer_names:
        layout[f"optimizer_{buffer}"] = (dtype, (n_params,))
    for curve in _CURVES:
        layout[curve] = (_CURVE_DTYPE, (n_curve,))
    layout["train_order"] = (_ROWS_DTYPE, (n_samples - n_validation,))
    optional = {
        "validation_scores": (_CURVE_DTYPE, (n_curve,)),
        "validation_loss_curve": (_CURVE_DTYPE, (n_curve,)),
        "best_params": (dtype, (n_params,)),
        "validation_rows": (_ROWS_DTYPE, (n_validation,)),
    }
    arrays = document["arrays"]
    if not (
        isinstance(arrays, list)
        and all(isinstance(array, str) for array in arrays)
        and len(set(arrays)) == len(arrays)
        and set(layout) <= set(arrays) <= set(layout) | set(optional)
        and ("validation_scores" in arrays) == ("validation_loss_curve" in arrays)
        and ("validation_rows" in arrays) == (n_validation > 0)
    ):
        raise _Refused(f"arrays {_shorten(arrays)} are not the format's.")
    layout.update((name, optional[name]) for name in arrays if name in optional)
    return layout


def _shorten(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _read_array(archive, info, name, dtype, shape):
    """The array of member ``info``, whose header must declare ``dtype`` and
    ``shape`` and whose size must be exactly that, read into memory."""
    with archive.open(info) as member:
        try:
            version = npy_format.read_magic(member)
            if version == (1, 0):
                header = npy_format.read_array_header_1_0(member)
            elif version == (2, 0):
                header = npy_format.read_array_header_2_0(member)
            else:
                raise ValueError(f"version {version}")
        except Exception as exc:  # NumPy's parser of a header: any of its errors
            raise _Refused(
                f"{info.filename} has no valid .npy header ({exc})."
            ) from None
        declared, fortran_order, declared_dtype = header
        if declared_dtype != dtype or fortran_order or declared != shape:
            raise _Refused(
                f"{info.filename} holds {declared_dtype} of shape {declared}"
                f"{' (Fortran order)' if fortran_order else ''}; the checkpoint "
                f"needs {dtype} of shape {shape}."
            )
        n_bytes = math.prod(shape) * dtype.itemsize
        if info.file_size != member.tell() + n_bytes:
            raise _Refused(
                f"{info.filename} declares {info.file_size} bytes; a {dtype} array "
                f"of shape {shape} takes {n_bytes} after its header."
            )
        array = np.empty(shape, dtype=dtype)
        n_read = read_into(member, array.reshape(-1).view(np.uint8), info.filename)
        if n_read != n_bytes or member.read(1):  # the last read checks the CRC
            raise _Refused(f"{info.filename} is truncated.")
    return array.astype(dtype.newbyteorder("="), copy=False)


def _state_of(document, arrays):
    """The TrainingState of a checked document and its arrays, once their
    values are checked."""
    n_iter = document["n_iter"]
    params = arrays["params"]
    if not np.isfinite(params).all():
        raise _Refused("the weights are not all finite.")
    optimizer = CHECKPOINT_OPTIMIZERS[document["optimizer"]]
    buffers = {name: arrays[f"optimizer_{name}"] for name in optimizer.buffer_names}
    for name, buffer in buffers.items():
        if not np.isfinite(buffer).all():
            raise _Refused(f"the optimizer's {name} is not all finite.")
        if name in optimizer.nonnegative_buffers and not (buffer >= 0).all():
            raise _Refused(f"the optimizer's {name} has negative values.")
    best_params = arrays.get("best_params")
    if best_params is not None and not np.isfinite(best_params).all():
        raise _Refused("the best weights are not all finite.")
    _check_curves(arrays, n_iter, document["loss"])
    train_order, validation_rows = _check_rows(
        arrays["train_order"], arrays.get("validation_rows"), document["n_samples"]
    )
    return TrainingState(
        parameters=document["parameters"],
        data_digest=document["data_digest"],
        n_units=tuple(document["n_units"]),
        params=params,
        optimizer=document["optimizer"],
        optimizer_buffers=buffers,
        n_steps=document["n_steps"],
        learning_rate=float(document["learning_rate"]),
        start_loss=float(document["start_loss"]),
        t=document["t"],
        n_iter=n_iter,
        loss=float(document["loss"]),
        best_loss=_float_or_none(document["best_loss"]),
        best_validation_score=_float_or_none(document["best_validation_score"]),
        no_improvement_count=document["no_improvement_count"],
        loss_curve=arrays["loss_curve"],
        learning_rate_curve=arrays["learning_rate_curve"],
        validation_scores=arrays.get("validation_scores"),
        validation_loss_curve=arrays.get("validation_loss_curve"),
        best_params=best_params,
        train_order=train_order,
        validation_rows=validation_rows,
        shuffle_state=document["shuffle_state"],
        dropout_state=document["dropout_state"],
        augment_seed=document["augment_seed"],
    )


def _float_or_none(value):
    return None if value is None else float(value)


def _check_curves(arrays, n_iter, loss):
    """The curves as a fit records them: finite losses, the last one
    ``loss``; positive step sizes in this fit's epochs (NaN for earlier
    L-BFGS iterations); scores in [0, 1] and losses >= 0 (or NaN for epochs
    without validation data)."""
    loss_curve, rates = arrays["loss_curve"], arrays["learning_rate_curve"]
    if loss is None or not np.isfinite(loss_curve).all() or loss_curve[-1] != loss:
        raise _Refused("the loss curve is not finite, or does not end with loss.")
    this_fit = rates[len(rates) - n_iter :]
    if not ((np.isnan(rates) | (rates > 0)).all() and np.isfinite(this_fit).all()):
        raise _Refused("the learning-rate curve holds invalid step sizes.")
    scores = arrays.get("validation_scores")
    if scores is not None:
        losses = arrays["validation_loss_curve"]
        if not (
            (np.isnan(scores) | ((scores >= 0) & (scores <= 1))).all()
            and (np.isnan(losses) | (losses >= 0)).all()
            and not np.isinf(losses).any()
        ):
            raise _Refused("the validation curves hold invalid values.")


def _check_rows(train_order, validation_rows, n_samples):
    """The rows as intp arrays, if together they number every sample once."""
    rows = (
        train_order
        if validation_rows is None
        else (np.concatenate([train_order, validation_rows]))
    )
    if (
        not (rows.min() >= 0 and rows.max() < n_samples)
        or not (np.sort(rows) == np.arange(n_samples)).all()
    ):
        raise _Refused(
            "the training and held-out rows do not number each of the "
            f"{n_samples} samples once."
        )
    as_intp = [
        None if part is None else part.astype(np.intp, copy=False)
        for part in (train_order, validation_rows)
    ]
    return tuple(as_intp)
