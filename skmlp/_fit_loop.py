"""The fitter: the training loop of one fit, for every solver.

:class:`Fitter` takes what the estimator validated (the data, the network's
layout and starting weights, the optimizer, the progress of earlier fits) and
trains: the stochastic solvers epoch by epoch (learning-rate schedules,
shuffling, divergence and rollback, the loss curve, patience and the adaptive
step, the best weights of early stopping), L-BFGS iteration by iteration. It
holds out the validation rows of early stopping and records the validation
scores. It alone calls the callbacks and handles Ctrl-C, for both kinds of
solver.

The fitter trains its own buffers and never touches the estimator's fitted
attributes: :meth:`Fitter.fitted_attributes` gives the new ones, which the
estimator publishes together when the fit ends.
"""

import time
import warnings
from typing import NamedTuple

import numpy as np
from scipy import sparse
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from ._engine._engine import Engine
from ._engine._rows import RowSource
from ._engine._types import OutputLayer, Status
from ._lbfgs import minimize_lbfgs
from ._network import ACTIVATIONS, forward_proba, overflow_limit
from ._schedules import scheduled_learning_rate
from ._threads import blas_threads_for_fit, flops_per_step

# Aim for a Ctrl-C check about every 1e8 floating-point operations (~10 ms).
_FLOPS_BETWEEN_SIGNAL_CHECKS = 1e8

# Rows per chunk of L-BFGS's full-batch passes: bounds the engine's buffers.
_LBFGS_CHUNK_ROWS = 2048


class TrainingSettings(NamedTuple):
    """The estimator's parameters that the training loop reads."""

    solver: str
    activation: str
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

    X: object  # ndarray or CSR matrix, float32 or float64
    y: np.ndarray  # labels, as given (for the callbacks)
    # Positions of the labels in classes_ (intc); for multilabel targets, the
    # C-contiguous 0/1 indicator matrix (uint8), one column per label.
    y_codes: np.ndarray
    sample_weight: np.ndarray  # of X's dtype, times the class weights
    validation: tuple | None  # (X_val, y_val codes, sample_weight_val), or None
    output: int = OutputLayer.SOFTMAX  # the output layer these targets train


