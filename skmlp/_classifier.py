"""The estimator: parameters, input validation, fit / partial_fit / predict.

This module validates the inputs, encodes the labels, sets up the network
and hands them to the fitter (:mod:`skmlp._fit_loop`), which trains with the
compiled engine (:mod:`skmlp._engine`); it then publishes the fitted
attributes, all at once, and predicts.
"""

import functools
import threading
import weakref
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.class_weight import compute_class_weight, compute_sample_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import (
    check_classification_targets,
    type_of_target,
    unique_labels,
)
from sklearn.utils.validation import (
    check_array,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from ._callbacks import CallbackSupportMixin
from ._fit_loop import Fitter, Progress, TrainingData, TrainingSettings, rows_ready
from ._fitted_state import CheckedStateMixin
from ._network import (
    ACTIVATIONS,
    INITIALIZATIONS,
    OUTPUT_LAYERS,
    ParameterLayout,
    forward_proba,
    initialize,
    overflow_limit,
    prediction_chunk_rows,
)
from ._optimizers import make_optimizer
from ._persistence import VersionedPickleMixin
from ._schedules import SCHEDULES
from ._sparse import check_sparse_structure
from ._threads import blas_threads_for_prediction
from .augmentation import DigitAugmentation, with_settings

# Fitted attributes of the model that training does not change.
_MODEL_ATTRIBUTES = (
    "classes_",
    "n_features_in_",
    "feature_names_in_",
    "n_layers_",
    "n_outputs_",
    "out_activation_",
)

# One lock per estimator object, kept outside its __dict__ so that pickling,
# clone and get_params never see it.
_FIT_LOCKS = weakref.WeakKeyDictionary()
_FIT_LOCKS_GUARD = threading.Lock()


@contextmanager
def _one_fit_at_a_time(estimator):
    """Serialise the fits of one estimator object (from several threads)."""
    with _FIT_LOCKS_GUARD:
        lock = _FIT_LOCKS.get(estimator)
        if lock is None:
            lock = _FIT_LOCKS[estimator] = threading.RLock()
    with lock:
        yield


def _is_fitted_attribute(name):
    """Whether an attribute belongs to the fitted model (published together)."""
    return (name.endswith("_") and not name.startswith("__")) or name in (
        "_optimizer_state",
        "_no_improvement_count",
    )


def _is_ready_float_matrix(model, X):
    """True if X needs none of validate_data's conversions or warnings.

    The fast path of prediction, which matters for single rows: a fitted
    ``model`` (an estimator's instance dict) without feature names, and a
    finite 2-D float ndarray of the right width. Anything else goes through
    validate_data, which also gives the errors.
    """
    return (
        type(X) is np.ndarray
        and X.ndim == 2
        and X.shape[0] > 0
        and (X.dtype == np.float64 or X.dtype == np.float32)
        and "coefs_" in model
        and "feature_names_in_" not in model
        and X.shape[1] == model["n_features_in_"]
        and bool(np.isfinite(X).all())
    )


def _is_stochastic(estimator):
    """partial_fit exists for the minibatch solvers only."""
    if estimator.solver == "lbfgs":
        raise AttributeError("partial_fit is not available for solver='lbfgs'.")
    return True


class MLPDigitClassifier(
    CheckedStateMixin,
    VersionedPickleMixin,
    CallbackSupportMixin,
    ClassifierMixin,
    BaseEstimator,
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

    Multilabel targets (an indicator matrix ``y`` of shape ``(n_samples,
    n_labels)``, 0 or 1) train one logistic output unit per label, and ``CE``
    is the binary cross-entropy summed over the labels, as MLPClassifier does:
    ``predict`` then gives the labels whose probability exceeds 0.5 and
    ``score`` is the subset accuracy.

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

    n_iter_no_change : int or np.inf, default=10
        Patience: stop after this many epochs without an improvement of at
        least ``tol``. ``np.inf`` never stops on patience (nor divides the
        step size of ``lr_schedule='adaptive'``).

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data, stratified by
        class, stop when its accuracy (subset accuracy for multilabel
        targets) stops improving, and keep the weights of the best epoch.
        When the split cannot be stratified (a class of a single sample, or
        fewer held-out or remaining samples than classes), binary targets are
        a ``ValueError``, as in MLPClassifier, and multiclass targets are held
        out without stratification, with a warning (MLPClassifier never
        stratifies those); pass ``X_val`` and ``y_val`` to ``fit`` for a
        validation set of your own. Multilabel targets are not stratified.

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
        ``'balanced'`` for ``n_samples / (n_classes * np.bincount(y))``. For
        multilabel targets, only ``'balanced'``, as
        :func:`~sklearn.utils.class_weight.compute_sample_weight` defines it
        (each label a balanced binary problem, the weights multiplied).

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

    augment : None, bool, dict or DigitAugmentation, default=None
        Distort the training images on the fly: every image of every
        minibatch, anew at each epoch, by a random affine transform and
        elastic displacement (:class:`~skmlp.augmentation.DigitAugmentation`,
        whose defaults suit 28 x 28 digits). ``True`` takes the defaults, a
        dict changes some of them (``{"rotation": 8, "flip": True}``). Only
        the training minibatches are distorted: never the validation data,
        never the inputs of ``predict``. The rows of X must be images
        (square, or of the augmentation's ``image_shape``); sparse X is
        distorted minibatch by minibatch, as it is gathered into a dense
        buffer. The distortions come from streams seeded by ``random_state``:
        the same seed gives the same bits, whatever the number of threads.
        Needs a minibatch solver.

    max_norm : float or None, default=None
        After each update, every hidden unit's incoming weight vector (each
        column of a hidden layer's ``coefs_[l]``; not the output layer's, nor
        the biases) longer than ``max_norm`` is scaled back to that length:
        the max-norm constraint of Srivastava et al. (2014), who paired it
        with dropout and used 3 to 4. Needs a minibatch solver.

    label_smoothing : float, default=0.0
        Train on smoothed targets, in [0, 1): each sample's one-hot target
        becomes ``(1 - label_smoothing) * onehot + label_smoothing /
        n_classes`` (Szegedy et al., 2016), which keeps the network from
        growing ever more confident on its training data. The training loss
        (``loss_``, ``loss_curve_``) is the cross-entropy with these targets;
        the validation loss is the plain one. Softmax output only: multilabel
        targets take 0.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels; for multilabel targets, the column indices of ``y``
        (``np.arange(n_labels)``), as MLPClassifier's.

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

        Every per-epoch curve (``loss_curve_``, ``validation_scores_``,
        ``validation_loss_curve_``, ``learning_rate_curve_``) follows
        MLPClassifier's rule for ``loss_curve_`` and ``validation_scores_``:
        one entry per epoch (per L-BFGS iteration) since the model last
        started from scratch; ``warm_start`` and ``partial_fit`` append to
        them, so that entry ``k`` of each curve belongs to the same epoch. An
        epoch without the value (no validation data; no step size with
        L-BFGS) holds NaN.

    best_loss_ : float or None
        Lowest ``loss_`` seen; None with ``early_stopping``.

    validation_scores_ : list of float or None
        Accuracy (subset accuracy for multilabel targets) on the validation
        data after each epoch; None until an epoch has validation data
        (``early_stopping`` or ``X_val``).

    validation_loss_curve_ : list of float or None
        Mean cross-entropy on the validation data after each epoch (no
        penalty terms; for multilabel targets, the binary cross-entropy
        summed over the labels); None like ``validation_scores_``.

    learning_rate_curve_ : list of float
        The step size used in each epoch (NaN for L-BFGS iterations).

    best_validation_score_ : float or None
        Best of ``validation_scores_``; None without ``early_stopping``.

    n_layers_ : int
        Number of layers, input and output included.

    n_outputs_ : int
        Number of output units: one per class (softmax, also for two classes
        and for one), or one per label for multilabel targets.

    out_activation_ : {'softmax', 'logistic'}
        ``'logistic'`` (a sigmoid per label) for multilabel targets,
        ``'softmax'`` otherwise.

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
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
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
        "augment": [None, "boolean", dict, DigitAugmentation],
        "max_norm": [Interval(Real, 0, np.inf, closed="neither"), None],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
    }

    @classmethod
    def _get_param_names(cls):
        """The constructor's parameter names, read once per class: scikit-learn
        reads them from ``inspect.signature`` on every ``get_params``, which
        every fit (parameter validation) and every ``clone`` calls."""
        return list(_constructor_parameter_names(cls))

    # -- nested augment settings (issue 29): see augmentation.with_settings --
    def set_params(self, **params):
        """Set parameters, as scikit-learn's ``set_params``.

        ``augment__<setting>=value`` works whatever form ``augment`` takes (a
        dict, True or a DigitAugmentation); scikit-learn's nests only into
        estimators. Values are checked by ``fit``, so that a search scores
        an invalid candidate with ``error_score``.

        Returns
        -------
        self : MLPDigitClassifier
        """
        settings = {
            key.removeprefix("augment__"): params.pop(key)
            for key in list(params)
            if key.startswith("augment__")
        }
        super().set_params(**params)
        if settings:
            self.augment = with_settings(self.augment, settings)
        return self

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
        augment=None,
        max_norm=None,
        label_smoothing=0.0,
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
        self.augment = augment
        self.max_norm = max_norm
        self.label_smoothing = label_smoothing

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

        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels (ints, strings or bools), or a multilabel indicator
            matrix (0 or 1 for each label).

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples in the objective.

        X_val : array-like of shape (n_val_samples, n_features), default=None
            A validation set of your own, used instead of holding out
            ``validation_fraction`` of X: monitored after each epoch
            (``validation_scores_``, ``validation_loss_curve_``) and, with
            ``early_stopping=True``, watched for stopping.

        y_val : array-like of shape (n_val_samples,) or (n_val_samples, n_labels), \
                default=None
            Labels of ``X_val``, among those of ``y`` (of the same kind).

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

        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, all among ``classes``, or a multilabel indicator
            matrix.

        classes : array-like of shape (n_classes,), default=None
            Every class that any call will see; for multilabel targets, the
            column indices of ``y`` (``range(n_labels)``). Required on the
            first call, ignored (but checked) afterwards.

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
        """Fit a draft of the model and publish it whole when the fit ends.

        Fits of one estimator run one at a time. The fit trains its own
        buffers; a ``predict`` running meanwhile, in another thread, uses the
        previous model entirely, and then the new one.
        """
        with _one_fit_at_a_time(self):
            first_call = not hasattr(self, "coefs_") or (
                not self.warm_start and not incremental
            )
            draft = self._draft(first_call)
            fitter = None
            try:
                fitter = draft._make_fitter(
                    self, X, y, sample_weight, classes, incremental, validation_set
                )
                fitter.run()
            except BaseException as exc:
                if fitter is not None and isinstance(exc, KeyboardInterrupt):
                    # The model of the last completed minibatch is usable.
                    self._publish(draft, fitter.fitted_attributes())
                elif first_call:
                    # A fit from scratch that fails must not leave the previous
                    # weights behind, looking fitted: what it validated stays
                    # (classes_, n_features_in_, as scikit-learn's), no weights.
                    self._publish(draft, {})
                raise
            self._publish(draft, fitter.fitted_attributes())
        return self

    def _draft(self, first_call):
        """A copy of this estimator for a fit to prepare the new model in;
        without weights nor optimizer state for a fit from scratch."""
        draft = object.__new__(type(self))
        draft.__dict__.update(self.__dict__)
        if first_call:
            for name in ("coefs_", "intercepts_", "_optimizer_state"):
                draft.__dict__.pop(name, None)
        return draft

    def _publish(self, draft, fitted_attributes):
        """Replace this estimator's fitted attributes with the draft's, updated
        with ``fitted_attributes``, at once: the instance dict is swapped in
        one step, so that a reader in another thread sees the old model or the
        new one, never a mix."""
        draft.__dict__.update(fitted_attributes)
        state = {
            name: value
            for name, value in self.__dict__.items()
            if not _is_fitted_attribute(name)
        }
        state.update(
            (name, value)
            for name, value in draft.__dict__.items()
            if _is_fitted_attribute(name)
        )
        self.__dict__ = state

    def _make_fitter(
        self, estimator, X, y, sample_weight, classes, incremental, validation_set
    ):
        """Validate the inputs into this draft and build the fit's :class:`Fitter`.

        Called on the draft: the fitted attributes set here (``classes_``,
        ``n_features_in_``, ...) are the new model's; ``estimator`` is the
        estimator being fitted, whose callbacks the fitter calls.
        """
        first_call = not hasattr(self, "coefs_")
        check_sparse_structure(X, "X")  # scipy's conversions trust it
        with _numbers_beyond_float64_are_value_errors():
            X, y = validate_data(
                self,
                X,
                y,
                dtype=(np.float64, np.float32),
                accept_sparse=("csr", "csc"),
                multi_output=True,
                reset=first_call,
            )
        check_sparse_structure(X, "X")  # as converted, from LIL say
        if sparse.issparse(X):
            # Minibatches gather rows: CSR gives them without densifying X.
            X = X.tocsr()
        y = _targets_array(y)
        y_codes = self._encode_targets(y, classes, first_call, incremental)
        self.n_outputs_ = len(self.classes_)
        self.out_activation_ = "logistic" if y_codes.ndim == 2 else "softmax"
        if self.out_activation_ == "logistic" and self.label_smoothing > 0:
            raise ValueError(
                "label_smoothing smooths the targets of exclusive classes (a "
                "softmax output); multilabel targets train one sigmoid per "
                f"label: use label_smoothing=0, got {self.label_smoothing}."
            )
        sample_weight = self._training_weights(sample_weight, y_codes, X.dtype)
        random_state = check_random_state(self.random_state)
        hidden = _validate_hidden_layer_sizes(self.hidden_layer_sizes)
        dropout = _validate_dropout(self.dropout, len(hidden))
        if self.solver == "lbfgs" and np.any(dropout > 0):
            raise ValueError("dropout needs a minibatch solver: use 'sgd' or 'adam'.")
        augmentation = self._validate_augmentation(X.shape[1])
        if self.solver == "lbfgs" and self.max_norm is not None:
            raise ValueError(
                "max_norm constrains the steps of a minibatch solver: use 'sgd' "
                "or 'adam', or max_norm=None."
            )
        layout = ParameterLayout([X.shape[1], *hidden, len(self.classes_)])
        watches_validation = self.early_stopping and self.solver != "lbfgs"
        if first_call:
            progress = Progress.fresh(watches_validation)
        else:
            progress = Progress.resume(self, watches_validation)
        params, optimizer = self._initial_state(
            layout, first_call, random_state, X.dtype
        )
        validation = self._validation_set(validation_set, X.dtype)
        self.n_layers_ = layout.n_layers + 1
        model_attributes = {
            name: getattr(self, name)
            for name in _MODEL_ATTRIBUTES
            if name in self.__dict__
        }
        return Fitter(
            estimator,
            model_attributes,
            self._training_settings(dropout, augmentation),
            TrainingData(
                X,
                y,
                y_codes,
                sample_weight,
                validation,
                OUTPUT_LAYERS[self.out_activation_],
            ),
            layout,
            params,
            optimizer,
            progress,
            random_state,
            incremental,
        )

    def _validate_augmentation(self, n_features):
        """The DigitAugmentation that ``augment`` asks for, or None, checked
        against the solver and the rows of X."""
        augmentation = DigitAugmentation.from_param(self.augment, "augment")
        if augmentation is None:
            return None
        if self.solver == "lbfgs":
            raise ValueError(
                "augment distorts the minibatches of a minibatch solver: use "
                "'sgd' or 'adam', or augment=None."
            )
        augmentation.resolve_image_shape(n_features)
        return augmentation

    def _training_settings(self, dropout, augmentation):
        return TrainingSettings(
            solver=self.solver,
            activation=self.activation,
            learning_rate=self.learning_rate,
            lr_schedule=self.lr_schedule,
            power_t=self.power_t,
            decay=self.decay,
            l1=self.l1,
            l2=self.l2,
            batch_size=self.batch_size,
            max_iter=self.max_iter,
            max_fun=self.max_fun,
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            early_stopping=self.early_stopping,
            validation_fraction=self.validation_fraction,
            shuffle=self.shuffle,
            verbose=self.verbose,
            dropout=dropout,
            augment=augmentation,
            max_norm=None if self.max_norm is None else float(self.max_norm),
            label_smoothing=float(self.label_smoothing),
        )

    def _training_weights(self, sample_weight, y_codes, dtype):
        """Sample weights times class weights, as LogisticRegression combines
        them (for multilabel targets, as ``compute_sample_weight`` does)."""
        with _numbers_beyond_float64_are_value_errors():
            sample_weight = _validate_sample_weight(sample_weight, len(y_codes), dtype)
        if self.class_weight is None:
            return sample_weight
        if y_codes.ndim == 2:
            class_weight = _multilabel_class_weight(self.class_weight, y_codes)
        else:
            if isinstance(self.class_weight, dict):
                _validate_class_weight(self.class_weight, self.classes_)
            class_weight = compute_class_weight(
                self.class_weight, classes=self.classes_, y=self.classes_[y_codes]
            )[y_codes]
        weights = sample_weight * class_weight.astype(dtype)
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
            if not np.all(np.abs(params) < overflow_limit(dtype)):
                raise ValueError(
                    f"init_scale={self.init_scale} draws initial weights too large "
                    f"for {np.dtype(dtype).name} arithmetic (beyond "
                    f"{overflow_limit(dtype):.3g}, where a few layers of products "
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

    def _encode_targets(self, y, classes, first_call, incremental):
        """Set ``classes_`` as needed and return the targets as the engine
        takes them: class codes (int32) for labels, the indicator matrix
        (uint8) for multilabel targets."""
        check_classification_targets(y)
        multilabel = y.ndim == 2
        if multilabel and type_of_target(y) != "multilabel-indicator":
            raise ValueError(
                "y is 2-D but not a multilabel indicator matrix (0 or 1 in each "
                f"of its columns): {type_of_target(y)} targets, several labels "
                "per sample, are not supported. Pass y of shape (n_samples,) "
                "for one label per sample, or an indicator matrix of shape "
                "(n_samples, n_labels) for multilabel classification."
            )
        if not first_call:
            self._check_same_kind_of_targets(multilabel)
        if multilabel:
            return self._encode_indicators(y, classes, first_call, incremental)
        return self._encode_labels(y, classes, first_call, incremental)

    def _check_same_kind_of_targets(self, multilabel):
        """A fitted model goes on with the kind of targets it was trained on."""
        was_multilabel = getattr(self, "out_activation_", "softmax") == "logistic"
        if multilabel != was_multilabel:
            kinds = {
                True: "a multilabel indicator matrix",
                False: "one label per sample",
            }
            raise ValueError(
                f"y holds {kinds[multilabel]}, but the model was trained on "
                f"{kinds[was_multilabel]}: fit a new model (warm_start=False) "
                "for the other kind of target."
            )

    def _encode_labels(self, y, classes, first_call, incremental):
        """Set ``classes_`` as needed and return y as int32 class codes."""
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
            self.classes_ = _labels_of(y)
        elif not np.array_equal(_labels_of(y), self.classes_):
            raise ValueError(
                "warm_start can only be used where `y` has the same classes "
                f"as in the previous call to fit. Previously got "
                f"{self.classes_}, `y` has {_labels_of(y)}."
            )
        return self._class_codes(y, "y")

    def _encode_indicators(self, y, classes, first_call, incremental):
        """Set ``classes_`` (the column indices of a multilabel y, as
        MLPClassifier's) as needed and return y as a uint8 indicator matrix."""
        n_labels = y.shape[1]
        labels = np.arange(n_labels)
        if incremental and classes is not None:
            if np.size(classes) == 0 or not np.array_equal(
                unique_labels(classes), labels
            ):
                raise ValueError(
                    f"For a multilabel y of {n_labels} columns, classes are the "
                    f"column indices: classes={labels.tolist()}. Got {classes!r}."
                )
        elif incremental and not hasattr(self, "classes_"):
            raise ValueError(
                "classes must be passed on the first call to partial_fit: for a "
                f"multilabel y, the column indices {labels.tolist()}."
            )
        if first_call:
            self.classes_ = labels
        elif len(self.classes_) != n_labels:
            raise ValueError(
                f"y has {n_labels} labels (columns), but the model was trained on "
                f"{len(self.classes_)}: fit a new model (warm_start=False) for "
                "other labels."
            )
        return _indicator_matrix(y)

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

    def _validation_set(self, validation_set, dtype):
        """The user's validation data (``X_val``, ``y_val``, ``sample_weight_val``),
        validated as the fit's validation data, or None."""
        if validation_set is None:
            return None
        X_val, y_val, sample_weight_val = validation_set
        check_sparse_structure(X_val, "X_val")
        with _numbers_beyond_float64_are_value_errors():
            X_val, y_val = validate_data(
                self,
                X_val,
                y_val,
                dtype=dtype,
                accept_sparse="csr",
                multi_output=True,
                reset=False,
            )
        check_sparse_structure(X_val, "X_val")
        y_val_codes = self._validation_targets(_targets_array(y_val))
        sample_weight_val = _validate_sample_weight(
            sample_weight_val, len(y_val_codes), dtype, name="sample_weight_val"
        )
        return rows_ready(X_val), y_val_codes, sample_weight_val

    def _validation_targets(self, y_val):
        """``y_val`` as the training targets are: class codes, or an indicator
        matrix of the model's labels."""
        if self.out_activation_ != "logistic":
            if y_val.ndim != 1:
                raise ValueError(
                    "y_val must hold one label per sample, as y does; got an "
                    f"array of shape {y_val.shape}."
                )
            return self._class_codes(y_val, "y_val")
        if y_val.ndim != 2 or y_val.shape[1] != len(self.classes_):
            raise ValueError(
                f"y_val must be an indicator matrix of the {len(self.classes_)} "
                f"labels of y; got an array of shape {y_val.shape}."
            )
        if type_of_target(y_val) != "multilabel-indicator" and y_val.shape[1] > 1:
            raise ValueError("y_val must hold only 0 and 1, as y does.")
        return _indicator_matrix(y_val)

    # -------------------------------------------------------------- predict

    def predict_proba(self, X):
        """Probability of each class (of each label, for multilabel targets).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``. Rows sum to one (softmax); for a
            model of multilabel targets, each entry is the probability that
            its label is on (a sigmoid per label). float32 for a model with
            float32 weights, float64 otherwise.
        """
        return self._forward(X, take_log=False)[0]

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
        return self._forward(X, take_log=True)[0]

    def predict(self, X):
        """Most probable class of each sample (the labels that are on, for
        multilabel targets).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Labels from ``classes_``; for a model of multilabel targets, the
            indicator matrix (int) of the labels whose probability exceeds
            0.5, as MLPClassifier predicts.
        """
        proba, classes, out_activation = self._forward(X, take_log=False)
        if out_activation == "logistic":
            return np.array(proba > 0.5, dtype=int)
        return classes[np.argmax(proba, axis=1)]

    def _forward(self, X, take_log):
        """(Log-)probabilities of X, the classes of their columns and the
        output activation, from one model: a copy of the instance dict taken
        at once, so that a refit publishing its model in another thread
        meanwhile changes nothing here."""
        model = self.__dict__.copy()
        if not _is_ready_float_matrix(model, X):
            view = object.__new__(type(self))
            view.__dict__.update(model)
            check_is_fitted(view)
            check_sparse_structure(X, "X")
            with _numbers_beyond_float64_are_value_errors():
                X = validate_data(
                    view,
                    X,
                    dtype=(np.float64, np.float32),
                    accept_sparse=("csr", "csc"),
                    reset=False,
                )
            check_sparse_structure(X, "X")
        activation, classes = model["activation"], model["classes_"]
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"activation={activation!r} is not one of {sorted(ACTIVATIONS)}: "
                "it was changed after fit to a value the network cannot use."
            )
        out_activation = model.get("out_activation_", "softmax")
        if out_activation not in OUTPUT_LAYERS:
            raise ValueError(
                f"out_activation_={out_activation!r} is not one of "
                f"{sorted(OUTPUT_LAYERS)}: it was changed after fit."
            )
        output = OUTPUT_LAYERS[out_activation]
        dtype = (
            np.float32
            if all(np.asarray(c).dtype == np.float32 for c in model["coefs_"])
            else np.float64
        )
        coefs = [np.ascontiguousarray(c, dtype=dtype) for c in model["coefs_"]]
        intercepts = [
            np.ascontiguousarray(b, dtype=dtype) for b in model["intercepts_"]
        ]
        if (
            len(coefs) == 0
            or len(coefs) != len(intercepts)
            or np.ndim(coefs[-1]) != 2
            or coefs[-1].shape[1] != len(classes)
        ):
            raise ValueError(
                "coefs_ and intercepts_ must hold the same number of layers, the "
                f"last with one output per class ({len(classes)})."
            )
        # Values beyond a float32 model's range become inf here; the rows they
        # spoil are redone in float64 below.
        with np.errstate(over="ignore"):
            if sparse.issparse(X):
                X = X.tocsr()
                X_model = X.astype(dtype, copy=False)
            else:
                X_model = np.ascontiguousarray(X, dtype=dtype)
        # A prediction's products are those of a training step of one chunk's
        # rows: the fits' thread policy applies (one BLAS thread unless they
        # are large and a core is spare; the caller's count restored after).
        chunk_rows = prediction_chunk_rows(X_model.shape)
        with blas_threads_for_prediction([c.shape for c in coefs], chunk_rows):
            proba = forward_proba(
                X_model, coefs, intercepts, activation, take_log, output
            )
            if not np.isfinite(proba).all():
                _recompute_overflowing_rows(
                    proba, X, coefs, intercepts, activation, take_log, output
                )
        return proba, classes, out_activation

    def __sklearn_is_fitted__(self):
        return "coefs_" in self.__dict__

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = True
        return tags


def _targets_array(y):
    """y from validate_data as a dense array: a multilabel indicator matrix, or
    one label per sample (a single column becomes 1-D, with scikit-learn's
    DataConversionWarning)."""
    if sparse.issparse(y):
        y = y.toarray()
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)
    return y


