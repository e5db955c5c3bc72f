"""The fitter: the training loop of one fit, for every solver.

:class:`Fitter` takes what the estimator validated, as one
:class:`FitConfig` (the data, the network's layout and starting weights,
the optimizer, the progress of earlier fits), and trains: the minibatch
solvers epoch by epoch (learning-rate schedules, shuffling, divergence and
rollback, the loss curve, patience and the adaptive step, the best weights
of early stopping), L-BFGS iteration by iteration. It holds out the
validation rows of early stopping (:mod:`skmlp._holdout`) and records the
validation scores. It alone calls the callbacks and handles Ctrl-C, for both
kinds of solver.

The fitter trains its own buffers and never touches the estimator's fitted
attributes: :meth:`Fitter.fitted_attributes` gives the new ones, which the
estimator publishes together when the fit ends.

At the end of each epoch of a minibatch ``fit``, the model the callbacks see
also carries the fit's :meth:`Fitter.training_state`, which
:class:`skmlp.Checkpoint` writes; a fit configured with such a state
(``FitConfig.resume``) goes on from it, with the same steps as the fit that
wrote it.

The training data picks the engine (:func:`skmlp._backends.backend_for`):
the compiled one for NumPy arrays and sparse matrices, the array API one
(:mod:`skmlp._array_api`) for arrays of another namespace under
scikit-learn's array API dispatch, whose weights stay in X's namespace and
on its device. The loop is the same for both: it touches the weights only
through array API calls.
"""

import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.externals.array_api_compat import array_namespace

from ._array_api._namespace import numpy_dtype
from ._backends import COMPILED, backend_for
from ._callbacks import NO_CALLBACKS
from ._engine._config import EngineConfig
from ._engine._predict import output_inplace, output_loss
from ._engine._types import Status
from ._engine_reuse import forget_engine, keep_engine, reuse_key, take_engine
from ._fit_random_state import FitRandomState
from ._holdout import held_out_data, hold_out
from ._layers import ACTIVATIONS, OUTPUT_LAYERS
from ._network import overflow_limit
from ._progress import Progress
from ._schedules import scheduled_learning_rate
from ._threads import blas_threads_for_fit, flops_per_step
from ._training_state import TrainingState, data_digest

# Aim for a Ctrl-C check about every 1e8 floating-point operations (~10 ms).
_FLOPS_BETWEEN_SIGNAL_CHECKS = 1e8

# Rows per chunk of L-BFGS's full-batch passes: bounds the engine's buffers.
_LBFGS_CHUNK_ROWS = 2048


class TrainingSettings(NamedTuple):
    """The estimator's parameters that the training loop reads, validated."""

    solver: object  # a skmlp._optimizers.Solver record
    activation: str  # a key of skmlp._layers.ACTIVATIONS
    learning_rate: float
    lr_schedule: str
    power_t: float
    decay: float
    l1: float
    l2: float
    batch_size: object  # int or "auto"
    max_iter: int
    max_fun: int
    tol: float
    n_iter_no_change: int
    early_stopping: bool
    validation_fraction: float
    shuffle: bool
    verbose: int
    dropout: np.ndarray  # one rate per hidden layer, validated
    augment: object = None  # a validated DigitAugmentation, or None
    max_norm: float | None = None
    label_smoothing: float = 0.0  # of the softmax output's targets


class TrainingData(NamedTuple):
    """What a fit trains on, validated."""

    # ndarray or CSR matrix, float32 or float64; or, under array API
    # dispatch, an array of another namespace (on its device).
    X: object
    y: np.ndarray  # labels, as given (for the callbacks)
    # Positions of the labels in classes_ (intc); for multilabel targets, the
    # C-contiguous 0/1 indicator matrix (uint8), one column per label.
    y_codes: np.ndarray
    sample_weight: np.ndarray  # of X's dtype, times the class weights
    # (X_val, y_val codes, sample_weight_val), or None; X_val of X's namespace.
    validation: tuple | None
    output: object = OUTPUT_LAYERS["softmax"]  # the skmlp._layers.OutputLayerKind