class Progress:
    """The fitted attributes that count a model's training, as a fit updates
    them.

    A fit from scratch starts them afresh; ``warm_start`` and ``partial_fit``
    carry them on: ``t_``, ``loss_``, ``best_loss_``,
    ``best_validation_score_``, the patience counter, and the per-epoch
    curves, which follow one rule, MLPClassifier's for ``loss_curve_`` and
    ``validation_scores_``: each gains one entry per epoch (L-BFGS iteration)
    and keeps the entries of the earlier fits, so that entry ``k`` of every
    curve is about the same epoch. ``learning_rate_curve_`` holds NaN for the
    epochs without a step size (L-BFGS's); ``validation_scores_`` and
    ``validation_loss_curve_`` are None until an epoch has validation data,
    and hold NaN for the epochs that had none. ``n_iter_`` counts the epochs
    of the last fit.
    """

    def __init__(
        self,
        *,
        t,
        loss,
        best_loss,
        best_validation_score,
        patience,
        loss_curve,
        learning_rate_curve,
        validation_scores,
        validation_loss_curve,
    ):
        self.t_ = t
        self.loss_ = loss  # None until an epoch completes with a finite loss
        self.best_loss_ = best_loss
        self.best_validation_score_ = best_validation_score
        self.no_improvement_count = patience
        self.n_iter_ = 0
        self.loss_curve_ = loss_curve
        self.learning_rate_curve_ = learning_rate_curve
        self.validation_scores_ = validation_scores
        self.validation_loss_curve_ = validation_loss_curve

    @classmethod
    def fresh(cls, watches_validation):
        """The progress of a model that has not trained yet."""
        return cls(
            t=0,
            loss=None,
            best_loss=None if watches_validation else np.inf,
            best_validation_score=-np.inf if watches_validation else None,
            patience=0,
            loss_curve=[],
            learning_rate_curve=[],
            validation_scores=None,
            validation_loss_curve=None,
        )

    @classmethod
    def resume(cls, model, watches_validation):
        """The progress of a fitted ``model``, continued (its lists copied).

        A curve shorter than ``loss_curve_`` (one recorded before the curves
        followed one rule, or assigned) is padded at its start with NaN, so
        that the epochs of all curves line up.
        """
        loss_curve = list(model.loss_curve_)
        best_loss = model.best_loss_
        best_validation_score = model.best_validation_score_
        # A fit that watches what the previous one did not (early_stopping
        # switched on or off between warm starts) starts that record afresh.
        if watches_validation and best_validation_score is None:
            best_validation_score = -np.inf
        if not watches_validation and best_loss is None:
            best_loss = np.inf
        return cls(
            t=model.t_,
            loss=getattr(model, "loss_", None),
            best_loss=best_loss,
            best_validation_score=best_validation_score,
            patience=model._no_improvement_count,
            loss_curve=loss_curve,
            learning_rate_curve=_aligned(
                getattr(model, "learning_rate_curve_", None), len(loss_curve)
            ),
            validation_scores=_aligned(
                getattr(model, "validation_scores_", None),
                len(loss_curve),
                keep_none=True,
            ),
            validation_loss_curve=_aligned(
                getattr(model, "validation_loss_curve_", None),
                len(loss_curve),
                keep_none=True,
            ),
        )

    def start_validation_curves(self):
        """Make the validation curves lists (NaN for the earlier epochs, which
        had no validation data) before a fit that has validation data."""
        n_epochs = len(self.loss_curve_)
        if self.validation_scores_ is None:
            self.validation_scores_ = [np.nan] * n_epochs
        if self.validation_loss_curve_ is None:
            self.validation_loss_curve_ = [np.nan] * n_epochs

    def record_epoch(self, loss, learning_rate, validation=None):
        """Count one completed epoch: its objective, its step size (NaN for
        none) and its validation ``(score, loss)``, or None for none."""
        self.n_iter_ += 1
        self.loss_ = loss
        self.loss_curve_.append(loss)
        self.learning_rate_curve_.append(learning_rate)
        if validation is None:
            validation = (np.nan, np.nan)
        elif self.validation_scores_ is None:
            self.start_validation_curves()
        if self.validation_scores_ is not None:
            self.validation_scores_.append(validation[0])
            self.validation_loss_curve_.append(validation[1])

    def attributes(self):
        """The fitted attributes, by name (``loss_`` only once set)."""
        attributes = {
            "t_": self.t_,
            "n_iter_": self.n_iter_,
            "loss_curve_": self.loss_curve_,
            "best_loss_": self.best_loss_,
            "best_validation_score_": self.best_validation_score_,
            "validation_scores_": self.validation_scores_,
            "validation_loss_curve_": self.validation_loss_curve_,
            "learning_rate_curve_": self.learning_rate_curve_,
            "_no_improvement_count": self.no_improvement_count,
        }
        if self.loss_ is not None:
            attributes["loss_"] = self.loss_
        return attributes

    def snapshot(self):
        """:meth:`attributes` with copies of the lists, which keep growing."""
        return {
            name: list(value) if isinstance(value, list) else value
            for name, value in self.attributes().items()
        }


def _aligned(curve, n_epochs, keep_none=False):
    """A copy of ``curve`` as a list of at least ``n_epochs`` entries, padded at
    its start with NaN. None stays None with ``keep_none``, else is empty."""
    if curve is None:
        if keep_none:
            return None
        curve = []
    curve = list(curve)
    if len(curve) < n_epochs:
        curve[:0] = [np.nan] * (n_epochs - len(curve))
    return curve


