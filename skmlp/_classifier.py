"""The estimator: parameters, input validation, fit / partial_fit / predict.

The numeric work happens in the compiled engine (:mod:`skmlp._engine`); this
module validates inputs, lays out the parameters, runs the epochs and decides
when to stop.
"""

import time
import warnings
from contextlib import contextmanager
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ._callbacks import CallbackSupportMixin
from ._engine._engine import Engine
from ._engine._rows import RowSource
from ._engine._types import Status
from ._lbfgs import minimize_lbfgs
from ._network import (
    ACTIVATIONS,
    INITIALIZATIONS,
    ParameterLayout,
    forward_proba,
    initialize,
)
from ._optimizers import make_optimizer
from ._persistence import VersionedPickleMixin
from ._schedules import SCHEDULES, scheduled_learning_rate
from ._sparse import check_sparse_structure
from ._threads import blas_threads_for_fit, flops_per_step

# Aim for a Ctrl-C check about every 1e8 floating-point operations (~10 ms).
_FLOPS_BETWEEN_SIGNAL_CHECKS = 1e8


def _is_stochastic(estimator):
    """partial_fit exists for the minibatch solvers only."""
    if estimator.solver == "lbfgs":
        raise AttributeError("partial_fit is not available for solver='lbfgs'.")
    return True