@dataclass(frozen=True)
class FitConfig:
    """Everything one fit trains with, validated by the estimator.

    Attributes
    ----------
    settings : TrainingSettings
    data : TrainingData
    layout : skmlp._network.ParameterLayout
    params : array of shape (layout.n_params,)
        The starting weights, trained in place; the fitter's own buffer, in
        X's namespace and on its device.
    optimizer : skmlp._optimizers.Optimizer
        Its state is updated in place.
    progress : skmlp._progress.Progress
        Updated in place.
    random_state : skmlp._fit_random_state.FitRandomState or RandomState
        For the early-stopping split and the seed of this fit's streams.
    incremental : bool, default=False
        One epoch of ``partial_fit``.
    model_attributes : dict, default={}
        The new model's fitted attributes that training does not change
        (``classes_``, ``n_features_in_``, ...): part of the fitted
        attributes and of the snapshots the callbacks see.
    estimator : object or None, default=None
        The estimator being fitted: the callbacks are its own and are told
        of it; its fitted attributes are left alone. None: no callbacks.
    make_engine : callable or None, default=None
        Builds the engine from its
        :class:`~skmlp._engine._config.EngineConfig`; None for the engine of
        the data's backend (the compiled one for NumPy arrays); a stand-in
        in tests.
    parameters : dict or None, default=None
        The estimator's parameters in the form a checkpoint records them
        (:func:`skmlp._training_state.canonical_parameters`); None: the fit's
        epochs give the callbacks no training state to checkpoint.
    resume : skmlp._training_state.TrainingState or None, default=None
        The state of an earlier fit at the end of one of its epochs, checked
        against this fit (:func:`skmlp._training_state.check_resumable`):
        ``params``, ``optimizer`` and ``progress`` already hold its weights,
        optimizer state and progress; the fitter takes the rest (rows,
        random streams, step size, best weights) and goes on from there.
    """

    settings: TrainingSettings
    data: TrainingData
    layout: object
    params: np.ndarray
    optimizer: object
    progress: Progress
    random_state: object
    incremental: bool = False
    model_attributes: dict = field(default_factory=dict)
    estimator: object = None
    make_engine: Callable | None = None
    parameters: dict | None = None
    resume: object = None


