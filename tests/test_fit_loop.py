"""The fitter of :mod:`skmlp._fit_loop`, built and run on its own from one
FitConfig: with the compiled engine, and with a scripted stand-in engine
where the loop's decisions (recording, rollback, patience, the adaptive
step, Ctrl-C) are clearer to drive than through real training, as
scikit-learn's ``test_grower.py`` drives ``TreeGrower``."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning

from skmlp._engine._config import EngineConfig
from skmlp._engine._types import Status
from skmlp._fit_loop import FitConfig, Fitter, TrainingData, TrainingSettings
from skmlp._layers import ACTIVATIONS, OUTPUT_LAYERS
from skmlp._network import ParameterLayout, initialize
from skmlp._optimizers import SOLVERS, make_optimizer
from skmlp._progress import Progress

N_FEATURES, N_CLASSES, N_SAMPLES = 6, 3, 60

SETTINGS = dict(
    activation="tanh",
    learning_rate=0.1,
    lr_schedule="constant",
    power_t=0.5,
    decay=0.01,
    l1=0.0,
    l2=0.0,
    batch_size=10,
    max_iter=5,
    max_fun=15000,
    tol=1e-4,
    n_iter_no_change=10,
    early_stopping=False,
    validation_fraction=0.2,
    shuffle=True,
    verbose=0,
)


def make_config(solver="sgd", early_stopping=False, make_engine=None, **settings):
    """A FitConfig of a small separable problem, as the estimator would build
    it: no estimator, hence no callbacks."""
    rng = np.random.RandomState(0)
    y = np.arange(N_SAMPLES) % N_CLASSES
    X = rng.normal(scale=0.3, size=(N_SAMPLES, N_FEATURES))
    X[:, :N_CLASSES] += 2 * np.eye(N_CLASSES)[y]
    layout = ParameterLayout([N_FEATURES, 5, N_CLASSES])
    settings = {**SETTINGS, "early_stopping": early_stopping, **settings}
    solver = SOLVERS[solver]
    params = initialize(
        layout,
        init="glorot_uniform",
        init_scale=None,
        output_init="same",
        activation=settings["activation"],
        random_state=rng,
        dtype=np.float64,
    )
    optimizer = make_optimizer(
        solver,
        layout.n_params,
        np.float64,
        {**settings, "momentum": 0.9, "nesterov": True},
    )
    extra = {} if make_engine is None else {"make_engine": make_engine}
    return FitConfig(
        settings=TrainingSettings(solver=solver, dropout=np.zeros(1), **settings),
        data=TrainingData(
            X,
            y,
            y.astype(np.intc),
            np.ones(N_SAMPLES),
            None,
            OUTPUT_LAYERS["softmax"],
        ),
        layout=layout,
        params=params,
        optimizer=optimizer,
        progress=Progress.fresh(watches_validation=early_stopping),
        random_state=np.random.RandomState(1),
        model_attributes={"classes_": np.arange(N_CLASSES)},
        **extra,
    )


class ScriptedEngine:
    """A stand-in for the compiled engine: each epoch reports the next
    scripted (status, loss) and, if asked, writes into the weights or raises
    KeyboardInterrupt; it records the configuration and step sizes it got."""

    def __init__(self, script, scramble=False, interrupt_at=None):
        self.script = list(script)
        self.scramble = scramble
        self.interrupt_at = interrupt_at
        self.config = None
        self.learning_rates = []
        self.learning_rate = None

    def __call__(self, config):
        self.config = config
        return self

    def uninformed_objective(self, params):
        return np.log(N_CLASSES)

    def run_epoch(self, rows, params, epoch=0):
        self.learning_rates.append(self.learning_rate)
        if len(self.learning_rates) == self.interrupt_at:
            self.n_samples_done = rows.n_rows // 2
            raise KeyboardInterrupt
        status, loss = self.script[len(self.learning_rates) - 1]
        params += 0.01  # training moves the weights
        if self.scramble and status == Status.DIVERGED:
            params[:] = np.nan
        self.loss_sum, self.weight_sum = loss * rows.n_rows, rows.n_rows
        self.n_samples_done = rows.n_rows
        return status


def completed(*losses):
    return [(Status.COMPLETED, loss) for loss in losses]


def test_fitter_trains_from_one_config_with_the_compiled_engine():
    config = make_config(max_iter=30, n_iter_no_change=30)
    start = config.params.copy()
    fitter = Fitter(config)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitter.run()

    attributes = fitter.fitted_attributes()
    assert attributes["n_iter_"] == 30 and len(attributes["loss_curve_"]) == 30
    assert attributes["loss_curve_"][-1] < 0.5 * attributes["loss_curve_"][0]
    assert attributes["t_"] == 30 * N_SAMPLES
    assert_array_equal(attributes["classes_"], np.arange(N_CLASSES))
    # The fitter trained its own buffer, which the weights are views of.
    assert not np.array_equal(config.params, start)
    assert np.shares_memory(attributes["coefs_"][0], config.params)
    assert attributes["_optimizer_state"]["name"] == "nesterov"


def test_the_engine_is_built_from_the_fits_settings():
    engine = ScriptedEngine(completed(1.0))
    config = make_config(
        make_engine=engine, max_iter=1, l1=0.01, l2=0.02, batch_size="auto"
    )
    with pytest.warns(ConvergenceWarning, match=r"maximum iterations \(1\)"):
        Fitter(config).run()

    assert isinstance(engine.config, EngineConfig)
    assert engine.config.activation == ACTIVATIONS["tanh"].code
    assert engine.config.output == OUTPUT_LAYERS["softmax"].code
    assert engine.config.optimizer is config.optimizer
    assert (engine.config.l1, engine.config.l2) == (0.01, 0.02)
    # 'auto': min(200, n_samples).
    assert engine.config.batch_size == N_SAMPLES


def test_each_epoch_is_recorded_with_its_step_size():
    engine = ScriptedEngine(completed(1.0, 0.8, 0.7))
    config = make_config(
        make_engine=engine, max_iter=3, lr_schedule="inverse_time", decay=0.5
    )
    with pytest.warns(ConvergenceWarning, match=r"maximum iterations \(3\)"):
        Fitter(config).run()

    progress = config.progress
    assert progress.loss_curve_ == [1.0, 0.8, 0.7] and progress.loss_ == 0.7
    expected_rates = [0.1 / (1 + 0.5 * epoch) for epoch in range(3)]
    assert_allclose(engine.learning_rates, expected_rates)
    assert_allclose(progress.learning_rate_curve_, expected_rates)
    assert progress.t_ == 3 * N_SAMPLES and progress.best_loss_ == 0.7
    assert progress.validation_scores_ is None


def test_a_diverged_epoch_is_rolled_back_and_ends_the_fit():
    engine = ScriptedEngine(
        [*completed(1.0, 0.9), (Status.DIVERGED, np.nan)], scramble=True
    )
    config = make_config(make_engine=engine, max_iter=5)
    fitter = Fitter(config)
    with pytest.warns(ConvergenceWarning, match="Training diverged in epoch 3"):
        fitter.run()

    # Two epochs kept; the weights those two left, not the scrambled ones.
    assert config.progress.loss_curve_ == [1.0, 0.9]
    assert len(engine.learning_rates) == 3
    assert np.isfinite(config.params).all()


def test_patience_stops_the_fit():
    engine = ScriptedEngine(completed(*[1.0] * 10))
    config = make_config(make_engine=engine, max_iter=10, n_iter_no_change=2)
    Fitter(config).run()

    # The first epoch improves on inf; three more without improvement exceed
    # a patience of 2.
    assert config.progress.n_iter_ == 4


def test_the_adaptive_schedule_divides_the_step_on_a_plateau():
    engine = ScriptedEngine(completed(*[1.0] * 6))
    config = make_config(
        make_engine=engine, max_iter=6, n_iter_no_change=1, lr_schedule="adaptive"
    )
    with pytest.warns(ConvergenceWarning, match="maximum iterations"):
        Fitter(config).run()

    assert_allclose(engine.learning_rates, [0.1, 0.1, 0.1, 0.02, 0.02, 0.004])


def test_ctrl_c_ends_the_fit_with_the_model_of_that_point():
    engine = ScriptedEngine(completed(1.0, 0.9, 0.8), interrupt_at=2)
    config = make_config(make_engine=engine, max_iter=3)
    fitter = Fitter(config)
    with pytest.raises(KeyboardInterrupt, match="training stopped by Ctrl-C"):
        fitter.run()

    attributes = fitter.fitted_attributes()
    assert attributes["loss_curve_"] == [1.0] and attributes["n_iter_"] == 1
    # The samples of the interrupted epoch's finished minibatches count.
    assert attributes["t_"] == N_SAMPLES + N_SAMPLES // 2


def test_early_stopping_holds_out_a_validation_set_and_keeps_the_best_epoch():
    config = make_config(early_stopping=True, max_iter=40, n_iter_no_change=3)
    fitter = Fitter(config)
    n_validation = int(np.ceil(0.2 * N_SAMPLES))
    assert fitter.rows.n_rows == N_SAMPLES - n_validation
    assert len(fitter.validation[1]) == n_validation
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitter.run()

    progress = config.progress
    scores = progress.validation_scores_
    assert len(scores) == progress.n_iter_ == len(progress.validation_loss_curve_)
    assert progress.best_validation_score_ == max(scores)
    assert progress.best_loss_ is None
    assert np.all(np.isfinite(progress.validation_loss_curve_))


def test_the_validation_loss_is_the_output_layers_mean_loss():
    """The validation loss comes from the engine's loss kernel: the mean
    cross-entropy of the validation rows, which NumPy recomputes here."""
    config = make_config(max_iter=2)
    X_val, y_val = config.data.X[:20], config.data.y_codes[:20]
    weight = np.linspace(0.5, 2.0, 20)
    config = FitConfig(
        **{
            **vars(config),
            "data": config.data._replace(validation=(X_val, y_val, weight)),
        }
    )
    fitter = Fitter(config)
    score, loss = fitter._validation_result()

    coefs, intercepts = config.layout.views(config.params)
    hidden = np.tanh(X_val @ coefs[0] + intercepts[0])
    logits = hidden @ coefs[1] + intercepts[1]
    log_proba = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    expected = np.average(-log_proba[np.arange(20), y_val], weights=weight)
    assert_allclose(loss, expected, rtol=1e-12)
    correct = np.argmax(logits, axis=1) == y_val
    assert_allclose(score, np.average(correct, weights=weight), rtol=1e-12)


def test_lbfgs_trains_on_the_full_batch_and_keeps_no_optimizer_state():
    config = make_config(solver="lbfgs", max_iter=15)
    fitter = Fitter(config)
    assert fitter.batch_size == N_SAMPLES
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitter.run()

    attributes = fitter.fitted_attributes()
    assert attributes["_optimizer_state"] is None
    assert 0 < attributes["n_iter_"] <= 15
    assert all(np.isnan(attributes["learning_rate_curve_"]))
    assert attributes["loss_curve_"][-1] < attributes["loss_curve_"][0]


def test_lbfgs_never_holds_out_a_validation_set():
    fitter = Fitter(make_config(solver="lbfgs", early_stopping=True))
    assert fitter.validation is None and fitter.rows.n_rows == N_SAMPLES
