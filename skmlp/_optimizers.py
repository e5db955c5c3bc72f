"""Optimizers: an update rule of the compiled engine and the state it keeps.

Each optimizer names its state buffers (momentum's ``velocity``, Adam's
moments ``m`` and ``v``), arrays with the flat parameter buffer's layout, and
counts its steps in ``n_steps``. The engine updates them in place, in the
same fused pass as the weights; the optimizer is consulted once per fit, when
the engine is built, never per minibatch.

The state is kept on the estimator between ``partial_fit`` calls and
warm-started fits as plain data (:meth:`Optimizer.state`), so that pickle and
skops store it: MLPClassifier resets it, which makes a resumed fit take a
different path from an uninterrupted one.

A new optimizer is a subclass here (its name, update code, buffers and
hyper-parameters) plus its update code and kernel in the engine
(``skmlp/_engine/_types.pxd`` and ``_update_rules.pyx``). The estimator's
solvers are :class:`Solver` records in :data:`SOLVERS`, which say how each
trains and with which optimizer; the estimator, the fit loop and the command
line read them.
"""

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from sklearn.externals.array_api_compat import array_namespace

from ._array_api._namespace import is_array_api_array
from ._engine._types import Update


class Optimizer:
    """An update rule of the engine, its hyper-parameters and its state.

    Parameters
    ----------
    n_params : int
        Size of the flat parameter buffer.
    dtype : {np.float32, np.float64}
        The training dtype, of the state buffers too.
    learning_rate : float
        The base step size (a schedule may change the engine's between epochs).
    **hyper_parameters : float
        This rule's other settings, by the names in ``hyper_parameter_names``.

    Attributes
    ----------
    buffers : dict of str to ndarray of shape (n_params,)
        The state buffers, by name, zero to start with.
    step_counter : ndarray of shape (1,), dtype=longlong
        Steps taken so far; the engine increments it in place.
    """

    #: Name stored in the state, and checked when resuming from it.
    name = None
    #: The engine's update code.
    update = None
    #: State buffers, in the order the engine's kernels take them.
    buffer_names = ()
    #: Those that hold no negative value (a checkpoint's are checked).
    nonnegative_buffers = ()
    #: Settings besides learning_rate, as the engine's Hyper struct names them:
    #: every one its update rule reads (``rule_settings`` of
    #: ``skmlp._engine._update_rules``).
    hyper_parameter_names = ()

    def __init__(self, n_params, dtype, *, learning_rate, **hyper_parameters):
        unknown = set(hyper_parameters) - set(self.hyper_parameter_names)
        if unknown:
            raise TypeError(
                f"{type(self).__name__} takes no hyper-parameter {sorted(unknown)}."
            )
        self.learning_rate = float(learning_rate)
        self.hyper_parameters = {
            name: float(hyper_parameters[name]) for name in self.hyper_parameter_names
        }
        self.buffers = {
            name: np.zeros(n_params, dtype=dtype) for name in self.buffer_names
        }
        self.step_counter = np.zeros(1, dtype=np.longlong)

    @property
    def n_steps(self):
        """Training steps taken so far (Adam's bias correction counts them)."""
        return int(self.step_counter[0])

    def hyper(self):
        """Every setting the engine's kernels read for this rule, by name: its
        update code, the learning rate and ``hyper_parameter_names``'s
        settings. The engine refuses a rule whose settings are missing here,
        or named otherwise: none takes a default."""
        return {
            "update": self.update,
            "learning_rate": self.learning_rate,
            **self.hyper_parameters,
        }

    def engine_buffers(self):
        """The state buffers in the order the engine's kernels take them."""
        return tuple(self.buffers[name] for name in self.buffer_names)

    def state(self):
        """The state as plain data: ``{"name", "buffers", "n_steps"}``.

        The buffers are the optimizer's own arrays, not copies.
        """
        return {
            "name": self.name,
            "buffers": dict(self.buffers),
            "n_steps": self.n_steps,
        }

    def load_state(self, state):
        """Continue from ``state`` (from :meth:`state`) if it is this rule's.

        The buffers are copied (converted to this optimizer's dtype): the
        stored state stays as it was while this optimizer trains. Buffers of
        another array API namespace than NumPy's (state trained on a device)
        are copied there, for the array API engine, which converts them.

        Returns
        -------
        bool
            Whether the state was taken; when it is not (another rule, another
            layout, nothing stored), the optimizer keeps its zero state.
        """
        if not self._fits(state):
            return False
        for name, buffer in self.buffers.items():
            stored = state["buffers"][name]
            if is_array_api_array(stored):
                # State kept on another namespace's device stays there.
                self.buffers[name] = array_namespace(stored).asarray(stored, copy=True)
            else:
                buffer[...] = stored
        self.step_counter[0] = int(state["n_steps"])
        return True

    def _fits(self, state):
        try:
            return (
                state["name"] == self.name
                and set(state["buffers"]) == set(self.buffer_names)
                and all(
                    np.shape(state["buffers"][name]) == buffer.shape
                    for name, buffer in self.buffers.items()
                )
            )
        except (TypeError, KeyError):
            return False


