"""The state of a fit in progress, at the end of an epoch: what a checkpoint
holds, and what a fit resumes from.

:class:`TrainingState` gathers everything the epoch loop of a minibatch
solver carries from one epoch to the next, so that a fit resumed from it
takes the same steps as one never interrupted: the weights, the optimizer's
buffers and step counter, the learning rate (``lr_schedule='adaptive'``
changes it), the progress (curves, counters, patience), the best weights of
early stopping, the rows (the order of the next shuffle, the held-out
rows), the random streams (shuffling, dropout masks, the augmentation's
seed) and the loss a blow-up is measured against.

It also records what the fit was: the estimator's parameters, in a
canonical form (:func:`canonical_parameters`), and a digest of the data it
trains on (:func:`data_digest`). A fit resumes only with the same of both
(:func:`check_resumable`).

The file format is :mod:`skmlp._checkpoint_file`'s; the callback that writes
checkpoints, :class:`skmlp.Checkpoint`.
"""

import hashlib
import json
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from scipy import sparse

#: Parameters a resumed fit may change: they change no bit of the training.
FREE_PARAMETERS = frozenset({"verbose", "warm_start"})

# Rows of X hashed at a time (bounds the copy of a non-contiguous X).
_DIGEST_ROWS = 4096


class CheckpointMismatch(ValueError):
    """A checkpoint written by a fit of other parameters than the one
    resuming from it.

    Attributes
    ----------
    changes : dict
        ``{parameter: (in the checkpoint, now)}``, the values as
        :func:`canonical_parameters` gives them.
    """

    def __init__(self, message, changes):
        super().__init__(message)
        self.changes = changes


@dataclass(frozen=True)
class TrainingState:
    """A minibatch fit at the end of one of its epochs.

    Arrays are copies, owned by the state. Scalars are Python numbers.

    Attributes
    ----------
    parameters : dict
        The estimator's parameters, from :func:`canonical_parameters`.
    data_digest : str
        :func:`data_digest` of the data trained on.
    n_units : tuple of int
        Units per layer, the input features first.
    params : ndarray of shape (n_params,)
        The weights, flat (float32 or float64: the training dtype).
    optimizer : str
        The optimizer's name (``Optimizer.name``).
    optimizer_buffers : dict of str to ndarray of shape (n_params,)
        Its state buffers, by name.
    n_steps : int
        Its step counter.
    learning_rate : float
        The step size of the last epoch.
    start_loss : float
        The uninformed model's objective at the fit's starting weights,
        which a blow-up is measured against.
    t : int
    n_iter : int
        Epochs of this fit so far.
    loss : float or None
    best_loss : float or None
    best_validation_score : float or None
    no_improvement_count : int
    loss_curve, learning_rate_curve : ndarray of float64
    validation_scores, validation_loss_curve : ndarray of float64 or None
        The progress of :class:`skmlp._progress.Progress`.
    best_params : ndarray of shape (n_params,) or None
        The weights of the best epoch of early stopping so far, or None
        while there is none.
    train_order : ndarray of intp
        The training rows in their order after the last shuffle (the next
        shuffle permutes this order).
    validation_rows : ndarray of intp or None
        The rows of X held out for early stopping, in order; None when the
        validation data is the user's (``X_val``) or there is none.
    shuffle_state : dict
        The shuffling generator's ``bit_generator.state`` (PCG64).
    dropout_state : int
        The state of the engine's dropout stream, in [0, 2**64).
    augment_seed : int
        The seed of the augmentation's streams, in [0, 2**63).
    """

    parameters: dict
    data_digest: str
    n_units: tuple
    params: np.ndarray
    optimizer: str
    optimizer_buffers: dict
    n_steps: int
    learning_rate: float
    start_loss: float
    t: int
    n_iter: int
    loss: float | None
    best_loss: float | None
    best_validation_score: float | None
    no_improvement_count: int
    loss_curve: np.ndarray
    learning_rate_curve: np.ndarray
    validation_scores: np.ndarray | None
    validation_loss_curve: np.ndarray | None
    best_params: np.ndarray | None
    train_order: np.ndarray
    validation_rows: np.ndarray | None
    shuffle_state: dict
    dropout_state: int
    augment_seed: int

    @property
    def dtype(self):
        """The training dtype."""
        return self.params.dtype

    def optimizer_state(self):
        """The optimizer's state as :meth:`Optimizer.load_state` takes it."""
        return {
            "name": self.optimizer,
            "buffers": dict(self.optimizer_buffers),
            "n_steps": self.n_steps,
        }

    def progress_values(self):
        """The keyword arguments of :class:`skmlp._progress.Progress` (lists
        of Python floats for the curves), and ``n_iter``."""
        return {
            "t": self.t,
            "loss": self.loss,
            "best_loss": self.best_loss,
            "best_validation_score": self.best_validation_score,
            "patience": self.no_improvement_count,
            "loss_curve": self.loss_curve.tolist(),
            "learning_rate_curve": self.learning_rate_curve.tolist(),
            "validation_scores": _list_or_none(self.validation_scores),
            "validation_loss_curve": _list_or_none(self.validation_loss_curve),
        }


def _list_or_none(curve):
    return None if curve is None else curve.tolist()


# ---------------------------------------------------------------- identity


