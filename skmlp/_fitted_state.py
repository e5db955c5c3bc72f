"""Checks of a fitted model read from a file, before anything uses it.

A ``.skops`` file may hold only types skmlp trusts and still carry attributes
``fit`` never makes (``coefs_=[]``, ``out_activation_=["softmax"]``, a
Pipeline step of three items): whoever wrote it chose every value. Prediction
indexes, multiplies and looks these up, so they are checked here, once, for
type and shape, and any fault is a ``ValueError`` naming the attribute:

- :func:`check_network_state`: the fitted state of an
  :class:`~skmlp.MLPDigitClassifier` (the chain of ``coefs_`` and
  ``intercepts_`` shapes from ``n_features_in_`` to one output per class,
  ``classes_``, ``out_activation_``, ``activation``). The estimator runs it
  whenever pickle, joblib or skops restores one (:class:`CheckedStateMixin`),
  so a forged file fails as it loads, in Python too.
- :func:`check_fitted_model`: a model as the command line loads it, a
  classifier or a Pipeline (a list of ``(name, step)`` pairs ending in one),
  every MLPDigitClassifier in it checked as above.
"""

import numbers
import reprlib

import numpy as np

from ._layers import ACTIVATIONS, OUTPUT_LAYERS

__all__ = ["CheckedStateMixin", "check_fitted_model", "check_network_state"]

# The attributes prediction reads; a state with coefs_ must hold them all
# (out_activation_ may be missing: models saved before it existed are softmax).
_REQUIRED = ("coefs_", "intercepts_", "classes_", "n_features_in_", "activation")


def check_network_state(state, where="MLPDigitClassifier"):
    """Raise ValueError unless ``state`` is a fitted network's state as
    ``fit`` makes it.

    Parameters
    ----------
    state : dict
        The estimator's attributes (its ``__dict__``); a state without
        ``coefs_`` is not fitted and is not checked.
    where : str, default="MLPDigitClassifier"
        How messages name the estimator.

    Raises
    ------
    ValueError
        Naming the attribute and what is wrong with it.
    """
    if "coefs_" not in state:
        return
    missing = [name for name in _REQUIRED if name not in state]
    if missing:
        raise ValueError(f"{where} is damaged: it has no {', '.join(missing)}.")
    n_features = state["n_features_in_"]
    if not _is_count(n_features):
        raise _damaged(where, "n_features_in_", n_features, "a positive integer")
    coefs = _layers(state, "coefs_", 2, where)
    intercepts = _layers(state, "intercepts_", 1, where)
    if len(intercepts) != len(coefs):
        raise ValueError(
            f"{where} is damaged: coefs_ holds {len(coefs)} layers but intercepts_ "
            f"{len(intercepts)}."
        )
    n_inputs = n_features
    for index, (coef, intercept) in enumerate(zip(coefs, intercepts, strict=True)):
        if coef.shape[0] != n_inputs:
            raise ValueError(
                f"{where} is damaged: coefs_[{index}] has shape {coef.shape}, but "
                f"its layer has {n_inputs} inputs"
                + (" (n_features_in_)." if index == 0 else ".")
            )
        if coef.shape[1] < 1:
            raise ValueError(
                f"{where} is damaged: coefs_[{index}] has shape {coef.shape}: a "
                "layer without units."
            )
        if intercept.shape != (coef.shape[1],):
            raise ValueError(
                f"{where} is damaged: intercepts_[{index}] has shape "
                f"{intercept.shape}, not ({coef.shape[1]},) as coefs_[{index}]."
            )
        n_inputs = coef.shape[1]
    classes = state["classes_"]
    if not (
        isinstance(classes, np.ndarray)
        and classes.ndim == 1
        and len(classes) == n_inputs
        and _are_labels(classes)
    ):
        raise _damaged(
            where,
            "classes_",
            classes,
            f"a 1-D array of {n_inputs} labels (numbers or strings), one per "
            "output unit",
        )
    for name, table in (
        ("out_activation_", OUTPUT_LAYERS),
        ("activation", ACTIVATIONS),
    ):
        if name in state and not (
            isinstance(state[name], str) and state[name] in table
        ):
            raise _damaged(where, name, state[name], f"one of {sorted(table)}")


