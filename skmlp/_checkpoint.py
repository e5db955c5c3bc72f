"""Checkpoints of a fit in progress: the callback that writes them.

:class:`Checkpoint` is a callback of scikit-learn's callback API
(``sklearn.callback``, scikit-learn 1.9 and later): set on an estimator with
``set_callbacks``, it writes the whole state of the fit
(:class:`~skmlp._training_state.TrainingState`) to a file every few epochs,
atomically (:func:`skmlp._atomic_files.write_atomically`), in the format of
:mod:`skmlp._checkpoint_file`. ``fit(X, y, resume_from=path)`` goes on from
it. The fitter hands the callbacks the means to capture the state with the
model of the epoch (``_training_state`` of the ``fitted_estimator`` of
``on_fit_task_end``), which the Checkpoint calls in the epochs it writes.
"""

import os
import threading
from numbers import Integral

from ._atomic_files import check_target
from ._checkpoint_file import write_checkpoint
from ._optimizers import SOLVERS

# The paths that running fits' Checkpoints write, and the estimator writing
# each, so that two fits at once (a search's candidates in threads) never
# write the same file.
_writers = {}
_writers_lock = threading.Lock()


class Checkpoint:
    """Write the state of a fit to a file every ``every`` epochs, to resume it.

    A callback for ``MLPDigitClassifier.set_callbacks`` (scikit-learn's
    callback API, 1.9 and later). At the end of every ``every``-th epoch of
    ``fit``, it writes to ``path`` everything the fit carries from one epoch
    to the next: the weights, the optimizer's state and step counter, the
    step size, the progress (curves, counters, patience), the best weights of
    early stopping, the order of the rows, the held-out rows and the random
    streams of shuffling, dropout and augmentation, with the estimator's
    parameters and a digest of the data. The file is replaced atomically:
    whenever the process dies, ``path`` holds the last complete checkpoint.

    ``fit(X, y, resume_from=path)``, on an estimator of the same parameters
    (``verbose`` and ``warm_start`` aside) and the same data, goes on from
    the end of that epoch and ends with the same bits as a fit never
    interrupted, on the same machine and BLAS thread count.

    A checkpoint is a zip of ``.npy`` arrays and a JSON document (see the
    user guide); reading one runs no code from it, and every size, shape and
    value is checked before use.

    Parameters
    ----------
    path : str or path-like
        The file to write; its folder must exist. A symbolic link, a folder or
        a special file there is refused when the fit starts.
    every : int, default=1
        Write at the end of every ``every``-th epoch of the fit (epochs 1,
        2, ... of this call to ``fit``).

    See Also
    --------
    MLPDigitClassifier.fit : its ``resume_from`` parameter.

    Notes
    -----
    Checkpoints are written by ``fit`` with the minibatch solvers ('sgd',
    'adam'). L-BFGS keeps its state inside SciPy, and the state of
    ``partial_fit`` after each call is the fitted model itself (pickle or
    skops it between calls): both are a ``ValueError`` when the fit starts.
    One Checkpoint writes one fit: the same one on two fits running at once
    (a search's candidates in threads) is a ``ValueError`` too.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from sklearn.datasets import load_digits
    >>> from skmlp import Checkpoint, MLPDigitClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> path = Path(tempfile.mkdtemp()) / "digits.ckpt"
    >>> clf = MLPDigitClassifier((32,), max_iter=4, random_state=0)
    >>> _ = clf.set_callbacks(Checkpoint(path, every=2)).fit(X / 16, y)
    >>> resumed = MLPDigitClassifier((32,), max_iter=4, random_state=0)
    >>> _ = resumed.fit(X / 16, y, resume_from=path)
    >>> bool((resumed.coefs_[0] == clf.coefs_[0]).all())
    True
    """

    def __init__(self, path, *, every=1):
        self.path = path
        self.every = every

    def setup(self, estimator, context):
        """Check the settings, the solver and the path before the fit trains."""
        if isinstance(self.every, bool) or not isinstance(self.every, Integral):
            raise TypeError(f"Checkpoint's every must be an int, got {self.every!r}.")
        if self.every < 1:
            raise ValueError(f"Checkpoint's every must be >= 1, got {self.every}.")
        solver = SOLVERS.get(getattr(estimator, "solver", None))
        if solver is None or not solver.minibatch:
            minibatch = [name for name, other in SOLVERS.items() if other.minibatch]
            raise ValueError(
                "Checkpoint saves the state of the minibatch solvers "
                f"({', '.join(map(repr, minibatch))}); "
                f"solver={getattr(estimator, 'solver', None)!r} keeps its own."
            )
        if context.task_name == "partial_fit":
            raise ValueError(
                "Checkpoint writes the epochs of fit: after each partial_fit "
                "call, the model itself is the whole state (save it with "
                "joblib or skops between calls)."
            )
        check_target(self.path)
        key = os.path.realpath(self.path)
        with _writers_lock:
            if _writers.get(key, estimator) is not estimator:
                raise ValueError(
                    f"{self.path}: another fit running now writes this "
                    "checkpoint: give each fit a Checkpoint of its own."
                )
            _writers[key] = estimator

    def teardown(self, estimator, context):
        """Let another fit write the path (scikit-learn calls this even when
        :meth:`setup` refused the fit: only this estimator's paths are let
        go)."""
        with _writers_lock:
            for key in [key for key, owner in _writers.items() if owner is estimator]:
                del _writers[key]

    def on_fit_task_begin(self, estimator, context):
        """Nothing: checkpoints are written as epochs end."""

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        """Write the training state that ends an epoch, every ``every`` epochs.

        Returns
        -------
        stop : bool
            False: a checkpoint never stops the fit.
        """
        if context.task_name != "epoch" or fitted_estimator is None:
            return False
        capture = getattr(fitted_estimator, "_training_state", None)
        if capture is not None and fitted_estimator.n_iter_ % self.every == 0:
            write_checkpoint(self.path, capture())
        return False

    def __repr__(self):
        return f"Checkpoint({os.fspath(self.path)!r}, every={self.every!r})"