def _indicator_matrix(y):
    """A 0/1 indicator matrix as the engine takes it: C-contiguous uint8."""
    return np.ascontiguousarray(np.asarray(y) == 1, dtype=np.uint8)


def _multilabel_class_weight(class_weight, indicators):
    """The per-sample weights of ``class_weight`` for multilabel targets:
    'balanced' as :func:`~sklearn.utils.class_weight.compute_sample_weight`
    defines it (each label a binary problem, the weights multiplied); a dict of
    class weights has no meaning there."""
    if isinstance(class_weight, dict):
        raise ValueError(
            "class_weight as a dict {class: weight} is not defined for multilabel "
            "y, whose columns are each a binary problem: use "
            "class_weight='balanced' (compute_sample_weight's weights) or "
            "weight the samples with sample_weight."
        )
    return compute_sample_weight(class_weight, indicators)


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


@functools.cache
def _constructor_parameter_names(cls):
    return tuple(BaseEstimator._get_param_names.__func__(cls))


def _labels_of(y):
    """``unique_labels(y)`` of one-label-per-sample targets that passed
    ``check_classification_targets``: np.unique for numbers (the same values
    and dtype, without checking the kind of targets a second time, which took
    a tenth of a small fit's fixed cost), scikit-learn's function otherwise."""
    if y.dtype.kind in "biuf":
        return np.unique(y)
    return unique_labels(y)


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


def _recompute_overflowing_rows(
    proba, X, coefs, intercepts, activation, take_log, output
):
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
            output,
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