class MLPDigitClassifier(
    VersionedPickleMixin, CallbackSupportMixin, ClassifierMixin, BaseEstimator
):
    """Multi-layer perceptron classifier trained by a compiled Cython engine.

    Hidden layers of rectified, hyperbolic-tangent, logistic or linear units
    feed a softmax output layer; minibatch SGD (with momentum or Nesterov
    momentum) or Adam minimise the mean cross-entropy plus L1 and L2
    penalties on the weights::

        J = sum_i s_i * CE(y_i, p_i) / sum_i s_i + l1 * sum|W| + l2 * sum W**2

    where ``s_i`` are the sample weights (1 by default) and biases are not
    penalised: the cost of the Theano MLP tutorial. Unlike MLPClassifier's
    ``alpha``, ``l2`` is not divided by the batch size; MLPClassifier's
    ``alpha`` corresponds to ``l2 = alpha / (2 * batch_size)``.

    The whole minibatch loop runs in compiled code without the GIL; matrix
    products go to BLAS. float32 input trains and predicts in float32.

    Parameters
    ----------
    hidden_layer_sizes : array-like of int, default=(100,)
        Units in each hidden layer. An empty tuple gives softmax (multinomial
        logistic) regression.

    activation : {'relu', 'tanh', 'logistic', 'identity', 'leaky_relu'}, \
            default='relu'
        Activation of the hidden layers. ``'leaky_relu'`` is ``z`` for
        positive ``z`` and ``0.01 * z`` otherwise.

    solver : {'adam', 'sgd', 'lbfgs'}, default='adam'
        ``'sgd'`` is minibatch stochastic gradient descent with optional
        (Nesterov) momentum; ``'adam'`` is Kingma & Ba's Adam; ``'lbfgs'``
        minimises the full-batch objective with SciPy's L-BFGS-B (for small
        data; no ``partial_fit``, no dropout; ``max_iter`` counts its
        iterations and ``tol`` is its gradient tolerance).

    learning_rate : float, default=0.001
        Step size of the updates (MLPClassifier's ``learning_rate_init``).

    momentum : float, default=0.9
        Momentum of ``solver='sgd'``, in [0, 1). 0 gives plain SGD.

    nesterov : bool, default=True
        Use Nesterov's momentum with ``solver='sgd'`` and ``momentum > 0``.

    beta_1 : float, default=0.9
        Adam's decay rate of the first-moment estimates, in [0, 1).

    beta_2 : float, default=0.999
        Adam's decay rate of the second-moment estimates, in [0, 1).

    epsilon : float, default=1e-8
        Adam's numerical-stability constant.

    l1 : float, default=0.0
        L1 penalty on the weights (not the biases).

    l2 : float, default=1e-4
        L2 penalty on the weights (not the biases).

    batch_size : int or 'auto', default='auto'
        Samples per minibatch; ``'auto'`` is ``min(200, n_samples)``.

    max_iter : int, default=200
        Maximum number of epochs (passes over the training data).

    shuffle : bool, default=True
        Shuffle the training samples before each epoch.

    random_state : int, RandomState instance or None, default=None
        Seeds the weight initialisation, the validation split and the
        shuffling. Pass an int for reproducible results.

    tol : float, default=1e-4
        Minimum improvement of the training loss (or of the validation score
        with ``early_stopping``) that resets the patience counter.

    n_iter_no_change : int, default=10
        Patience: stop after this many epochs without an improvement of at
        least ``tol``.

    early_stopping : bool, default=False
        Hold out a stratified ``validation_fraction`` of the training data,
        stop when its accuracy stops improving, and keep the weights of the
        best epoch.

    validation_fraction : float, default=0.1
        Share of the training data held out with ``early_stopping``.

    warm_start : bool, default=False
        Continue from the previous fit's weights and optimizer state (momentum
        or Adam moments) instead of starting anew.

    verbose : int, default=0
        Print one line per epoch when positive: epoch, training loss,
        validation accuracy and loss (when there is validation data), seconds.

    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes in the objective, multiplied into
        ``sample_weight`` as LogisticRegression does: ``{label: weight}``, or
        ``'balanced'`` for ``n_samples / (n_classes * np.bincount(y))``.

    init : {'glorot_uniform', 'he_normal', 'normal', 'uniform'}, \
            default='glorot_uniform'
        Initial weights (biases start at zero). ``'glorot_uniform'``:
        ``U(-r, r)``, ``r = sqrt(6 / (fan_in + fan_out))``, four times wider
        for logistic hidden layers (the Theano tutorial); ``'he_normal'``:
        ``N(0, 2 / fan_in)``; ``'normal'``: ``N(0, init_scale**2)``;
        ``'uniform'``: ``U(-init_scale, init_scale)``.

    init_scale : float, default=None
        Standard deviation of ``init='normal'`` (default 0.01) and bound of
        ``init='uniform'`` (default 0.12); unused by the other schemes.

    output_init : {'same', 'zeros'}, default='same'
        ``'zeros'`` starts the output layer's weights at zero, as the
        tutorials' logistic-regression layer.

    lr_schedule : {'constant', 'invscaling', 'adaptive', 'inverse_time', \
            'cosine'}, default='constant'
        Step size of each epoch, read back in ``learning_rate_curve_``:
        ``'constant'``: ``learning_rate``; ``'invscaling'``: ``learning_rate /
        (t_ + 1) ** power_t`` (as MLPClassifier); ``'adaptive'``: divided by 5
        each time ``n_iter_no_change`` epochs fail to improve by ``tol``,
        until below 1e-6; ``'inverse_time'``: ``learning_rate / (1 + decay *
        epoch)``; ``'cosine'``: ``learning_rate * (1 + cos(pi * epoch /
        max_iter)) / 2``. ``epoch`` counts from 0 in each fit.

    power_t : float, default=0.5
        Exponent of ``lr_schedule='invscaling'``.

    decay : float, default=0.01
        Decay rate of ``lr_schedule='inverse_time'``.

    max_fun : int, default=15000
        Budget of objective evaluations of ``solver='lbfgs'``.

    dropout : float or array-like of float, default=0.0
        Probability of dropping each hidden unit during training, for all
        hidden layers or one per hidden layer, in [0, 1). Inverted dropout:
        kept units are scaled by ``1 / (1 - dropout)`` while training, so
        prediction uses the weights as they are. The masks come from the
        engine's own random stream, seeded by ``random_state``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.

    coefs_ : list of ndarray
        ``coefs_[l]`` of shape ``(n_units[l], n_units[l + 1])`` holds the
        weights from layer ``l`` to layer ``l + 1``. Prediction reads
        ``coefs_`` and ``intercepts_``: weights assigned to them are used.

    intercepts_ : list of ndarray
        ``intercepts_[l]`` of shape ``(n_units[l + 1],)``: the biases of
        layer ``l + 1``.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when X has string column names.

    n_iter_ : int
        Epochs run by the last ``fit``.

    t_ : int
        Training samples seen over all fits of a warm-started model.

    loss_ : float
        The objective ``J``, averaged over the minibatches of the last epoch.
        Not set when no epoch (or L-BFGS iteration) has completed with a
        finite objective: a first epoch that diverged, or data and penalties
        that overflow at the initial weights (a ``ConvergenceWarning`` says
        so).

    loss_curve_ : list of float
        ``loss_`` after each epoch.

    best_loss_ : float or None
        Lowest ``loss_`` seen; None with ``early_stopping``.

    validation_scores_ : list of float or None
        Accuracy on the validation data after each epoch; None without
        validation data (``early_stopping`` or ``X_val``).

    validation_loss_curve_ : list of float or None
        Mean cross-entropy on the validation data after each epoch (no
        penalty terms); None without validation data.

    learning_rate_curve_ : list of float
        The step size used in each epoch of the last fit.

    best_validation_score_ : float or None
        Best of ``validation_scores_``; None without ``early_stopping``.

    n_layers_ : int
        Number of layers, input and output included.

    n_outputs_ : int
        Number of output units: one per class (softmax, also for two classes).

    out_activation_ : str
        ``'softmax'``.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : scikit-learn's own MLP classifier.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.model_selection import train_test_split
    >>> from skmlp import MLPDigitClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(X / 16, y, random_state=0)
    >>> clf = MLPDigitClassifier(random_state=0).fit(X_train, y_train)
    >>> clf.score(X_test, y_test) > 0.95
    True
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "solver": [StrOptions({"sgd", "adam", "lbfgs"})],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "nesterov": ["boolean"],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "l1": [Interval(Real, 0, None, closed="left")],
        "l2": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "init": [StrOptions(set(INITIALIZATIONS))],
        "init_scale": [Interval(Real, 0, None, closed="neither"), None],
        "output_init": [StrOptions({"same", "zeros"})],
        "lr_schedule": [StrOptions(set(SCHEDULES))],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "decay": [Interval(Real, 0, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left"), "array-like"],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        learning_rate=0.001,
        momentum=0.9,
        nesterov=True,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        l1=0.0,
        l2=1e-4,
        batch_size="auto",
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        n_iter_no_change=10,
        early_stopping=False,
        validation_fraction=0.1,
        warm_start=False,
        verbose=0,
        class_weight=None,
        init="glorot_uniform",
        init_scale=None,
        output_init="same",
        lr_schedule="constant",
        power_t=0.5,
        decay=0.01,
        dropout=0.0,
        max_fun=15000,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.nesterov = nesterov
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.l1 = l1
        self.l2 = l2
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.warm_start = warm_start
        self.verbose = verbose
        self.class_weight = class_weight
        self.init = init
        self.init_scale = init_scale
        self.output_init = output_init
        self.lr_schedule = lr_schedule
        self.power_t = power_t
        self.decay = decay
        self.dropout = dropout
        self.max_fun = max_fun

    # ------------------------------------------------------------------ fit

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self,
        X,
        y,
        sample_weight=None,
        *,
        X_val=None,
        y_val=None,
        sample_weight_val=None,
    ):
        """Train the network on (X, y).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data. float32 trains in float32, anything else in float64.

        y : array-like of shape (n_samples,)
            Class labels: ints, strings or bools, at least two classes.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples in the objective.

        X_val : array-like of shape (n_val_samples, n_features), default=None
            A validation set of your own, used instead of holding out
            ``validation_fraction`` of X: monitored after each epoch
            (``validation_scores_``, ``validation_loss_curve_``) and, with
            ``early_stopping=True``, watched for stopping.

        y_val : array-like of shape (n_val_samples,), default=None
            Labels of ``X_val``, among those of ``y``.

        sample_weight_val : array-like of shape (n_val_samples,), default=None
            Weights of the validation samples in the score and the loss.

        Returns
        -------
        self : object
            The fitted classifier.

        Raises
        ------
        KeyboardInterrupt
            When Ctrl-C is pressed during the fit: training stops at the end
            of the current minibatch, the model keeps the weights it has then
            (those of the best epoch with early stopping) and can predict or
            go on with ``partial_fit``, and the interrupt reaches the caller,
            so that a grid search or a script stops too.
        """
        if (X_val is None) != (y_val is None):
            raise ValueError("X_val and y_val must be passed together.")
        if X_val is None and sample_weight_val is not None:
            raise ValueError("sample_weight_val needs X_val and y_val.")
        validation_set = None if X_val is None else (X_val, y_val, sample_weight_val)
        return self._fit(X, y, sample_weight, None, False, validation_set)

    @available_if(_is_stochastic)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train for one epoch on (X, y), continuing from the current state.

        The weights and the optimizer's state (momentum, Adam moments) carry
        over from one call to the next.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.

        y : array-like of shape (n_samples,)
            Class labels, all among ``classes``.

        classes : array-like of shape (n_classes,), default=None
            Every class that any call will see. Required on the first call,
            ignored (but checked) afterwards.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples in the objective.

        Returns
        -------
        self : object
            The updated classifier.
        """
        if self.early_stopping:
            raise ValueError(
                "partial_fit does not support early_stopping=True: score the model "
                "on a validation set of your own between calls instead."
            )
        if isinstance(self.class_weight, str):
            raise ValueError(
                "class_weight='balanced' needs all of y at once, which partial_fit "
                "does not see: pass a dict of class weights instead."
            )
        return self._fit(X, y, sample_weight, classes, True, None)

    def _fit(self, X, y, sample_weight, classes, incremental, validation_set):
        first_call = not hasattr(self, "coefs_") or (
            not self.warm_start and not incremental
        )
        if first_call:
            # A fit from scratch that fails must not leave the previous weights
            # behind, looking fitted.
            for name in ("coefs_", "intercepts_", "_optimizer_state"):
                self.__dict__.pop(name, None)
        check_sparse_structure(X, "X")  # scipy's conversions trust it
        with _numbers_beyond_float64_are_value_errors():
            X, y = validate_data(
                self,
                X,
                y,
                dtype=(np.float64, np.float32),
                accept_sparse=("csr", "csc"),
                reset=first_call,
            )
        check_sparse_structure(X, "X")  # as converted, from LIL say
        if sparse.issparse(X):
            # Minibatches gather rows: CSR gives them without densifying X.
            X = X.tocsr()
        y_codes = self._encode_labels(y, classes, first_call, incremental)
        sample_weight = self._training_weights(sample_weight, y_codes, X.dtype)
        random_state = check_random_state(self.random_state)
        hidden = _validate_hidden_layer_sizes(self.hidden_layer_sizes)
        dropout = _validate_dropout(self.dropout, len(hidden))
        if self.solver == "lbfgs" and np.any(dropout > 0):
            raise ValueError("dropout needs a minibatch solver: use 'sgd' or 'adam'.")
        layout = ParameterLayout([X.shape[1], *hidden, len(self.classes_)])
        if first_call:
            self._reset_progress()
        params, optimizer = self._initial_state(
            layout, first_call, random_state, X.dtype
        )
        train_rows, validation = self._validation_data(
            X, y_codes, sample_weight, validation_set, incremental, random_state
        )
        # Each call shuffles and draws dropout masks with its own streams,
        # derived from random_state and the samples seen so far: no RNG
        # object to store.
        call_seed = random_state.randint(np.iinfo(np.int32).max)
        shuffle_rng = np.random.default_rng([call_seed, self.t_])
        dropout_seed = int(
            np.random.default_rng([call_seed, self.t_, 1]).integers(2**63)
        )
        self.coefs_, self.intercepts_ = layout.views(params)
        self.n_layers_ = layout.n_layers + 1
        self.n_outputs_ = len(self.classes_)
        self.out_activation_ = "softmax"
        if self.solver == "lbfgs":
            # Full batch, in chunks of rows that bound the engine's buffers.
            batch_size = min(len(train_rows), 2048)
        else:
            batch_size = self._effective_batch_size(len(train_rows))
        data = _TrainingData(X, y, y_codes, sample_weight, train_rows, validation)
        with blas_threads_for_fit(flops_per_step(layout.coef_shapes, batch_size)):
            self._run_epochs(
                data,
                layout,
                params,
                optimizer,
                shuffle_rng,
                dropout_seed,
                batch_size,
                incremental,
            )
        return self

    def _training_weights(self, sample_weight, y_codes, dtype):
        """Sample weights times class weights, as LogisticRegression combines them."""
        with _numbers_beyond_float64_are_value_errors():
            sample_weight = _validate_sample_weight(sample_weight, len(y_codes), dtype)
        if self.class_weight is None:
            return sample_weight
        if isinstance(self.class_weight, dict):
            _validate_class_weight(self.class_weight, self.classes_)
        class_weight = compute_class_weight(
            self.class_weight, classes=self.classes_, y=self.classes_[y_codes]
        )
        weights = sample_weight * class_weight[y_codes].astype(dtype)
        if not weights.sum() > 0:
            raise ValueError(
                "sample_weight times class_weight must contain at least one "
                "non-zero weight: all are zero."
            )
        return weights

    def _initial_state(self, layout, first_call, random_state, dtype):
        """Flat parameters and optimizer state to start this fit from."""
        if first_call:
            params = initialize(
                layout,
                init=self.init,
                init_scale=self.init_scale,
                output_init=self.output_init,
                activation=self.activation,
                random_state=random_state,
                dtype=dtype,
            )
            optimizer_state = None
            if not np.all(np.abs(params) < _overflow_limit(dtype)):
                raise ValueError(
                    f"init_scale={self.init_scale} draws initial weights too large "
                    f"for {np.dtype(dtype).name} arithmetic (beyond "
                    f"{_overflow_limit(dtype):.3g}, where a few layers of products "
                    "overflow): choose a smaller init_scale."
                )
        else:
            params = layout.pack(self.coefs_, self.intercepts_, dtype)
            optimizer_state = getattr(self, "_optimizer_state", None)
        optimizer = make_optimizer(
            self.solver,
            layout.n_params,
            dtype,
            learning_rate=self.learning_rate,
            momentum=self.momentum,
            nesterov=self.nesterov,
            beta_1=self.beta_1,
            beta_2=self.beta_2,
            epsilon=self.epsilon,
            state=optimizer_state,
        )
        return params, optimizer

    def _make_engine(self, layout, batch_size, dtype, optimizer, dropout_seed=0):
        return Engine(
            layout,
            batch_size=batch_size,
            dtype=dtype,
            activation=ACTIVATIONS[self.activation],
            optimizer=optimizer,
            l1=self.l1,
            l2=self.l2,
            dropout=_validate_dropout(self.dropout, layout.n_layers - 1),
            seed=dropout_seed,
            signal_interval=_signal_interval(layout, batch_size),
        )

    def _run_epochs(
        self,
        data,
        layout,
        params,
        optimizer,
        shuffle_rng,
        dropout_seed,
        batch_size,
        incremental,
    ):
        """The epoch loop: train, monitor, call back, and decide when to stop."""
        X, y, y_codes, sample_weight, train_rows, validation = data
        dtype = X.dtype
        rows = RowSource(X, y_codes, sample_weight, train_rows, len(self.classes_))
        if self.solver == "lbfgs":
            return self._run_lbfgs(
                X,
                y,
                rows,
                sample_weight,
                validation,
                layout,
                params,
                optimizer,
                batch_size,
            )
        engine = self._make_engine(layout, batch_size, dtype, optimizer, dropout_seed)
        start_of_epoch = np.empty_like(params)
        # The objective of a model that knows nothing: a yardstick for blow-ups.
        weights = params[layout.weight_mask()]
        start_loss = (
            np.log(len(self.classes_))
            + self.l1 * np.abs(weights).sum()
            + self.l2 * np.square(weights, dtype=np.float64).sum()
        )
        watch_validation = validation is not None and self.early_stopping
        best_params = np.empty_like(params) if watch_validation else None
        has_best = False
        max_epochs = 1 if incremental else self.max_iter
        learning_rate = self.learning_rate
        self.n_iter_ = 0
        self.learning_rate_curve_ = []
        callback_metadata = {"sample_weight": sample_weight}
        callback_ctx = self._init_callback_context(max_subtasks=max_epochs)
        callback_ctx.call_on_fit_task_begin(
            estimator=self, X=X, y=y, metadata=callback_metadata
        )
        interruption = None
        try:
            for _ in range(max_epochs):
                epoch_ctx = callback_ctx.subcontext(task_name="epoch")
                epoch_ctx.call_on_fit_task_begin(
                    estimator=self, X=X, y=y, metadata=callback_metadata
                )
                epoch_start_time = time.perf_counter()
                if self.lr_schedule != "adaptive":
                    learning_rate = scheduled_learning_rate(
                        self.lr_schedule,
                        self.learning_rate,
                        epoch=self.n_iter_,
                        max_epochs=max_epochs,
                        samples_seen=self.t_,
                        power_t=self.power_t,
                        decay=self.decay,
                    )
                engine.learning_rate = learning_rate
                if self.shuffle:
                    rows.shuffle(shuffle_rng)
                np.copyto(start_of_epoch, params)
                try:
                    status = engine.run_epoch(rows, params)
                finally:
                    self.t_ += engine.n_samples_done
                if status == Status.DIVERGED or self._diverged(
                    params, engine.loss_sum / engine.weight_sum, start_loss
                ):
                    # The weights that produced a non-finite loss (or absurd
                    # ones) are not kept: back to the epoch's start.
                    np.copyto(params, start_of_epoch)
                    warnings.warn(
                        f"Training diverged in epoch {self.n_iter_ + 1}: the loss "
                        "or the weights blew up, and training stopped with the "
                        "weights from the start of that epoch. Lower learning_rate "
                        f"(now {learning_rate}).",
                        ConvergenceWarning,
                    )
                    break
                self.n_iter_ += 1
                self.learning_rate_curve_.append(learning_rate)
                self.loss_ = engine.loss_sum / engine.weight_sum
                self.loss_curve_.append(self.loss_)
                if validation is not None:
                    self._record_validation(validation)
                if self._update_no_improvement_count(watch_validation):
                    np.copyto(best_params, params)
                    has_best = True
                if self.verbose:
                    self._print_epoch(time.perf_counter() - epoch_start_time)
                if epoch_ctx.call_on_fit_task_end(
                    estimator=self,
                    X=X,
                    y=y,
                    metadata=callback_metadata,
                    reconstruction_attributes=self._snapshot,
                ):
                    break
                if self._no_improvement_count > self.n_iter_no_change:
                    if self.lr_schedule == "adaptive" and learning_rate > 1e-6:
                        # Plateau: divide the step size by 5 and keep going, as
                        # MLPClassifier's learning_rate='adaptive'.
                        learning_rate /= 5.0
                        self._no_improvement_count = 0
                    else:
                        if self.verbose:
                            print(self._stopping_message())
                        break
                if not incremental and self.n_iter_ == self.max_iter:
                    warnings.warn(
                        f"Stochastic optimizer: maximum iterations ({self.max_iter}) "
                        "reached and the optimization hasn't converged yet.",
                        ConvergenceWarning,
                    )
        except KeyboardInterrupt as exc:
            interruption = _note_interruption(exc, "minibatch")
        if has_best:
            np.copyto(params, best_params)
        self._optimizer_state = optimizer.state()
        callback_ctx.call_on_fit_task_end(
            estimator=self,
            X=X,
            y=y,
            metadata=callback_metadata,
            reconstruction_attributes=self._snapshot,
        )
        if interruption is not None:
            # The model is usable; the caller (a grid search, the command
            # line) must still learn that the user asked to stop.
            raise interruption

    def _run_lbfgs(
        self,
        X,
        y,
        rows,
        sample_weight,
        validation,
        layout,
        params,
        optimizer,
        batch_size,
    ):
        """Full-batch L-BFGS: each iteration is recorded as an epoch is."""
        engine = self._make_engine(layout, batch_size, X.dtype, optimizer)
        self.n_iter_ = 0
        self.learning_rate_curve_ = []
        callback_metadata = {"sample_weight": sample_weight}
        callback_ctx = self._init_callback_context(max_subtasks=None)
        callback_ctx.call_on_fit_task_begin(
            estimator=self, X=X, y=y, metadata=callback_metadata
        )

        def on_iteration(loss):
            self.n_iter_ += 1
            self.t_ += rows.n_rows
            self.loss_ = loss
            self.loss_curve_.append(loss)
            self.best_loss_ = min(self.best_loss_, loss)
            if validation is not None:
                self._record_validation(validation)
            if self.verbose:
                self._print_epoch(0.0)
            iteration_ctx = callback_ctx.subcontext(task_name="lbfgs-iter")
            iteration_ctx.call_on_fit_task_begin(estimator=self, X=X, y=y)
            return iteration_ctx.call_on_fit_task_end(
                estimator=self,
                X=X,
                y=y,
                metadata=callback_metadata,
                reconstruction_attributes=self._snapshot,
            )

        interruption = None
        try:
            result = minimize_lbfgs(
                engine,
                rows,
                params,
                max_iter=self.max_iter,
                max_fun=self.max_fun,
                tol=self.tol,
                on_iteration=on_iteration,
            )
            if not np.isfinite(result.fun):
                warnings.warn(
                    "lbfgs: the objective is not finite at the starting weights: "
                    f"the data or the penalties (l1={self.l1}, l2={self.l2}) "
                    f"overflow {X.dtype.name} arithmetic. The model keeps its "
                    "initial weights; scale X or lower the penalties.",
                    ConvergenceWarning,
                )
            elif self.n_iter_ == 0:
                on_iteration(float(result.fun))
            if result.status == 1 and np.isfinite(result.fun):
                warnings.warn(
                    "lbfgs failed to converge within its iteration or evaluation "
                    f"budget (max_iter={self.max_iter}, max_fun={self.max_fun}): "
                    f"{result.message}",
                    ConvergenceWarning,
                )
        except KeyboardInterrupt as exc:
            interruption = _note_interruption(exc, "iteration")
        callback_ctx.call_on_fit_task_end(
            estimator=self,
            X=X,
            y=y,
            metadata=callback_metadata,
            reconstruction_attributes=self._snapshot,
        )
        if interruption is not None:
            raise interruption

    def _diverged(self, params, epoch_loss, start_loss):
        """Whether an epoch that ran to its end still blew up.

        Its loss was finite batch by batch, but the last update may have left
        non-finite weights, weights so large that a few layers of products
        overflow (beyond the fourth root of the dtype's largest number), or a
        loss a million times that of an uninformed model (``start_loss``:
        Adam with an absurd step size).
        """
        limit = _overflow_limit(params.dtype)
        if not np.isfinite(epoch_loss) or not np.all(np.abs(params) < limit):
            return True
        return epoch_loss > 1e6 * start_loss

    def _snapshot(self):
        """Copies of the weights as they are now: what a callback's
        ``fitted_estimator`` predicts with (the live ones keep training)."""
        return {
            "coefs_": [c.copy() for c in self.coefs_],
            "intercepts_": [b.copy() for b in self.intercepts_],
        }

    def _encode_labels(self, y, classes, first_call, incremental):
        """Set ``classes_`` as needed and return y as int32 class codes."""
        check_classification_targets(y)
        if incremental:
            if classes is not None:
                if np.size(classes) == 0:
                    raise ValueError(
                        "classes is empty: pass every class that partial_fit will see."
                    )
                classes = unique_labels(classes)
                if hasattr(self, "classes_") and not np.array_equal(
                    self.classes_, classes
                ):
                    raise ValueError(
                        f"classes={classes!r} is not the same as on the first call "
                        f"to partial_fit: {self.classes_!r}."
                    )
                if not hasattr(self, "classes_") or first_call:
                    self.classes_ = classes
            elif not hasattr(self, "classes_"):
                raise ValueError(
                    "classes must be passed on the first call to partial_fit."
                )
        elif first_call:
            self.classes_ = unique_labels(y)
        elif not np.array_equal(unique_labels(y), self.classes_):
            raise ValueError(
                "warm_start can only be used where `y` has the same classes "
                f"as in the previous call to fit. Previously got "
                f"{self.classes_!r}, `y` has {unique_labels(y)!r}."
            )
        if len(self.classes_) < 2:
            raise ValueError(
                "MLPDigitClassifier needs samples of at least 2 classes in the "
                f"data, but the data contains only one class: {self.classes_[0]!r}."
            )
        return self._class_codes(y, "y")

    def _class_codes(self, y, name):
        """Positions of the labels y in ``classes_``, as int32."""
        codes = np.searchsorted(self.classes_, y)
        codes = np.clip(codes, 0, len(self.classes_) - 1)
        unseen = self.classes_[codes] != y
        if np.any(unseen):
            raise ValueError(
                f"{name} contains labels not in classes: {np.unique(y[unseen])!r}."
            )
        return codes.astype(np.intc)

    def _reset_progress(self):
        self.t_ = 0
        self.loss_curve_ = []
        self._no_improvement_count = 0
        watches_validation = self.early_stopping and self.solver != "lbfgs"
        self.best_loss_ = None if watches_validation else np.inf
        self.best_validation_score_ = -np.inf if watches_validation else None

    def _validation_data(
        self, X, y_codes, sample_weight, validation_set, incremental, random_state
    ):
        """Training rows, and the validation data (or None) to monitor.

        The validation data is the user's ``X_val`` when given, else, with
        early stopping, a stratified ``validation_fraction`` of X held out.
        """
        rows = np.arange(X.shape[0], dtype=np.intp)
        self.validation_scores_ = None
        self.validation_loss_curve_ = None
        if validation_set is not None:
            X_val, y_val, sample_weight_val = validation_set
            check_sparse_structure(X_val, "X_val")
            with _numbers_beyond_float64_are_value_errors():
                X_val, y_val = validate_data(
                    self, X_val, y_val, dtype=X.dtype, accept_sparse="csr", reset=False
                )
            check_sparse_structure(X_val, "X_val")
            y_val_codes = self._class_codes(y_val, "y_val")
            sample_weight_val = _validate_sample_weight(
                sample_weight_val, len(y_val_codes), X.dtype, name="sample_weight_val"
            )
            validation = (_rows_ready(X_val), y_val_codes, sample_weight_val)
        elif self.early_stopping and not incremental and self.solver != "lbfgs":
            rows, validation = self._hold_out(X, y_codes, sample_weight, random_state)
        else:
            return rows, None
        self.validation_scores_ = []
        self.validation_loss_curve_ = []
        return rows, validation

    def _hold_out(self, X, y_codes, sample_weight, random_state):
        """Split off a stratified validation_fraction of the training rows."""
        rows = np.arange(X.shape[0], dtype=np.intp)
        counts = np.bincount(y_codes)
        n_validation = int(np.ceil(self.validation_fraction * X.shape[0]))
        can_stratify = counts[
            counts > 0
        ].min() >= 2 and n_validation >= np.count_nonzero(counts)
        train_rows, validation_rows = train_test_split(
            rows,
            test_size=self.validation_fraction,
            random_state=random_state,
            stratify=y_codes if can_stratify else None,
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
            _rows_ready(X[validation_rows]),
            y_codes[validation_rows],
            sample_weight[validation_rows],
        )
        return train_rows, validation

    def _effective_batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warnings.warn(
                f"batch_size={self.batch_size} is larger than the {n_samples} "
                "training samples: using batches of all of them.",
                UserWarning,
            )
        return min(self.batch_size, n_samples)

    def _record_validation(self, validation):
        """Append the validation accuracy and cross-entropy of the current weights."""
        X_val, y_val, sample_weight_val = validation
        log_proba = forward_proba(
            X_val, self.coefs_, self.intercepts_, self.activation, take_log=True
        )
        correct = np.argmax(log_proba, axis=1) == y_val
        true_log_proba = log_proba[np.arange(len(y_val)), y_val]
        self.validation_scores_.append(
            float(np.average(correct, weights=sample_weight_val))
        )
        self.validation_loss_curve_.append(
            float(-np.average(true_log_proba, weights=sample_weight_val))
        )

    def _update_no_improvement_count(self, watch_validation):
        """Update the patience counter on the validation score (early stopping)
        or the training loss; return True if the epoch is the best so far on
        the validation set."""
        if watch_validation:
            score = self.validation_scores_[-1]
            if score < self.best_validation_score_ + self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                return True
            return False
        if self.loss_ > self.best_loss_ - self.tol:
            self._no_improvement_count += 1
        else:
            self._no_improvement_count = 0
        self.best_loss_ = min(self.best_loss_, self.loss_)
        return False

    def _stopping_message(self):
        watched = "Validation score" if self.early_stopping else "Training loss"
        return (
            f"{watched} did not improve more than tol={self.tol} for "
            f"{self.n_iter_no_change} consecutive epochs. Stopping."
        )

    def _print_epoch(self, seconds):
        line = f"Epoch {self.n_iter_:4d}  loss {self.loss_:.6f}"
        if self.validation_scores_:
            line += (
                f"  validation accuracy {self.validation_scores_[-1]:.4f}"
                f"  validation loss {self.validation_loss_curve_[-1]:.6f}"
            )
        print(f"{line}  {seconds:.3f}s", flush=True)

    # -------------------------------------------------------------- predict

    def predict_proba(self, X):
        """Probability of each class.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows sum to one; columns follow ``classes_``. float32 for a model
            with float32 weights, float64 otherwise.
        """
        return self._forward(X, take_log=False)

    def predict_log_proba(self, X):
        """Logarithm of the probability of each class.

        Computed from the logits directly, so tiny probabilities keep their
        logarithm instead of rounding to ``log(0) = -inf``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        return self._forward(X, take_log=True)

    def predict(self, X):
        """Most probable class of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        proba = self._forward(X, take_log=False)
        return self.classes_[np.argmax(proba, axis=1)]

    def _forward(self, X, take_log):
        if not self._is_ready_float_matrix(X):
            check_is_fitted(self)
            check_sparse_structure(X, "X")
            with _numbers_beyond_float64_are_value_errors():
                X = validate_data(
                    self,
                    X,
                    dtype=(np.float64, np.float32),
                    accept_sparse=("csr", "csc"),
                    reset=False,
                )
            check_sparse_structure(X, "X")
        if self.activation not in ACTIVATIONS:
            raise ValueError(
                f"activation={self.activation!r} is not one of {sorted(ACTIVATIONS)}: "
                "it was changed after fit to a value the network cannot use."
            )
        dtype = (
            np.float32
            if all(np.asarray(c).dtype == np.float32 for c in self.coefs_)
            else np.float64
        )
        coefs = [np.ascontiguousarray(c, dtype=dtype) for c in self.coefs_]
        intercepts = [np.ascontiguousarray(b, dtype=dtype) for b in self.intercepts_]
        if (
            len(coefs) == 0
            or len(coefs) != len(intercepts)
            or np.ndim(coefs[-1]) != 2
            or coefs[-1].shape[1] != len(self.classes_)
        ):
            raise ValueError(
                "coefs_ and intercepts_ must hold the same number of layers, the "
                f"last with one output per class ({len(self.classes_)})."
            )
        # Values beyond a float32 model's range become inf here; the rows they
        # spoil are redone in float64 below.
        with np.errstate(over="ignore"):
            if sparse.issparse(X):
                X = X.tocsr()
                X_model = X.astype(dtype, copy=False)
            else:
                X_model = np.ascontiguousarray(X, dtype=dtype)
        proba = forward_proba(X_model, coefs, intercepts, self.activation, take_log)
        if not np.isfinite(proba).all():
            _recompute_overflowing_rows(
                proba, X, coefs, intercepts, self.activation, take_log
            )
        return proba

    def __sklearn_is_fitted__(self):
        return "coefs_" in self.__dict__

    def _is_ready_float_matrix(self, X):
        """True if X needs none of validate_data's conversions or warnings.

        The fast path of prediction, which matters for single rows: a fitted
        model without feature names, and a finite 2-D float ndarray of the
        right width. Anything else goes through validate_data, which also
        gives the errors.
        """
        return (
            type(X) is np.ndarray
            and X.ndim == 2
            and X.shape[0] > 0
            and (X.dtype == np.float64 or X.dtype == np.float32)
            and "coefs_" in self.__dict__
            and "feature_names_in_" not in self.__dict__
            and X.shape[1] == self.n_features_in_
            and bool(np.isfinite(X).all())
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = True
        return tags


def _validate_hidden_layer_sizes(hidden_layer_sizes):
    """hidden_layer_sizes as a list of positive ints."""
    if np.ndim(hidden_layer_sizes) == 0:
        # An int, or a 0-d array such as np.array(5).
        hidden_layer_sizes = [np.asarray(hidden_layer_sizes).item()]
    sizes = list(hidden_layer_sizes)
    if not all(isinstance(s, Integral) and s > 0 for s in sizes):
        raise ValueError(
            f"hidden_layer_sizes must be positive integers, got {hidden_layer_sizes!r}."
        )
    return [int(s) for s in sizes]


class _TrainingData(NamedTuple):
    """What a fit trains on, validated."""

    X: object  # ndarray or CSR matrix
    y: np.ndarray  # labels, as given
    y_codes: np.ndarray  # their positions in classes_, int32
    sample_weight: np.ndarray  # times the class weights
    rows: np.ndarray  # the rows of X to train on (not held out)
    validation: tuple | None  # (X_val, y_val codes, sample_weight_val)


def _rows_ready(X):
    """X for forward_proba: CSR stays sparse (densified chunk by chunk), a
    dense array becomes C-contiguous."""
    return X.tocsr() if sparse.issparse(X) else np.ascontiguousarray(X)


def _validate_dropout(dropout, n_hidden):
    """Dropout rates as one float per hidden layer, each in [0, 1)."""
    rates = np.asarray(dropout, dtype=np.float64)
    if rates.ndim == 0:
        rates = np.full(n_hidden, float(rates))
    if rates.shape != (n_hidden,):
        raise ValueError(
            f"dropout must be a float or one rate per hidden layer ({n_hidden}); "
            f"got {dropout!r}."
        )
    if not np.all((rates >= 0) & (rates < 1)):
        raise ValueError(f"dropout rates must be in [0, 1); got {dropout!r}.")
    return rates


def _validate_sample_weight(sample_weight, n_samples, dtype, name="sample_weight"):
    """Sample weights as a C-contiguous array of ``dtype``: finite, non-negative,
    with a positive sum (ones when None). Never the caller's array when it
    would be written to."""
    if sample_weight is None:
        return np.ones(n_samples, dtype=dtype)
    if np.isscalar(sample_weight):
        sample_weight = np.full(n_samples, sample_weight, dtype=dtype)
    sample_weight = check_array(
        sample_weight,
        ensure_2d=False,
        dtype=dtype,
        order="C",
        input_name="sample_weight",
    )
    if sample_weight.ndim != 1 or sample_weight.shape[0] != n_samples:
        raise ValueError(
            f"sample_weight.shape == {sample_weight.shape}, expected ({n_samples},)!"
        )
    if np.any(sample_weight < 0):
        raise ValueError("sample_weight must be non-negative: got negative weights.")
    with np.errstate(over="ignore"):
        total = sample_weight.sum()
    if not total > 0:
        raise ValueError(
            f"{name} must contain at least one non-zero weight: all are zero."
        )
    largest = sample_weight.max()
    if not np.isfinite(total) or largest < 1e-20:
        # The objective divides by the weights' sum, so rescaling changes
        # nothing but keeps sums finite and weights out of the denormal range
        # (which the engine flushes to zero).
        sample_weight = sample_weight / largest
    return sample_weight


def _overflow_limit(dtype):
    """Largest weight magnitude a network of ``dtype`` can hold safely: beyond
    the fourth root of the largest number, a few layers of products overflow."""
    return float(np.finfo(dtype).max) ** 0.25


@contextmanager
def _numbers_beyond_float64_are_value_errors():
    """NumPy raises OverflowError for a Python int too large for float64 (say
    10**400); report it as the bad input it is."""
    try:
        yield
    except OverflowError as exc:
        raise ValueError(
            f"The input holds a number too large for float64 ({exc})."
        ) from exc


def _validate_class_weight(class_weight, classes):
    """A class_weight dict: labels among ``classes``, finite non-negative
    weights, not all zero."""
    unknown = [label for label in class_weight if label not in set(classes.tolist())]
    if unknown:
        raise ValueError(
            f"class_weight holds labels that are not classes of y: {unknown!r} "
            f"(the classes are {classes.tolist()!r})."
        )
    for label, weight in class_weight.items():
        if isinstance(weight, bool) or not isinstance(weight, Real):
            raise ValueError(
                f"class_weight[{label!r}] = {weight!r}: class weights must be numbers."
            )
        if not (np.isfinite(weight) and weight >= 0):
            raise ValueError(
                f"class_weight[{label!r}] = {weight!r}: class weights must be finite "
                "and non-negative."
            )


def _recompute_overflowing_rows(proba, X, coefs, intercepts, activation, take_log):
    """Redo in float64 the rows of ``proba`` that overflowed, in place.

    A float32 model given float64 values beyond float32's range (or float32
    values whose products overflow) would return NaN probabilities. Those
    rows are computed again from X in float64; a row that overflows even
    there raises instead of returning garbage.
    """
    rows = np.flatnonzero(~np.isfinite(proba).all(axis=1))
    if proba.dtype != np.float64:
        redone = forward_proba(
            np.ascontiguousarray(X[rows], dtype=np.float64)
            if not sparse.issparse(X)
            else X[rows].astype(np.float64),
            [np.ascontiguousarray(c, dtype=np.float64) for c in coefs],
            [np.ascontiguousarray(b, dtype=np.float64) for b in intercepts],
            activation,
            take_log,
        )
        if take_log:
            # A log-probability below float32's range is as good as its floor.
            np.maximum(redone, np.finfo(proba.dtype).min, out=redone)
        proba[rows] = redone
        rows = rows[~np.isfinite(proba[rows]).all(axis=1)]
    if rows.size:
        raise ValueError(
            f"X holds values too large for the network: {rows.size} row(s) "
            f"(first: {rows[:5].tolist()}) overflow even in float64 arithmetic. "
            "Scale X as the training data was scaled."
        )


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
