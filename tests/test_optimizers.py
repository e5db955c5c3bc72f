"""The optimizer objects of :mod:`skmlp._optimizers`: names, update codes,
state buffers, and their state as plain data."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from skmlp import MLPDigitClassifier
from skmlp._engine._types import Update
from skmlp._engine._update_rules import n_state_buffers, rule_settings
from skmlp._optimizers import (
    SGD,
    SOLVERS,
    Adam,
    GradientOnly,
    Momentum,
    Nesterov,
    make_optimizer,
    solvers_reading,
)

OPTIMIZERS = [SGD, Momentum, Nesterov, Adam, GradientOnly]
SETTINGS = dict(learning_rate=0.01, momentum=0.9, nesterov=True)
SETTINGS.update(beta_1=0.9, beta_2=0.999, epsilon=1e-8)


def _optimizer(cls, n_params=6, dtype=np.float64):
    values = {"momentum": 0.8, "beta_1": 0.85, "beta_2": 0.99, "epsilon": 1e-7}
    return cls(
        n_params,
        dtype,
        learning_rate=0.05,
        **{name: values[name] for name in cls.hyper_parameter_names},
    )


@pytest.mark.parametrize(
    "cls, name, update, buffers",
    [
        (SGD, "sgd", Update.SGD, ()),
        (Momentum, "momentum", Update.MOMENTUM, ("velocity",)),
        (Nesterov, "nesterov", Update.NESTEROV, ("velocity",)),
        (Adam, "adam", Update.ADAM, ("m", "v")),
        (GradientOnly, "lbfgs", Update.GRADIENT, ()),
    ],
)
def test_each_optimizer_names_its_rule_and_buffers(cls, name, update, buffers):
    optimizer = _optimizer(cls, dtype=np.float32)
    assert optimizer.name == name and optimizer.update == update
    assert tuple(optimizer.buffers) == buffers
    # As many as the engine's kernels for that rule read and write.
    assert len(optimizer.engine_buffers()) == n_state_buffers(update)
    for buffer in optimizer.buffers.values():
        assert buffer.dtype == np.float32 and buffer.shape == (6,)
        assert not buffer.any()
    assert optimizer.n_steps == 0


@pytest.mark.parametrize(
    "solver, momentum, nesterov, cls",
    [
        ("sgd", 0.0, True, SGD),
        ("sgd", 0.9, False, Momentum),
        ("sgd", 0.9, True, Nesterov),
        ("adam", 0.9, True, Adam),
        ("lbfgs", 0.9, True, GradientOnly),
    ],
)
def test_make_optimizer_picks_the_rule_of_the_estimators_settings(
    solver, momentum, nesterov, cls
):
    settings = {**SETTINGS, "momentum": momentum, "nesterov": nesterov}
    optimizer = make_optimizer(SOLVERS[solver], 4, np.float64, settings)
    assert type(optimizer) is cls
    assert optimizer.learning_rate == 0.01
    assert set(optimizer.hyper_parameters) == set(cls.hyper_parameter_names)


@pytest.mark.parametrize("cls", OPTIMIZERS)
def test_hyper_gives_every_setting_its_rule_reads(cls):
    """hyper() is what the engine copies into its kernels' settings: the
    update code, the learning rate and each setting the rule reads."""
    hyper = _optimizer(cls).hyper()
    assert set(hyper) == {"update", "learning_rate", *rule_settings(cls.update)}
    assert hyper["update"] == cls.update and hyper["learning_rate"] == 0.05


def test_the_solver_records_are_the_estimators_choices():
    choices = MLPDigitClassifier._parameter_constraints["solver"][0].options
    assert set(SOLVERS) == choices
    for name, solver in SOLVERS.items():
        assert solver.name == name
        # A minibatch solver steps with an update rule and keeps its state;
        # a full-batch one only asks the engine for gradients.
        cls = solver.optimizer(SETTINGS)
        assert (cls.update != Update.GRADIENT) == solver.minibatch
        assert solver.partial_fit == solver.validation == solver.minibatch
        assert set(cls.hyper_parameter_names) <= solver.parameters


def test_solvers_reading_names_the_solvers_of_a_parameter():
    assert solvers_reading("momentum") == ["sgd"]
    assert solvers_reading("dropout") == ["sgd", "adam"]
    assert solvers_reading("max_fun") == ["lbfgs"]


def test_state_is_plain_data_that_round_trips():
    optimizer = _optimizer(Adam)
    optimizer.buffers["m"][:] = np.arange(6)
    optimizer.buffers["v"][:] = 0.5
    optimizer.step_counter[0] = 42
    state = optimizer.state()
    assert state["name"] == "adam" and state["n_steps"] == 42
    assert type(state["n_steps"]) is int
    assert set(state["buffers"]) == {"m", "v"}

    loaded = pickle.loads(pickle.dumps(state))
    resumed = _optimizer(Adam)
    assert resumed.load_state(loaded)
    assert resumed.n_steps == 42
    for name in ("m", "v"):
        assert_array_equal(resumed.buffers[name], optimizer.buffers[name])
        # A copy: training the resumed optimizer leaves the stored state alone.
        assert not np.shares_memory(resumed.buffers[name], loaded["buffers"][name])


def test_state_converts_to_the_training_dtype():
    optimizer = _optimizer(Momentum)
    optimizer.buffers["velocity"][:] = 0.1
    resumed = _optimizer(Momentum, dtype=np.float32)
    assert resumed.load_state(optimizer.state())
    assert resumed.buffers["velocity"].dtype == np.float32
    assert_array_equal(resumed.buffers["velocity"], np.float32(0.1))


@pytest.mark.parametrize(
    "state",
    [
        None,
        {"name": "nesterov", "buffers": {"velocity": np.ones(6)}, "n_steps": 3},
        {"name": "momentum", "buffers": {"velocity": np.ones(5)}, "n_steps": 3},
        {"name": "momentum", "buffers": {"m": np.ones(6)}, "n_steps": 3},
        # The state of skmlp versions before the optimizer objects.
        {"update": 1, "buffers": [np.ones(6)], "n_adam_steps": 0},
        "garbage",
    ],
    ids=["none", "other-rule", "other-layout", "other-buffers", "old-format", "str"],
)
def test_state_of_another_rule_or_layout_is_not_taken(state):
    optimizer = _optimizer(Momentum)
    assert not optimizer.load_state(state)
    assert not optimizer.buffers["velocity"].any() and optimizer.n_steps == 0


def test_optimizers_refuse_hyper_parameters_of_other_rules():
    with pytest.raises(TypeError, match="momentum"):
        Adam(3, np.float64, learning_rate=0.1, momentum=0.9)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_the_estimator_stores_the_state_as_plain_data(digits, solver):
    """The fitted estimator holds only NumPy arrays and Python scalars: its
    optimizer state is a dict of a name, a step count and named arrays."""
    X, y = digits
    clf = MLPDigitClassifier((8,), solver=solver, max_iter=2, random_state=0)
    clf.fit(X, y)
    state = clf._optimizer_state
    assert state["name"] == ("adam" if solver == "adam" else "nesterov")
    assert isinstance(state["n_steps"], int)
    n_batches = -(-len(X) // 200)
    assert state["n_steps"] == (2 * n_batches if solver == "adam" else 0)
    for buffer in state["buffers"].values():
        assert type(buffer) is np.ndarray and buffer.shape == (
            64 * 8 + 8 + 8 * 10 + 10,
        )