class SGD(Optimizer):
    """Plain minibatch SGD: ``w -= lr * g``."""

    name = "sgd"
    update = Update.SGD


class Momentum(Optimizer):
    """SGD with momentum: ``v = momentum * v - lr * g; w += v``."""

    name = "momentum"
    update = Update.MOMENTUM
    buffer_names = ("velocity",)
    hyper_parameter_names = ("momentum",)


class Nesterov(Optimizer):
    """SGD with Nesterov's momentum, as MLPClassifier's
    (``w += momentum * v - lr * g`` after the velocity's update)."""

    name = "nesterov"
    update = Update.NESTEROV
    buffer_names = ("velocity",)
    hyper_parameter_names = ("momentum",)


class Adam(Optimizer):
    """Kingma & Ba's Adam, with the first and second moments ``m`` and ``v``."""

    name = "adam"
    update = Update.ADAM
    buffer_names = ("m", "v")
    nonnegative_buffers = ("v",)
    hyper_parameter_names = ("beta_1", "beta_2", "epsilon")


class GradientOnly(Optimizer):
    """No update: the engine computes the objective's gradient, for L-BFGS
    (SciPy's L-BFGS-B keeps its own state)."""

    name = "lbfgs"
    update = Update.GRADIENT


#: The optimizers of the minibatch solvers, by name: those whose state a
#: checkpoint holds (skmlp._checkpoint_file).
CHECKPOINT_OPTIMIZERS = {cls.name: cls for cls in (SGD, Momentum, Nesterov, Adam)}


class Solver(NamedTuple):
    """A value of the estimator's ``solver``: how it trains and what it reads.

    Attributes
    ----------
    name : str
        The estimator's ``solver`` value.
    minibatch : bool
        Trains epoch by epoch on minibatches, through the engine's update
        rules; else minimises the full-batch objective (L-BFGS).
    partial_fit : bool
        Offers ``partial_fit``.
    validation : bool
        Watches a validation set: holds one out with ``early_stopping``.
    optimizer : callable
        ``optimizer(settings)`` is the :class:`Optimizer` subclass that
        trains with the estimator's ``settings`` (its parameters, by name).
    parameters : frozenset of str
        The estimator parameters it reads beyond those every solver reads
        (the network, the penalties, ``max_iter``, ``tol``, ...).
    description : str
        What it is, in a few words (the command line's help).
    """

    name: str
    minibatch: bool
    partial_fit: bool
    validation: bool
    optimizer: Callable
    parameters: frozenset
    description: str


def _sgd_rule(settings):
    if settings["momentum"] == 0:
        return SGD
    return Nesterov if settings["nesterov"] else Momentum


# What the minibatch solvers read, whatever their update rule.
_MINIBATCH_PARAMETERS = frozenset(
    {
        "learning_rate",
        "batch_size",
        "shuffle",
        "lr_schedule",
        "power_t",
        "decay",
        "n_iter_no_change",
        "early_stopping",
        "validation_fraction",
        "dropout",
        "augment",
        "max_norm",
    }
)

#: The estimator's solvers, by name.
SOLVERS = {
    solver.name: solver
    for solver in (
        Solver(
            "sgd",
            minibatch=True,
            partial_fit=True,
            validation=True,
            optimizer=_sgd_rule,
            parameters=_MINIBATCH_PARAMETERS | {"momentum", "nesterov"},
            description="minibatch SGD",
        ),
        Solver(
            "adam",
            minibatch=True,
            partial_fit=True,
            validation=True,
            optimizer=lambda settings: Adam,
            parameters=_MINIBATCH_PARAMETERS | {"beta_1", "beta_2", "epsilon"},
            description="minibatch Adam",
        ),
        Solver(
            "lbfgs",
            minibatch=False,
            partial_fit=False,
            validation=False,
            optimizer=lambda settings: GradientOnly,
            parameters=frozenset({"max_fun"}),
            description="full-batch L-BFGS",
        ),
    )
}


def solvers_reading(parameter):
    """The names of the solvers that read the estimator's ``parameter``."""
    return [name for name, solver in SOLVERS.items() if parameter in solver.parameters]


def make_optimizer(solver, n_params, dtype, settings, state=None):
    """The optimizer of the estimator's settings, continuing from ``state``
    when it was stored by the same update rule for the same layout.

    Parameters
    ----------
    solver : Solver
    n_params : int
    dtype : {np.float32, np.float64}
    settings : mapping
        The estimator's parameters, by name: ``learning_rate`` and those of
        the optimizer's ``hyper_parameter_names`` (``solver='sgd'`` with
        ``momentum=0`` is plain SGD).
    state : dict or None
        From :meth:`Optimizer.state`, as stored on the estimator.

    Returns
    -------
    Optimizer
    """
    cls = solver.optimizer(settings)
    optimizer = cls(
        n_params,
        dtype,
        learning_rate=settings["learning_rate"],
        **{name: settings[name] for name in cls.hyper_parameter_names},
    )
    if state is not None:
        optimizer.load_state(state)
    return optimizer