class Fitter:
    """One fit of a network: the training loop and what it records.

    Parameters
    ----------
    config : FitConfig
    """

    def __init__(self, config):
        self.config = config
        self.estimator = config.estimator
        self.settings = settings = config.settings
        self.data = data = config.data
        self.layout = config.layout
        self.params = config.params
        self.optimizer = config.optimizer
        self.progress = progress = config.progress
        self.incremental = config.incremental
        self.model_attributes = config.model_attributes
        self._engine = self._engine_key = None
        # The engine of the data's arrays (compiled, or array API).
        self.backend = backend_for(data.X)
        self.resume = resume = config.resume
        self._data_digest = None if resume is None else resume.data_digest
        if resume is None:
            random_state = FitRandomState.of(config.random_state)
            train_rows, self.validation_rows, self.validation = self._split(
                data, random_state
            )
            self._draw_streams(random_state)
        else:
            train_rows = resume.train_order
            self.validation_rows = resume.validation_rows
            self.validation = self._resumed_validation(data)
            # The streams as they were at the end of the checkpoint's epoch.
            self.shuffle_rng = np.random.Generator(np.random.PCG64())
            self.shuffle_rng.bit_generator.state = resume.shuffle_state
            self.dropout_seed = resume.dropout_state
            self.augment_seed = resume.augment_seed
        if self.validation is not None:
            progress.start_validation_curves()
        if settings.solver.minibatch:
            self.batch_size = _effective_batch_size(
                settings.batch_size, len(train_rows)
            )
        else:
            self.batch_size = min(len(train_rows), _LBFGS_CHUNK_ROWS)
        self.rows = self.backend.make_rows(
            data.X,
            data.y_codes,
            data.sample_weight,
            train_rows,
            config.layout.n_units[-1],
        )

    def _draw_streams(self, random_state):
        """Seed this call's streams of shuffling, dropout masks and
        distortions, derived from ``random_state`` and the samples seen so
        far: the shuffling generator, the engine's dropout stream (whose
        state lives in the engine) and the augmentation's seed. A checkpoint
        stores where they are."""
        call_seed = random_state.stream_seed()
        t = self.progress.t_
        self.shuffle_rng = np.random.default_rng([call_seed, t])
        # Each seed is drawn only for a fit that uses it (0 otherwise): a
        # generator costs ~15 us, a tenth of a small partial_fit's own time.
        settings = self.settings
        self.dropout_seed = self.augment_seed = 0
        if settings.dropout.any():  # validated: rates in [0, 1)
            self.dropout_seed = int(
                np.random.default_rng([call_seed, t, 1]).integers(2**63)
            )
        if settings.augment is not None:
            self.augment_seed = int(
                np.random.default_rng([call_seed, t, 2]).integers(2**63)
            )

    def _split(self, data, random_state):
        """The training rows, the rows held out (or None), and the validation
        data (or None) to monitor: the user's ``X_val``, else, with early
        stopping, a stratified ``validation_fraction`` of X held out."""
        rows = np.arange(data.X.shape[0], dtype=np.intp)
        if data.validation is not None:
            return rows, None, data.validation
        if self._holds_out():
            train_rows, validation_rows = hold_out(
                data.X,
                data.y_codes,
                data.sample_weight,
                self.settings.validation_fraction,
                random_state.state,
                classes=self.model_attributes.get("classes_"),
            )
            return train_rows, validation_rows, self._held_out(validation_rows)
        return rows, None, None

    def _holds_out(self):
        """Whether the fit holds a share of X out to validate on."""
        settings = self.settings
        return (
            self.data.validation is None
            and settings.early_stopping
            and not self.incremental
            and settings.solver.validation
        )

    def _held_out(self, validation_rows):
        data = self.data
        return held_out_data(
            data.X,
            data.y_codes,
            data.sample_weight,
            validation_rows,
            take_rows=self.backend.take_rows,
        )

    def _resumed_validation(self, data):
        """The validation data of a resumed fit: the user's, or the rows of X
        the checkpoint's fit held out."""
        if self._holds_out() != (self.validation_rows is not None):
            what = {True: "holds", False: "does not hold"}
            raise ValueError(
                "The checkpoint does not fit this fit: its fit "
                f"{what[self.validation_rows is not None]} rows of X out for "
                f"early stopping; this one {what[self._holds_out()]}."
            )
        if self.validation_rows is None:
            return data.validation
        return self._held_out(self.validation_rows)

    # ------------------------------------------------------------- results

    def fitted_attributes(self):
        """The fitted attributes of the model trained so far, by name: the
        weights as views of the fitter's buffer, and the progress."""
        coefs, intercepts = self.layout.views(self.params)
        attributes = {
            **self.model_attributes,
            "coefs_": coefs,
            "intercepts_": intercepts,
            **self.progress.attributes(),
        }
        # Every solver's model has the same attributes: L-BFGS keeps no
        # optimizer state between fits (SciPy's is its own).
        minibatch = self.settings.solver.minibatch
        attributes["_optimizer_state"] = self.optimizer.state() if minibatch else None
        return attributes

    def _snapshot(self):
        """The model as it is now, with copies of what keeps training: what a
        callback's ``fitted_estimator`` predicts with."""
        coefs, intercepts = self.layout.views(self.params)
        xp = array_namespace(self.params)
        return {
            **self.model_attributes,
            "coefs_": [xp.asarray(c, copy=True) for c in coefs],
            "intercepts_": [xp.asarray(b, copy=True) for b in intercepts],
            **self.progress.snapshot(),
        }

    # ---------------------------------------------------------------- run

    def run(self):
        """Train. A ``KeyboardInterrupt`` (Ctrl-C) stops training at the end of
        the current minibatch and reaches the caller after the callbacks were
        told; the fitter then holds the model of that point."""
        flops = flops_per_step(self.layout.coef_shapes, self.batch_size)
        try:
            with blas_threads_for_fit(flops) as recheck_threads:
                if self.settings.solver.minibatch:
                    self._run_epochs(recheck_threads)
                else:
                    self._run_lbfgs()
        finally:
            if self._engine_key is not None and self._engine is not None:
                keep_engine(self.estimator, self._engine_key, self._engine)
            elif self.estimator is not None and not self.incremental:
                forget_engine(self.estimator)

    def _make_engine(self, seed):
        settings = self.settings
        augmenter = None
        if settings.augment is not None:
            augmenter = self.backend.make_augmenter(
                settings.augment,
                self.layout.n_units[0],
                self._dtype(),
                self.augment_seed,
            )
        make_engine = self.config.make_engine or self.backend.make_engine
        config = EngineConfig(
            self.layout,
            batch_size=self.batch_size,
            dtype=self._dtype(),
            activation=ACTIVATIONS[settings.activation].code,
            optimizer=self.optimizer,
            output=self.data.output.code,
            l1=settings.l1,
            l2=settings.l2,
            dropout=settings.dropout,
            seed=seed,
            signal_interval=_signal_interval(self.layout, self.batch_size),
            augmenter=augmenter,
            max_norm=settings.max_norm,
            label_smoothing=settings.label_smoothing,
        )
        if self._keeps_engine():
            # partial_fit: its previous call's engine, if it is this one.
            self._engine_key = reuse_key(config)
            return take_engine(self.estimator, self._engine_key, config, make_engine)
        return make_engine(config)

    def _keeps_engine(self):
        """Whether this fit's engine is kept for the estimator's next call
        (:mod:`skmlp._engine_reuse`): a partial_fit on the compiled engine."""
        return (
            self.incremental
            and self.estimator is not None
            and self.config.make_engine is None
            and self.backend is COMPILED
        )

    def _dtype(self):
        """The training dtype, as NumPy names it."""
        return numpy_dtype(self.params.dtype)

    def _callback_context(self, max_subtasks):
        """The root callback context of this fit (its task ``"fit"``, or
        ``"partial_fit"`` for one call of it), told that the fit begins."""
        estimator = self.estimator
        if estimator is None or not (
            getattr(estimator, "_skl_callbacks", None)
            or hasattr(estimator, "_parent_callback_ctx")
        ):
            # Nobody to tell: no callbacks of its own, none a meta-estimator
            # propagates. Building the context tree cost a small partial_fit
            # 25 us (of ~1.1 ms) for nothing.
            return NO_CALLBACKS
        context = estimator._init_callback_context(
            task_name="partial_fit" if self.incremental else "fit",
            max_subtasks=max_subtasks,
        )
        context.call_on_fit_task_begin(**self._callback_data())
        return context

    def _callback_data(self):
        data = self.data
        return {
            "estimator": self.estimator,
            "X": data.X,
            "y": data.y,
            "metadata": {"sample_weight": data.sample_weight},
        }

    def _end_task(self, context, with_training_state=False):
        """Tell ``context`` its task ended; return True if a callback asks to stop.

        With ``with_training_state`` (an epoch of a fit that can be
        checkpointed), the model the callbacks see (``fitted_estimator``)
        also carries ``_training_state``: a function that captures the fit's
        :meth:`training_state` while the callbacks run, what
        :class:`skmlp.Checkpoint` writes. Nothing is captured unless it is
        called, and it refuses to be once the callbacks have returned.
        """
        if context is NO_CALLBACKS:
            return False
        if not (with_training_state and self._checkpointable()):
            return context.call_on_fit_task_end(
                **self._callback_data(), reconstruction_attributes=self._snapshot
            )
        capture = _StateCapture(self)

        def snapshot():
            return {**self._snapshot(), "_training_state": capture}

        try:
            return context.call_on_fit_task_end(
                **self._callback_data(), reconstruction_attributes=snapshot
            )
        finally:
            capture.close()

    def _checkpointable(self):
        """Whether the fit's epochs can be checkpointed: those of ``fit`` with
        a minibatch solver, for an estimator that gave its parameters."""
        return self.config.parameters is not None and not self.incremental

    def _run_epochs(self, recheck_threads):
        """The epoch loop: train, monitor, call back, and decide when to stop.

        ``recheck_threads`` looks at the machine's load again before each
        epoch after the first, which can change the BLAS thread count. A
        resumed fit first takes the decision that followed the checkpoint's
        epoch (the checkpoint was written before it), then goes on.
        """
        settings, progress, params = self.settings, self.progress, self.params
        engine = self._engine = self._make_engine(self.dropout_seed)
        # NumPy's own for NumPy params: array_namespace costs 5 us a call.
        xp = np if isinstance(params, np.ndarray) else array_namespace(params)
        start_of_epoch = xp.empty_like(params)
        watch_validation = self.validation is not None and settings.early_stopping
        self._best_params = xp.empty_like(params) if watch_validation else None
        self._has_best = False
        resume = self.resume
        if resume is None:
            # The objective of a model that knows nothing: a yardstick for
            # blow-ups.
            self._start_loss = engine.uninformed_objective(params)
            self._learning_rate = settings.learning_rate
        else:
            self._start_loss = resume.start_loss
            self._learning_rate = resume.learning_rate
            if resume.best_params is not None:
                if not watch_validation:
                    raise ValueError(
                        "The checkpoint holds best weights of early stopping; "
                        "this fit watches no validation score."
                    )
                np.copyto(self._best_params, resume.best_params)
                self._has_best = True
        max_epochs = 1 if self.incremental else settings.max_iter
        first_epoch = progress.n_iter_
        context = self._callback_context(max(max_epochs - first_epoch, 0))
        interruption = None
        try:
            stop = resume is not None and self._after_epoch()
            for epoch in range(first_epoch, max_epochs):
                if stop:
                    break
                if epoch > first_epoch:
                    recheck_threads()
                epoch_context = context.subcontext(task_name="epoch")
                epoch_context.call_on_fit_task_begin(**self._callback_data())
                epoch_start_time = time.perf_counter()
                if settings.lr_schedule != "adaptive":
                    self._learning_rate = scheduled_learning_rate(
                        settings.lr_schedule,
                        settings.learning_rate,
                        epoch=progress.n_iter_,
                        max_epochs=max_epochs,
                        samples_seen=progress.t_,
                        power_t=settings.power_t,
                        decay=settings.decay,
                    )
                learning_rate = engine.learning_rate = self._learning_rate
                if settings.shuffle:
                    self.rows.shuffle(self.shuffle_rng)
                start_of_epoch[...] = params
                try:
                    status = engine.run_epoch(self.rows, params, epoch=progress.n_iter_)
                finally:
                    progress.t_ += engine.n_samples_done
                if status == Status.DIVERGED or self._diverged(
                    engine.loss_sum / engine.weight_sum, self._start_loss
                ):
                    # The weights that produced a non-finite loss (or absurd
                    # ones) are not kept: back to the epoch's start.
                    params[...] = start_of_epoch
                    warnings.warn(
                        f"Training diverged in epoch {progress.n_iter_ + 1}: the "
                        "loss or the weights blew up, and training stopped with "
                        "the weights from the start of that epoch. Lower "
                        f"learning_rate (now {learning_rate}).",
                        ConvergenceWarning,
                    )
                    break
                progress.record_epoch(
                    engine.loss_sum / engine.weight_sum,
                    learning_rate,
                    self._validation_result(),
                )
                if self._update_no_improvement_count(watch_validation):
                    self._best_params[...] = params
                    self._has_best = True
                if settings.verbose:
                    self._print_epoch(time.perf_counter() - epoch_start_time)
                if self._end_task(epoch_context, with_training_state=True):
                    break
                stop = self._after_epoch()
        except KeyboardInterrupt as exc:
            interruption = _note_interruption(exc, "minibatch")
        if self._has_best:
            params[...] = self._best_params
        self._end_task(context)
        if interruption is not None:
            # The model is usable; the caller (a grid search, the command
            # line) must still learn that the user asked to stop.
            raise interruption

    def _after_epoch(self):
        """What follows an epoch, once the callbacks were told: on a plateau
        (patience exhausted), divide the step size by 5
        (``lr_schedule='adaptive'``) or stop; at ``max_iter``, say so.
        Return True to stop."""
        settings, progress = self.settings, self.progress
        if progress.no_improvement_count > settings.n_iter_no_change:
            if settings.lr_schedule == "adaptive" and self._learning_rate > 1e-6:
                # Plateau: divide the step size by 5 and keep going, as
                # MLPClassifier's learning_rate='adaptive'.
                self._learning_rate /= 5.0
                progress.no_improvement_count = 0
            else:
                if settings.verbose:
                    print(self._stopping_message())
                return True
        if not self.incremental and progress.n_iter_ == settings.max_iter:
            warnings.warn(
                "Stochastic optimizer: maximum iterations "
                f"({settings.max_iter}) reached and the optimization "
                "hasn't converged yet.",
                ConvergenceWarning,
            )
        return False

    def training_state(self):
        """The state of the fit at the end of the epoch just recorded (before
        :meth:`_after_epoch`), as a checkpoint holds it: copies.

        Returns
        -------
        skmlp._training_state.TrainingState
        """
        progress, optimizer = self.progress, self.optimizer
        if self._data_digest is None:
            self._data_digest = data_digest(
                self.data, self.model_attributes.get("classes_")
            )
        return TrainingState(
            parameters=self.config.parameters,
            data_digest=self._data_digest,
            n_units=tuple(int(n) for n in self.layout.n_units),
            params=self.params.copy(),
            optimizer=optimizer.name,
            optimizer_buffers={
                name: buffer.copy() for name, buffer in optimizer.buffers.items()
            },
            n_steps=optimizer.n_steps,
            learning_rate=float(self._learning_rate),
            start_loss=float(self._start_loss),
            t=int(progress.t_),
            n_iter=int(progress.n_iter_),
            loss=_float_or_none(progress.loss_),
            best_loss=_float_or_none(progress.best_loss_),
            best_validation_score=_float_or_none(progress.best_validation_score_),
            no_improvement_count=int(progress.no_improvement_count),
            loss_curve=_curve(progress.loss_curve_),
            learning_rate_curve=_curve(progress.learning_rate_curve_),
            validation_scores=_curve(progress.validation_scores_),
            validation_loss_curve=_curve(progress.validation_loss_curve_),
            best_params=self._best_params.copy() if self._has_best else None,
            train_order=np.array(self.rows.order),
            validation_rows=_copy_or_none(self.validation_rows),
            shuffle_state=self.shuffle_rng.bit_generator.state,
            dropout_state=int(self._engine.dropout_state),
            augment_seed=int(self.augment_seed),
        )

    def _run_lbfgs(self):
        """Full-batch L-BFGS: each iteration is recorded as an epoch is."""
        settings, progress = self.settings, self.progress
        engine = self._make_engine(0)
        context = self._callback_context(None)

        def on_iteration(loss):
            progress.t_ += self.rows.n_rows
            # L-BFGS has no step size of its own: NaN in learning_rate_curve_.
            progress.record_epoch(loss, np.nan, self._validation_result())
            progress.best_loss_ = min(progress.best_loss_, loss)
            if settings.verbose:
                self._print_epoch(0.0)
            iteration_context = context.subcontext(task_name="lbfgs-iter")
            iteration_context.call_on_fit_task_begin(
                estimator=self.estimator, X=self.data.X, y=self.data.y
            )
            return self._end_task(iteration_context)

        interruption = None
        try:
            result = self.backend.minimize_lbfgs(
                engine,
                self.rows,
                self.params,
                max_iter=settings.max_iter,
                max_fun=settings.max_fun,
                tol=settings.tol,
                on_iteration=on_iteration,
            )
            if not np.isfinite(result.fun):
                warnings.warn(
                    "lbfgs: the objective is not finite at the starting weights: "
                    f"the data or the penalties (l1={settings.l1}, "
                    f"l2={settings.l2}) overflow {self._dtype().name} "
                    "arithmetic. The model keeps its initial weights; scale X or "
                    "lower the penalties.",
                    ConvergenceWarning,
                )
            elif progress.n_iter_ == 0:
                on_iteration(float(result.fun))
            if result.status == 1 and np.isfinite(result.fun):
                warnings.warn(
                    "lbfgs failed to converge within its iteration or evaluation "
                    f"budget (max_iter={settings.max_iter}, "
                    f"max_fun={settings.max_fun}): {result.message}",
                    ConvergenceWarning,
                )
        except KeyboardInterrupt as exc:
            interruption = _note_interruption(exc, "iteration")
        self._end_task(context)
        if interruption is not None:
            raise interruption

    # ------------------------------------------------------ epoch by epoch

    def _diverged(self, epoch_loss, start_loss):
        """Whether an epoch that ran to its end still blew up.

        Its loss was finite batch by batch, but the last update may have left
        non-finite weights, weights so large that a few layers of products
        overflow (beyond the fourth root of the dtype's largest number), or a
        loss a million times that of an uninformed model (``start_loss``:
        Adam with an absurd step size).
        """
        params, limit = self.params, overflow_limit(self._dtype())
        # max and min propagate NaN, which fails both comparisons; unlike
        # abs, they allocate nothing. (NumPy's own methods: the array API
        # wrappers cost a small partial_fit 5 us a call.)
        if isinstance(params, np.ndarray):
            high, low = params.max(), params.min()
        else:
            xp = array_namespace(params)
            high, low = xp.max(params), xp.min(params)
        if not math.isfinite(epoch_loss) or not (
            float(high) < limit and float(low) > -limit
        ):
            return True
        return epoch_loss > 1e6 * start_loss

    def _validation_result(self):
        """The validation score and loss of the current weights, or None
        without validation data.

        The score is the accuracy of the output layer's decision rule, as
        ``predict`` decides (for multilabel targets, the subset accuracy:
        every label of a sample right, as MLPClassifier scores them); the
        loss is the output layer's own, as the engine computes it (the mean
        cross-entropy; for multilabel targets, the binary cross-entropy
        summed over the labels), without penalties nor label smoothing.
        """
        if self.validation is None:
            return None
        X_val, y_val, sample_weight_val = self.validation
        output = self.data.output
        coefs, intercepts = self.layout.views(self.params)
        logits = self.backend.logits(X_val, coefs, intercepts, self.settings.activation)
        proba = logits.copy()
        output_inplace(proba, output.code)
        decided = output.decide(proba)
        correct = np.all((decided == y_val).reshape(len(y_val), -1), axis=1)
        # The loss kernel overwrites the logits with its gradient.
        loss = output_loss(logits, y_val, sample_weight_val, output.code)
        return (
            float(np.average(correct, weights=sample_weight_val)),
            loss / float(np.sum(sample_weight_val, dtype=np.float64)),
        )

    def _update_no_improvement_count(self, watch_validation):
        """Update the patience counter on the validation score (early stopping)
        or the training loss; return True if the epoch is the best so far on
        the validation set."""
        progress, tol = self.progress, self.settings.tol
        if watch_validation:
            score = progress.validation_scores_[-1]
            if score < progress.best_validation_score_ + tol:
                progress.no_improvement_count += 1
            else:
                progress.no_improvement_count = 0
            if score > progress.best_validation_score_:
                progress.best_validation_score_ = score
                return True
            return False
        if progress.loss_ > progress.best_loss_ - tol:
            progress.no_improvement_count += 1
        else:
            progress.no_improvement_count = 0
        progress.best_loss_ = min(progress.best_loss_, progress.loss_)
        return False

    def _stopping_message(self):
        settings = self.settings
        watched = "Validation score" if settings.early_stopping else "Training loss"
        return (
            f"{watched} did not improve more than tol={settings.tol} for "
            f"{settings.n_iter_no_change} consecutive epochs. Stopping."
        )

    def _print_epoch(self, seconds):
        progress = self.progress
        line = f"Epoch {progress.n_iter_:4d}  loss {progress.loss_:.6f}"
        if self.validation is not None:
            line += (
                f"  validation accuracy {progress.validation_scores_[-1]:.4f}"
                f"  validation loss {progress.validation_loss_curve_[-1]:.6f}"
            )
        print(f"{line}  {seconds:.3f}s", flush=True)


