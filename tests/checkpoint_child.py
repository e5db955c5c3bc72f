"""A fit run as its own process, for tests/test_checkpoint_kill.py.

Usage: ``python checkpoint_child.py CONFIG MODE CHECKPOINT RESULT``, where
MODE is ``whole`` (a fit never interrupted), ``checkpointed`` (the same fit
writing CHECKPOINT after every epoch, to be killed) or ``resume`` (the fit
resumed from CHECKPOINT). It writes the fitted model's digest and epochs
to RESULT (JSON). BLAS runs on one thread, so that the fits' products are
the same bits in every process.
"""

import hashlib
import json
import sys
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from skmlp import Checkpoint, MLPDigitClassifier

MAX_ITER = 40

# Augmentation and dropout on, for each solver.
COMMON = dict(
    hidden_layer_sizes=(128, 128),
    batch_size=16,
    max_iter=MAX_ITER,
    random_state=0,
    dropout=0.2,
    augment=dict(rotation=10, shift=1.0, elastic_alpha=8.0, elastic_sigma=3.0),
    n_iter_no_change=MAX_ITER,
)
CONFIGS = {
    "sgd": dict(solver="sgd", momentum=0.0, learning_rate=0.05),
    "nesterov": dict(solver="sgd", nesterov=True, learning_rate=0.02),
    "adam": dict(solver="adam", learning_rate=0.002),
}


def model_digest(clf):
    """SHA-256 of the weights, the optimizer state and the curves."""
    digest = hashlib.sha256()
    for array in clf.coefs_ + clf.intercepts_:
        digest.update(array.tobytes())
    state = clf._optimizer_state
    for name in sorted(state["buffers"]):
        digest.update(state["buffers"][name].tobytes())
    digest.update(np.asarray(clf.loss_curve_, dtype=np.float64).tobytes())
    digest.update(repr((state["n_steps"], clf.t_, clf.n_iter_)).encode())
    return digest.hexdigest()


def main(config, mode, checkpoint, result):
    X, y = load_digits(return_X_y=True)
    clf = MLPDigitClassifier(**COMMON, **CONFIGS[config])
    fit_params = {}
    if mode == "checkpointed":
        clf.set_callbacks(Checkpoint(checkpoint))
    elif mode == "resume":
        fit_params["resume_from"] = checkpoint
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X / 16, y, **fit_params)
    with open(result, "w") as file:
        json.dump({"digest": model_digest(clf), "n_iter": clf.n_iter_}, file)


if __name__ == "__main__":
    main(*sys.argv[1:])