class Fitter:
    """One fit of a network: the training loop and what it records.

    Parameters
    ----------
    estimator : MLPDigitClassifier
        The estimator being fitted: the callbacks are its own and are told of
        it. Its fitted attributes are left alone.
    model_attributes : dict
        The new model's fitted attributes that training does not change
        (``classes_``, ``n_features_in_``, ...): part of the snapshots the
        callbacks see.
    settings : TrainingSettings
    data : TrainingData
    layout : skmlp._network.ParameterLayout
    params : ndarray of shape (layout.n_params,)
        The starting weights, trained in place; the fitter's own buffer.
    optimizer : skmlp._optimizers.Optimizer
        Its state is updated in place.
    progress : Progress
        Updated in place.
    random_state : numpy.random.RandomState
        For the early-stopping split and the seeds of this fit's streams.
    incremental : bool
        One epoch of ``partial_fit``.
    """

    def __init__(
        self,
        estimator,
        model_attributes,
        settings,
        data,
        layout,
        params,
        optimizer,
        progress,
        random_state,
        incremental,
    ):
        self.estimator = estimator
        self.model_attributes = model_attributes
        self.settings = settings
        self.data = data
        self.layout = layout
        self.params = params
        self.optimizer = optimizer
        self.progress = progress
        self.incremental = incremental
        train_rows, self.validation = self._split(data, random_state)
        if self.validation is not None:
            progress.start_validation_curves()
        # Each call shuffles, draws dropout masks and distorts images with its
        # own streams, derived from random_state and the samples seen so far:
        # no RNG object to store.
        call_seed = random_state.randint(np.iinfo(np.int32).max)
        self.shuffle_rng = np.random.default_rng([call_seed, progress.t_])
        self.dropout_seed = int(
            np.random.default_rng([call_seed, progress.t_, 1]).integers(2**63)
        )
        self.augment_seed = int(
            np.random.default_rng([call_seed, progress.t_, 2]).integers(2**63)
        )
        if settings.solver == "lbfgs":
            self.batch_size = min(len(train_rows), _LBFGS_CHUNK_ROWS)
        else:
            self.batch_size = _effective_batch_size(
                settings.batch_size, len(train_rows)
            )
        self.rows = RowSource(
            data.X, data.y_codes, data.sample_weight, train_rows, layout.n_units[-1]
        )

    def _split(self, data, random_state):
        """The training rows, and the validation data (or None) to monitor:
        the user's ``X_val``, else, with early stopping, a stratified
        ``validation_fraction`` of X held out."""
        settings = self.settings
        rows = np.arange(data.X.shape[0], dtype=np.intp)
        if data.validation is not None:
            return rows, data.validation
        if (
            settings.early_stopping
            and not self.incremental
            and settings.solver != "lbfgs"
        ):
            return hold_out(
                data.X,
                data.y_codes,
                data.sample_weight,
                settings.validation_fraction,
                random_state,
                classes=self.model_attributes.get("classes_"),
            )
        return rows, None

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
        if self.settings.solver != "lbfgs":
            attributes["_optimizer_state"] = self.optimizer.state()
        return attributes

    def _snapshot(self):
        """The model as it is now, with copies of what keeps training: what a
        callback's ``fitted_estimator`` predicts with."""
        coefs, intercepts = self.layout.views(self.params)
        return {
            **self.model_attributes,
            "coefs_": [c.copy() for c in coefs],
            "intercepts_": [b.copy() for b in intercepts],
            **self.progress.snapshot(),
        }

    # ---------------------------------------------------------------- run

    def run(self):
        """Train. A ``KeyboardInterrupt`` (Ctrl-C) stops training at the end of
        the current minibatch and reaches the caller after the callbacks were
        told; the fitter then holds the model of that point."""
        flops = flops_per_step(self.layout.coef_shapes, self.batch_size)
        with blas_threads_for_fit(flops) as recheck_threads:
            if self.settings.solver == "lbfgs":
                self._run_lbfgs()
            else:
                self._run_epochs(recheck_threads)

    def _make_engine(self, seed):
        settings = self.settings
        augmenter = None
        if settings.augment is not None:
            augmenter = settings.augment._build_augmenter(
                self.layout.n_units[0], self.params.dtype, self.augment_seed
            )
        return Engine(
            self.layout,
            batch_size=self.batch_size,
            dtype=self.params.dtype,
            activation=ACTIVATIONS[settings.activation],
            optimizer=self.optimizer,
            l1=settings.l1,
            l2=settings.l2,
            dropout=settings.dropout,
            seed=seed,
            signal_interval=_signal_interval(self.layout, self.batch_size),
            output=self.data.output,
            augmenter=augmenter,
            max_norm=settings.max_norm,
            label_smoothing=settings.label_smoothing,
        )

    def _callback_context(self, max_subtasks):
        """The root callback context of this fit, told that the fit begins."""
        context = self.estimator._init_callback_context(max_subtasks=max_subtasks)
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

    def _end_task(self, context):
        """Tell ``context`` its task ended; return True if a callback asks to stop."""
        return context.call_on_fit_task_end(
            **self._callback_data(), reconstruction_attributes=self._snapshot
        )

    def _run_epochs(self, recheck_threads):
        """The epoch loop: train, monitor, call back, and decide when to stop.

        ``recheck_threads`` looks at the machine's load again before each
        epoch after the first, which can change the BLAS thread count.
        """
        settings, progress, params = self.settings, self.progress, self.params
        engine = self._make_engine(self.dropout_seed)
        start_of_epoch = np.empty_like(params)
        # The objective of a model that knows nothing: a yardstick for blow-ups.
        start_loss = engine.uninformed_objective(params)
        watch_validation = self.validation is not None and settings.early_stopping
        best_params = np.empty_like(params) if watch_validation else None
        has_best = False
        max_epochs = 1 if self.incremental else settings.max_iter
        learning_rate = settings.learning_rate
        context = self._callback_context(max_epochs)
        interruption = None
        try:
            for epoch in range(max_epochs):
                if epoch:
                    recheck_threads()
                epoch_context = context.subcontext(task_name="epoch")
                epoch_context.call_on_fit_task_begin(**self._callback_data())
                epoch_start_time = time.perf_counter()
                if settings.lr_schedule != "adaptive":
                    learning_rate = scheduled_learning_rate(
                        settings.lr_schedule,
                        settings.learning_rate,
                        epoch=progress.n_iter_,
                        max_epochs=max_epochs,
                        samples_seen=progress.t_,
                        power_t=settings.power_t,
                        decay=settings.decay,
                    )
                engine.learning_rate = learning_rate
                if settings.shuffle:
                    self.rows.shuffle(self.shuffle_rng)
                np.copyto(start_of_epoch, params)
                try:
                    status = engine.run_epoch(self.rows, params, epoch=progress.n_iter_)
                finally:
                    progress.t_ += engine.n_samples_done
                if status == Status.DIVERGED or self._diverged(
                    engine.loss_sum / engine.weight_sum, start_loss
                ):
                    # The weights that produced a non-finite loss (or absurd
                    # ones) are not kept: back to the epoch's start.
                    np.copyto(params, start_of_epoch)
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
                    np.copyto(best_params, params)
                    has_best = True
                if settings.verbose:
                    self._print_epoch(time.perf_counter() - epoch_start_time)
                if self._end_task(epoch_context):
                    break
                if progress.no_improvement_count > settings.n_iter_no_change:
                    if settings.lr_schedule == "adaptive" and learning_rate > 1e-6:
                        # Plateau: divide the step size by 5 and keep going, as
                        # MLPClassifier's learning_rate='adaptive'.
                        learning_rate /= 5.0
                        progress.no_improvement_count = 0
                    else:
                        if settings.verbose:
                            print(self._stopping_message())
                        break
                if not self.incremental and progress.n_iter_ == settings.max_iter:
                    warnings.warn(
                        "Stochastic optimizer: maximum iterations "
                        f"({settings.max_iter}) reached and the optimization "
                        "hasn't converged yet.",
                        ConvergenceWarning,
                    )
        except KeyboardInterrupt as exc:
            interruption = _note_interruption(exc, "minibatch")
        if has_best:
            np.copyto(params, best_params)
        self._end_task(context)
        if interruption is not None:
            # The model is usable; the caller (a grid search, the command
            # line) must still learn that the user asked to stop.
            raise interruption

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
            result = minimize_lbfgs(
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
                    f"l2={settings.l2}) overflow {self.params.dtype.name} "
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
        params, limit = self.params, overflow_limit(self.params.dtype)
        # max and min propagate NaN, which fails both comparisons; unlike
        # np.abs, they allocate nothing.
        if not np.isfinite(epoch_loss) or not (
            params.max() < limit and params.min() > -limit
        ):
            return True
        return epoch_loss > 1e6 * start_loss

    def _validation_result(self):
        """The validation score and loss of the current weights, or None
        without validation data.

        The score is the accuracy (for multilabel targets, the subset
        accuracy: every label of a sample right, as MLPClassifier scores
        them); the loss is the mean cross-entropy (for multilabel targets,
        the binary cross-entropy summed over the labels), without penalties.
        """
        if self.validation is None:
            return None
        X_val, y_val, sample_weight_val = self.validation
        coefs, intercepts = self.layout.views(self.params)
        if self.data.output == OutputLayer.SIGMOID:
            logits = forward_proba(
                X_val, coefs, intercepts, self.settings.activation, output=None
            )
            # predict's rule: a label is on when its probability exceeds 0.5.
            correct = np.all((expit(logits) > 0.5) == y_val, axis=1)
            losses = np.sum(np.logaddexp(0, logits) - y_val * logits, axis=1)
        else:
            log_proba = forward_proba(
                X_val, coefs, intercepts, self.settings.activation, take_log=True
            )
            correct = np.argmax(log_proba, axis=1) == y_val
            losses = -log_proba[np.arange(len(y_val)), y_val]
        return (
            float(np.average(correct, weights=sample_weight_val)),
            float(np.average(losses, weights=sample_weight_val)),
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


def hold_out(
    X, y_codes, sample_weight, validation_fraction, random_state, classes=None
):
    """Split off a ``validation_fraction`` of the rows of X, stratified by class
    where it can be.

    Binary targets are stratified, as MLPClassifier's: a class of a single
    sample, or fewer held-out (or remaining) samples than classes, is a
    ValueError. Multiclass targets are stratified too (MLPClassifier never
    stratifies them): where they cannot be, a warning says so and the split is
    MLPClassifier's unstratified one. Multilabel targets are not stratified.

    Parameters
    ----------
    X : ndarray or CSR matrix
    y_codes : ndarray
        Class codes, or the indicator matrix of multilabel targets.
    sample_weight : ndarray
    validation_fraction : float
    random_state : numpy.random.RandomState
    classes : ndarray, default=None
        The labels of the codes, to name them in errors.

    Returns
    -------
    train_rows : ndarray of intp
        The rows left to train on, in their original order.
    validation : tuple
        ``(X_val, y_val codes, sample_weight_val)`` of the held-out rows.
    """
    rows = np.arange(X.shape[0], dtype=np.intp)
    stratify = None
    if y_codes.ndim == 1 and _can_stratify(y_codes, validation_fraction, classes):
        stratify = y_codes
    train_rows, validation_rows = train_test_split(
        rows,
        test_size=validation_fraction,
        random_state=random_state,
        stratify=stratify,
    )
    if len(validation_rows) < 2:
        raise ValueError(
            "The validation set is too small: increase validation_fraction or "
            "the number of samples."
        )
    for name, part in (("training", train_rows), ("validation", validation_rows)):
        if not sample_weight[part].sum() > 0:
            raise ValueError(
                f"The early-stopping {name} split holds only samples of zero "
                "weight: change random_state or validation_fraction, or pass "
                "X_val and y_val."
            )
    # Without shuffling, train in the order the samples came in.
    train_rows = np.ascontiguousarray(np.sort(train_rows), dtype=np.intp)
    validation = (
        rows_ready(X[validation_rows]),
        y_codes[validation_rows],
        sample_weight[validation_rows],
    )
    return train_rows, validation


def _can_stratify(y_codes, validation_fraction, classes):
    """Whether the hold-out can be stratified by class; if not, raise for
    binary (and one-class) targets, as MLPClassifier does, and warn for
    multiclass ones."""
    counts = np.bincount(y_codes)
    present = np.flatnonzero(counts)
    lonely = present[counts[present] < 2]
    n_samples = len(y_codes)
    n_validation = int(np.ceil(validation_fraction * n_samples))
    sizes = {"validation": n_validation, "training": n_samples - n_validation}
    if lonely.size:
        labels = lonely if classes is None else np.asarray(classes)[lonely]
        if present.size == 2:
            # MLPClassifier stratifies binary targets on its label binarizer's
            # single column (is the sample of the second class?) and names
            # that column's values; the label follows.
            positive = (present if classes is None else classes)[present[1]]
            positive = np.asarray(positive).tolist()
            named = (
                f"{[str(bool(code == present[1])) for code in lonely]} (whether y "
                f"== {positive!r}; the class of 1 member is {labels.tolist()})"
            )
        else:
            named = f"{labels.tolist()}"
        problem = (
            "The least populated classes in y have only 1 member, which is too "
            "few for early_stopping's validation set stratified by class (at "
            "least 2 samples of each class). Classes with too few members are: "
            f"{named}."
        )
    elif min(sizes.values()) < present.size:
        name = min(sizes, key=sizes.get)
        problem = (
            f"The {name} split of early_stopping (validation_fraction="
            f"{validation_fraction}) would hold {sizes[name]} "
            f"sample{'s' if sizes[name] != 1 else ''}, fewer than the "
            f"{present.size} classes of y: a split stratified by class needs one "
            "of each."
        )
    else:
        return True
    if present.size <= 2:
        raise ValueError(
            f"{problem} Pass a validation set of your own (X_val and y_val), "
            "change validation_fraction, or set early_stopping=False."
        )
    warnings.warn(
        f"{problem} Holding out a validation set without stratification "
        "instead, as MLPClassifier does for multiclass targets; pass X_val and "
        "y_val for a validation set of your own.",
        UserWarning,
    )
    return False


def rows_ready(X):
    """X for forward_proba: CSR stays sparse (densified chunk by chunk), a
    dense array becomes C-contiguous."""
    return X.tocsr() if sparse.issparse(X) else np.ascontiguousarray(X)


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