def check_fitted_model(model, where="the model"):
    """Raise ValueError unless ``model`` is a fitted classifier, or a Pipeline
    of ``(name, step)`` pairs ending in one, whose MLPDigitClassifiers hold
    the state ``fit`` makes.

    Parameters
    ----------
    model : object
        What a model file held.
    where : str, default="the model"
        How messages name it.

    Raises
    ------
    ValueError
        Naming the fault (the step, the attribute).
    """
    from sklearn.pipeline import Pipeline

    from ._classifier import MLPDigitClassifier

    steps = [model]
    if isinstance(model, Pipeline):
        steps = _pipeline_steps(model, where)
    for position, step in enumerate(steps):
        if isinstance(step, Pipeline):
            raise ValueError(f"{where} is damaged: it nests a Pipeline in a Pipeline.")
        if isinstance(step, MLPDigitClassifier):
            name = type(step).__name__
            if step is not model:
                name += f" (step {position} of the Pipeline)"
            check_network_state(step.__dict__, where=name)
    final = steps[-1]
    if not (hasattr(final, "predict") and hasattr(final, "classes_")):
        raise ValueError(
            f"{where} holds a {type(final).__name__}, not a fitted classifier."
        )


def _pipeline_steps(pipeline, where):
    """The steps of ``pipeline``, refused unless a non-empty list of
    ``(name, step)`` pairs with distinct string names, every step but the
    last a transformer (or 'passthrough')."""
    steps = getattr(pipeline, "steps", None)
    if not isinstance(steps, list | tuple) or not steps:
        raise _damaged(where, "Pipeline.steps", steps, "a non-empty list")
    names = []
    for position, pair in enumerate(steps):
        if not (isinstance(pair, tuple | list) and len(pair) == 2):
            raise _damaged(
                where, f"step {position} of the Pipeline", pair, "a (name, step) pair"
            )
        name, step = pair
        if not isinstance(name, str) or name in names:
            raise _damaged(
                where,
                f"the name of step {position} of the Pipeline",
                name,
                "a string of its own",
            )
        names.append(name)
        last = position == len(steps) - 1
        if not last and not (
            step is None
            or (isinstance(step, str) and step == "passthrough")
            or hasattr(step, "transform")
        ):
            raise _damaged(
                where,
                f"step {position} of the Pipeline",
                step,
                "a transformer (only the last step classifies)",
            )
    return [step for _, step in steps]


def _layers(state, name, ndim, where):
    """``state[name]`` as a list of float arrays of ``ndim`` dimensions."""
    layers = state[name]
    if not (
        isinstance(layers, list | tuple)
        and layers
        and all(
            isinstance(layer, np.ndarray)
            and layer.ndim == ndim
            and layer.dtype in (np.float32, np.float64)
            for layer in layers
        )
    ):
        kind = "matrices" if ndim == 2 else "vectors"
        raise _damaged(
            where,
            name,
            layers,
            f"a non-empty list of float32 or float64 {kind}, one per layer",
        )
    return list(layers)


def _is_count(value):
    return (
        isinstance(value, numbers.Integral)
        and not isinstance(value, bool | np.bool_)
        and value > 0
    )


def _are_labels(classes):
    """Whether an array holds labels fit could have made: numbers, strings
    or bools (an object array, only those)."""
    if classes.dtype.kind in "biufUS":
        return True
    if classes.dtype.kind != "O":
        return False
    return all(isinstance(c, str | numbers.Number) for c in classes)


def _damaged(where, name, value, expected):
    """The ValueError for an attribute ``name`` holding ``value``."""
    shown = reprlib.repr(value)
    if not shown.isprintable():
        shown = repr(shown)
    return ValueError(f"{where} is damaged: {name} is {shown}, not {expected}.")


class CheckedStateMixin:
    """Check the fitted state that pickle, joblib or skops restores.

    Put it first in an estimator's bases: its ``__setstate__`` lets the
    others restore the state, then raises ValueError (naming the attribute)
    if the state is not what ``fit`` makes, before anything can use it.
    """

    def __setstate__(self, state):
        super().__setstate__(state)
        check_network_state(self.__dict__, where=type(self).__name__)