def canonical_parameters(model, hidden, dropout, augmentation):
    """The estimator's parameters in a form that compares as the training
    reads them: JSON-able, numbers as ints and floats, sequences as lists,
    the hidden layers, dropout rates and augmentation as validated.

    Parameters
    ----------
    model : MLPDigitClassifier
    hidden : list of int
        The validated ``hidden_layer_sizes``.
    dropout : ndarray
        The validated rates, one per hidden layer.
    augmentation : DigitAugmentation or None
        The validated ``augment``.

    Returns
    -------
    dict
        By parameter name, without :data:`FREE_PARAMETERS`.
    """
    validated = {
        "hidden_layer_sizes": [int(n) for n in hidden],
        "dropout": [float(rate) for rate in dropout],
        "augment": None if augmentation is None else augmentation._settings(),
    }
    return {
        name: _canonical(validated[name] if name in validated else value)
        for name, value in model.get_params(deep=False).items()
        if name not in FREE_PARAMETERS
    }


def _canonical(value):
    if value is None or isinstance(value, str | bool | np.bool_):
        return value if not isinstance(value, np.bool_) else bool(value)
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real):
        return float(value)
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in value):
            return {key: _canonical(item) for key, item in value.items()}
        # Labels of any type (class_weight's): 1 and "1" stay apart.
        return [[repr(key), _canonical(item)] for key, item in value.items()]
    if isinstance(value, list | tuple | np.ndarray):
        return [_canonical(item) for item in value]
    # A RandomState instance, say: its state changes as it is used.
    return {"object": type(value).__name__}


def data_digest(data, classes):
    """A digest of the data a fit trains on: X, the targets and the sample
    weights as the engine sees them, the classes and the user's validation
    set.

    Parameters
    ----------
    data : skmlp._fit_loop.TrainingData
    classes : ndarray

    Returns
    -------
    str
        Hexadecimal BLAKE2b digest.
    """
    digest = hashlib.blake2b(digest_size=20)
    _update_matrix(digest, data.X)
    _update_array(digest, data.y_codes)
    _update_array(digest, data.sample_weight)
    classes = np.asarray(classes)
    digest.update(json.dumps(_canonical(classes.tolist())).encode())
    if data.validation is None:
        digest.update(b"no validation set")
    else:
        X_val, y_val, sample_weight_val = data.validation
        _update_matrix(digest, X_val)
        _update_array(digest, y_val)
        _update_array(digest, sample_weight_val)
    return digest.hexdigest()


def _update_array(digest, array):
    array = np.ascontiguousarray(array)
    digest.update(f"{array.dtype.str} {array.shape}".encode())
    digest.update(array.data)


def _update_matrix(digest, X):
    if sparse.issparse(X):
        # The index dtype is scipy's choice, not the data's.
        digest.update(f"csr {X.shape}".encode())
        _update_array(digest, X.indptr.astype(np.int64, copy=False))
        _update_array(digest, X.indices.astype(np.int64, copy=False))
        _update_array(digest, X.data)
        return
    digest.update(f"dense {X.dtype.str} {X.shape}".encode())
    for start in range(0, X.shape[0], _DIGEST_ROWS):
        digest.update(np.ascontiguousarray(X[start : start + _DIGEST_ROWS]).data)


def check_resumable(state, parameters, digest, n_units, dtype, path):
    """Raise ValueError unless a fit of these parameters, data, network and
    dtype can resume from ``state`` with the bits of an uninterrupted fit.

    Parameters
    ----------
    state : TrainingState
    parameters : dict
        :func:`canonical_parameters` of the estimator resuming.
    digest : callable
        Returns :func:`data_digest` of the data it trains on (called only if
        everything else agrees: it reads all of X).
    n_units : sequence of int
    dtype : numpy dtype
    path : str or path-like
        The checkpoint, for the messages.
    """
    changed = sorted(
        name
        for name in parameters.keys() | state.parameters.keys()
        if parameters.get(name) != state.parameters.get(name)
    )
    if changed:
        changes = {
            name: (state.parameters.get(name), parameters.get(name)) for name in changed
        }
        details = "; ".join(
            f"{name}={_shown(then)} in the checkpoint, {_shown(now)} now"
            for name, (then, now) in changes.items()
        )
        raise CheckpointMismatch(
            f"{path}: the checkpoint was written by a fit with other parameters "
            f"({details}). A fit resumes only with the parameters it started "
            "with (verbose and warm_start aside), so that it ends with the "
            "bits of a fit never interrupted: set them back, or start afresh "
            "without resume_from.",
            changes,
        )
    if tuple(n_units) != tuple(state.n_units) or np.dtype(dtype) != state.dtype:
        raise ValueError(
            f"{path}: the checkpoint holds a network of {list(state.n_units)} "
            f"units in {state.dtype.name}; this fit trains {list(n_units)} in "
            f"{np.dtype(dtype).name} (X's features and dtype, the classes of y)."
        )
    if digest() != state.data_digest:
        raise ValueError(
            f"{path}: the checkpoint was written by a fit on other data (X, y, "
            "sample_weight, class weights or the validation set differ): "
            "resume with the data the fit started with."
        )


def _shown(value):
    return json.dumps(value, allow_nan=True)
