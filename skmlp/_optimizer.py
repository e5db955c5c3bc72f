"""Optimizer settings and state for the compiled engine.

The state (momentum velocity, Adam moments) is plain NumPy arrays with the
flat parameter buffer's layout, kept on the estimator between ``partial_fit``
calls and warm-started fits: MLPClassifier resets it, which makes a resumed
fit take a different path from an uninterrupted one.
"""

import numpy as np

from ._engine._engine import n_state_buffers
from ._engine._types import Update


def update_rule(solver, momentum, nesterov):
    """The engine's :class:`~skmlp._engine._types.Update` code for these settings."""
    if solver == "lbfgs":
        return Update.GRADIENT
    if solver == "adam":
        return Update.ADAM
    if momentum == 0:
        return Update.SGD
    return Update.NESTEROV if nesterov else Update.MOMENTUM


def new_state(update, n_params, dtype):
    """Zeroed optimizer state for ``update``.

    Returns
    -------
    state : dict
        ``{"update": int, "buffers": list of ndarray, "n_adam_steps": int}``:
        plain arrays and scalars, so that pickle and skops can store it.
    """
    buffers = [np.zeros(n_params, dtype=dtype) for _ in range(n_state_buffers(update))]
    return {"update": int(update), "buffers": buffers, "n_adam_steps": 0}


def resume_state(state, update, n_params, dtype):
    """The stored state if it fits this update rule and layout, else a new one.

    The buffers are converted to ``dtype`` when the training dtype changed.
    """
    if (
        state is None
        or state["update"] != int(update)
        or any(buffer.shape != (n_params,) for buffer in state["buffers"])
    ):
        return new_state(update, n_params, dtype)
    return {
        "update": state["update"],
        "buffers": [np.ascontiguousarray(b, dtype=dtype) for b in state["buffers"]],
        "n_adam_steps": int(state["n_adam_steps"]),
    }


def state_buffers(state, dtype):
    """The two state arguments of ``Engine.run_epoch`` (empty when unused)."""
    empty = np.empty(0, dtype=dtype)
    buffers = list(state["buffers"]) + [empty, empty]
    return buffers[0], buffers[1]