class _StateCapture:
    """Captures a fitter's training state, while the callbacks of the end of
    an epoch run (the fitter then moves on: a later capture would describe
    another epoch)."""

    def __init__(self, fitter):
        self._fitter = fitter

    def __call__(self):
        """The :class:`~skmlp._training_state.TrainingState` of the epoch."""
        if self._fitter is None:
            raise RuntimeError(
                "The training state of an epoch is captured while the callbacks "
                "of its end run, not later."
            )
        return self._fitter.training_state()

    def close(self):
        self._fitter = None


def _float_or_none(value):
    return None if value is None else float(value)


def _curve(values):
    return None if values is None else np.array(values, dtype=np.float64)


def _copy_or_none(array):
    return None if array is None else array.copy()


def _effective_batch_size(batch_size, n_samples):
    if batch_size == "auto":
        return min(200, n_samples)
    if batch_size > n_samples:
        warnings.warn(
            f"batch_size={batch_size} is larger than the {n_samples} "
            "training samples: using batches of all of them.",
            UserWarning,
        )
    return min(batch_size, n_samples)


def _note_interruption(exc, unit):
    """``exc`` (a KeyboardInterrupt) with a note on the model it leaves behind."""
    if hasattr(exc, "add_note"):  # Python >= 3.11
        exc.add_note(
            "MLPDigitClassifier: training stopped by Ctrl-C; the model keeps the "
            f"weights of the last completed {unit} and can predict or go on with "
            "partial_fit."
        )
    return exc


def _signal_interval(layout, batch_size):
    """Minibatches between two Ctrl-C checks."""
    flops = flops_per_step(layout.coef_shapes, batch_size)
    return max(1, int(_FLOPS_BETWEEN_SIGNAL_CHECKS / max(flops, 1.0)))
