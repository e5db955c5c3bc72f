"""The estimator: parameters, input validation, fit / partial_fit / predict.

The numeric work happens in the compiled engine (:mod:`skmlp._train`); this
module validates inputs, lays out the parameters, runs the epochs and decides
when to stop.
"""

import time
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from . import _optimizer
from ._callbacks import CallbackSupportMixin
from ._network import ACTIVATIONS, ParameterLayout, forward_proba, glorot_uniform
from ._threads import share_cores_between_fits
from ._train import Engine, Status

# Aim for a Ctrl-C check about every 1e8 floating-point operations (~10 ms).
_FLOPS_BETWEEN_SIGNAL_CHECKS = 1e8


class MLPDigitClassifier(CallbackSupportMixin, ClassifierMixin, BaseEstimator):
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

    activation : {'relu', 'tanh', 'logistic', 'identity'}, default='relu'
        Activation of the hidden layers.

    solver : {'adam', 'sgd'}, default='adam'
        ``'sgd'`` is minibatch stochastic gradient descent with optional
        (Nesterov) momentum; ``'adam'`` is Kingma & Ba's Adam.

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
        Print one line per epoch when positive.

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

    loss_curve_ : list of float
        ``loss_`` after each epoch.

    best_loss_ : float or None
        Lowest ``loss_`` seen; None with ``early_stopping``.

    validation_scores_ : list of float or None
        Accuracy on the validation set after each epoch; None without
        ``early_stopping``.

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
        "solver": [StrOptions({"sgd", "adam"})],
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

    # ------------------------------------------------------------------ fit

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the network on (X, y).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data. float32 trains in float32, anything else in float64.

        y : array-like of shape (n_samples,)
            Class labels: ints, strings or bools, at least two classes.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples in the objective.

        Returns
        -------
        self : object
            The fitted classifier.
        """
        return self._fit(X, y, sample_weight, classes=None, incremental=False)

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
                "partial_fit does not support early_stopping=True: pass a "
                "validation set of your own through score() instead."
            )
        return self._fit(X, y, sample_weight, classes=classes, incremental=True)

    def _fit(self, X, y, sample_weight, classes, incremental):
        with share_cores_between_fits():
            return self._fit_shared_cores(X, y, sample_weight, classes, incremental)

    def _fit_shared_cores(self, X, y, sample_weight, classes, incremental):
        first_call = not hasattr(self, "coefs_") or (
            not self.warm_start and not incremental
        )
        X, y = validate_data(
            self, X, y, dtype=(np.float64, np.float32), reset=first_call
        )
        dtype = X.dtype
        y_codes = self._encode_labels(y, classes, first_call, incremental)
        sample_weight = _validate_sample_weight(sample_weight, X.shape[0], dtype)

        hidden = _validate_hidden_layer_sizes(self.hidden_layer_sizes)
        layout = ParameterLayout([X.shape[1], *hidden, len(self.classes_)])
        random_state = check_random_state(self.random_state)
        if first_call:
            params = glorot_uniform(layout, self.activation, random_state, dtype)
            self._reset_progress()
            optimizer_state = None
        else:
            params = layout.pack(self.coefs_, self.intercepts_, dtype)
            optimizer_state = getattr(self, "_optimizer_state", None)
        update = _optimizer.update_rule(self.solver, self.momentum, self.nesterov)
        optimizer_state = _optimizer.resume_state(
            optimizer_state, update, layout.n_params, dtype
        )

        train_rows, validation = self._split_validation(
            X, y_codes, sample_weight, incremental, random_state
        )
        # Each call and each epoch shuffles with its own stream, derived from
        # random_state and the samples seen so far: no RNG object to store.
        shuffle_rng = np.random.default_rng(
            [random_state.randint(np.iinfo(np.int32).max), self.t_]
        )
        batch_size = self._effective_batch_size(len(train_rows))
        engine = Engine(
            layout.n_units,
            layout.weight_offsets,
            layout.bias_offsets,
            batch_size,
            dtype,
            ACTIVATIONS[self.activation],
            update,
            self.learning_rate,
            self.momentum,
            self.beta_1,
            self.beta_2,
            self.epsilon,
            self.l1,
            self.l2,
            _signal_interval(layout, batch_size),
        )
        engine.n_adam_steps = optimizer_state["n_adam_steps"]
        state_1, state_2 = _optimizer.state_buffers(optimizer_state, dtype)

        self.n_iter_ = 0
        self.coefs_, self.intercepts_ = layout.views(params)
        self.n_layers_ = layout.n_layers + 1
        self.n_outputs_ = len(self.classes_)
        self.out_activation_ = "softmax"
        start_of_epoch = np.empty_like(params)
        best_params = np.empty_like(params) if validation is not None else None
        has_best = False
        max_epochs = 1 if incremental else self.max_iter
        callback_metadata = {"sample_weight": sample_weight}
        callback_ctx = self._init_callback_context(max_subtasks=max_epochs)
        callback_ctx.call_on_fit_task_begin(
            estimator=self, X=X, y=y, metadata=callback_metadata
        )
        try:
            for _ in range(max_epochs):
                epoch_ctx = callback_ctx.subcontext(task_name="epoch")
                epoch_ctx.call_on_fit_task_begin(
                    estimator=self, X=X, y=y, metadata=callback_metadata
                )
                epoch_start_time = time.perf_counter()
                if self.shuffle:
                    shuffle_rng.shuffle(train_rows)
                np.copyto(start_of_epoch, params)
                try:
                    status = engine.run_epoch(
                        X, y_codes, sample_weight, train_rows, params, state_1, state_2
                    )
                finally:
                    self.t_ += engine.n_samples_done
                    optimizer_state["n_adam_steps"] = engine.n_adam_steps
                if status == Status.DIVERGED:
                    if not np.all(np.isfinite(params)):
                        np.copyto(params, start_of_epoch)
                    warnings.warn(
                        f"Training diverged in epoch {self.n_iter_ + 1}: the loss "
                        "became non-finite, and training stopped with the last finite "
                        f"weights. Lower learning_rate (now {self.learning_rate}).",
                        ConvergenceWarning,
                    )
                    break
                self.n_iter_ += 1
                self.loss_ = engine.loss_sum / engine.weight_sum
                self.loss_curve_.append(self.loss_)
                improved = self._update_no_improvement_count(validation)
                if improved and best_params is not None:
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
                    if self.verbose:
                        print(self._stopping_message())
                    break
                if not incremental and self.n_iter_ == self.max_iter:
                    warnings.warn(
                        f"Stochastic optimizer: maximum iterations ({self.max_iter}) "
                        "reached and the optimization hasn't converged yet.",
                        ConvergenceWarning,
                    )
        except KeyboardInterrupt:
            warnings.warn(
                "Training interrupted by user: the model keeps the weights of the "
                "last completed minibatch.",
                UserWarning,
            )
        if has_best:
            np.copyto(params, best_params)
        self._optimizer_state = optimizer_state
        callback_ctx.call_on_fit_task_end(
            estimator=self,
            X=X,
            y=y,
            metadata=callback_metadata,
            reconstruction_attributes=self._snapshot,
        )
        return self

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
        else:
            if not np.array_equal(unique_labels(y), self.classes_):
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
        codes = np.searchsorted(self.classes_, y)
        codes = np.clip(codes, 0, len(self.classes_) - 1)
        unseen = self.classes_[codes] != y
        if np.any(unseen):
            raise ValueError(
                f"y contains labels not in classes: {np.unique(y[unseen])!r}."
            )
        return codes.astype(np.intc)

    def _reset_progress(self):
        self.t_ = 0
        self.loss_curve_ = []
        self._no_improvement_count = 0
        if self.early_stopping:
            self.validation_scores_ = []
            self.best_validation_score_ = -np.inf
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = np.inf

    def _split_validation(self, X, y_codes, sample_weight, incremental, random_state):
        """Training rows, and the held-out validation set with early stopping."""
        rows = np.arange(X.shape[0], dtype=np.intp)
        if not self.early_stopping or incremental:
            return rows, None
        counts = np.bincount(y_codes)
        n_validation = int(np.ceil(self.validation_fraction * X.shape[0]))
        stratify = (
            y_codes
            if counts[counts > 0].min() >= 2
            and n_validation >= np.count_nonzero(counts)
            else None
        )
        train_rows, validation_rows = train_test_split(
            rows,
            test_size=self.validation_fraction,
            random_state=random_state,
            stratify=stratify,
        )
        if len(validation_rows) < 2:
            raise ValueError(
                "The validation set is too small: increase validation_fraction or "
                "the number of samples."
            )
        # Without shuffling, train in the order the samples came in.
        train_rows = np.ascontiguousarray(np.sort(train_rows), dtype=np.intp)
        validation = (
            np.ascontiguousarray(X[validation_rows]),
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

    def _update_no_improvement_count(self, validation):
        """Update the patience counter; return True if the epoch is the best so far
        on the validation set."""
        if validation is not None:
            X_val, y_val, sample_weight_val = validation
            proba = forward_proba(X_val, self.coefs_, self.intercepts_, self.activation)
            correct = np.argmax(proba, axis=1) == y_val
            score = float(np.average(correct, weights=sample_weight_val))
            self.validation_scores_.append(score)
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
            line += f"  validation accuracy {self.validation_scores_[-1]:.4f}"
        print(f"{line}  {seconds:.3f}s")

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
        check_is_fitted(self)
        X = validate_data(self, X, dtype=(np.float64, np.float32), reset=False)
        dtype = (
            np.float32
            if all(np.asarray(c).dtype == np.float32 for c in self.coefs_)
            else np.float64
        )
        coefs = [np.ascontiguousarray(c, dtype=dtype) for c in self.coefs_]
        intercepts = [np.ascontiguousarray(b, dtype=dtype) for b in self.intercepts_]
        if len(coefs) != len(intercepts) or coefs[-1].shape[1] != len(self.classes_):
            raise ValueError(
                "coefs_ and intercepts_ must hold the same number of layers, the "
                f"last with one output per class ({len(self.classes_)})."
            )
        X = np.ascontiguousarray(X, dtype=dtype)
        return forward_proba(X, coefs, intercepts, self.activation, take_log)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags


def _validate_hidden_layer_sizes(hidden_layer_sizes):
    """hidden_layer_sizes as a list of positive ints."""
    if isinstance(hidden_layer_sizes, Integral):
        hidden_layer_sizes = [hidden_layer_sizes]
    sizes = list(hidden_layer_sizes)
    if not all(isinstance(s, Integral) and s > 0 for s in sizes):
        raise ValueError(
            f"hidden_layer_sizes must be positive integers, got {hidden_layer_sizes!r}."
        )
    return [int(s) for s in sizes]


def _validate_sample_weight(sample_weight, n_samples, dtype):
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
    if not sample_weight.sum() > 0:
        raise ValueError(
            "sample_weight must contain at least one non-zero weight: all are zero."
        )
    return sample_weight


def _signal_interval(layout, batch_size):
    """Minibatches between two Ctrl-C checks."""
    flops_per_batch = 6.0 * batch_size * sum(a * b for a, b in layout.coef_shapes)
    return max(1, int(_FLOPS_BETWEEN_SIGNAL_CHECKS / max(flops_per_batch, 1.0)))
