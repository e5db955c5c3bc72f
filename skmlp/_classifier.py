"""The estimator: parameters, input validation, fit / partial_fit / predict.

This module declares the parameters and their constraints; a fit validates
its inputs and sets up the network (:mod:`skmlp._fit_setup`, with
:mod:`skmlp._checks` and :mod:`skmlp._targets`) and hands them to the fitter
(:mod:`skmlp._fit_loop`), which trains with the compiled engine
(:mod:`skmlp._engine`); the estimator then publishes the fitted attributes,
all at once (:mod:`skmlp._publication`), and predicts
(:mod:`skmlp._prediction`). The solvers, activations and output layers it
offers are the records of :mod:`skmlp._optimizers` and :mod:`skmlp._layers`.
"""

import functools
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from ._array_api._namespace import float_dtypes, namespace_and_device
from ._array_api._prediction import (
    check_prediction_namespace,
    labels_of_codes,
    predicts_through_array_api,
)
from ._array_api._prediction import model_proba as array_api_model_proba
from ._callbacks import CallbackSupportMixin
from ._checks import is_ready_float_matrix, numbers_beyond_float64_are_value_errors
from ._fit_loop import Fitter
from ._fit_setup import fit_config
from ._fitted_state import CheckedStateMixin
from ._layers import ACTIVATIONS
from ._network import INITIALIZATIONS
from ._optimizers import SOLVERS
from ._persistence import VersionedPickleMixin
from ._prediction import model_proba
from ._publication import draft_of, one_fit_at_a_time, publish
from ._schedules import SCHEDULES
from ._sparse import check_sparse_structure
from .augmentation import DigitAugmentation, with_settings


def _is_stochastic(estimator):
    """partial_fit exists for the solvers that offer it."""
    solver = SOLVERS.get(estimator.solver)
    if solver is not None and not solver.partial_fit:
        raise AttributeError(
            f"partial_fit is not available for solver={estimator.solver!r}."
        )
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
        with dropout and used 3 to 4. Needs a minibatch solver. A radius so
        small that no weights the fit can reach let the outputs depend on X
        is a ``ValueError``: when the largest change two inputs can make to a
        logit, ``2 sqrt(n_features) max|X| * prod_l (sqrt(n_l) max_norm) *
        sqrt(n_H) M`` over the hidden layers' sizes ``n_l`` (``n_H`` the
        last's) with ``M`` the largest weight training keeps (the fourth root
        of the dtype's largest number), is below the dtype's precision; for
        784 pixels in [0, 1] and 100 hidden units, below about 3e-97 in
        float64 and 5e-21 in float32.

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
        NaN while no epoch (or L-BFGS iteration) of the model has completed
        with a finite objective: a first epoch that diverged, data and
        penalties that overflow at the initial weights (a
        ``ConvergenceWarning`` says so), or Ctrl-C during the first epoch.
        Every fitted model has the same attributes, whatever path its fit
        took.

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
        "solver": [StrOptions(set(SOLVERS))],
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
        resume_from=None,
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

        resume_from : str or path-like, default=None
            A checkpoint that :class:`~skmlp.Checkpoint` wrote during an
            earlier fit of this estimator on this data: the fit goes on from
            the end of the checkpoint's epoch (its weights, optimizer state,
            step size, progress, early-stopping state and random streams)
            instead of starting afresh, and ends with the same bits as the
            fit never interrupted (on the same machine and BLAS thread
            count). The parameters (``verbose`` and ``warm_start`` aside)
            and the data (X, y, ``sample_weight``, the validation set) must
            be those of the checkpoint's fit: a difference is a
            ``ValueError`` naming it. The model fitted so far is ignored, as
            with ``warm_start=False``. Minibatch solvers only.

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
        return self._fit(
            X, y, sample_weight, None, False, validation_set, resume_from=resume_from
        )

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

    def _fit(
        self,
        X,
        y,
        sample_weight,
        classes,
        incremental,
        validation_set,
        resume_from=None,
    ):
        """Fit a draft of the model and publish it whole when the fit ends.

        Fits of one estimator run one at a time. The fit trains its own
        buffers; a ``predict`` running meanwhile, in another thread, uses the
        previous model entirely, and then the new one. A fit resumed from a
        checkpoint starts as one from scratch, with the checkpoint's state.
        """
        with one_fit_at_a_time(self):
            first_call = (
                not hasattr(self, "coefs_")
                or (not self.warm_start and not incremental)
                or resume_from is not None
            )
            draft = draft_of(self, first_call)
            fitter = None
            try:
                fitter = Fitter(
                    draft._fit_config(
                        self,
                        X,
                        y,
                        sample_weight,
                        classes,
                        incremental,
                        validation_set,
                        resume_from,
                    )
                )
                fitter.run()
            except BaseException as exc:
                if fitter is not None and isinstance(exc, KeyboardInterrupt):
                    # The model of the last completed minibatch is usable.
                    publish(self, draft, fitter.fitted_attributes())
                elif first_call:
                    # A fit from scratch that fails must not leave the previous
                    # weights behind, looking fitted: what it validated stays
                    # (classes_, n_features_in_, as scikit-learn's), no weights.
                    publish(self, draft, {})
                raise
            publish(self, draft, fitter.fitted_attributes())
        return self

    def _fit_config(
        self,
        estimator,
        X,
        y,
        sample_weight,
        classes,
        incremental,
        validation_set,
        resume_from=None,
    ):
        """Validate the inputs into this draft and gather the fit's
        :class:`~skmlp._fit_loop.FitConfig` (:func:`skmlp._fit_setup.fit_config`).

        Called on the draft: the fitted attributes set here (``classes_``,
        ``n_features_in_``, ...) are the new model's; ``estimator`` is the
        estimator being fitted, whose callbacks the fitter calls.
        """
        return fit_config(
            self,
            estimator,
            X,
            y,
            sample_weight,
            classes,
            incremental,
            validation_set,
            resume_from,
        )

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
        return self._forward(X, take_log=False, method="predict_proba")[0]

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
        return self._forward(X, take_log=True, method="predict_log_proba")[0]

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
        proba, classes, output = self._forward(X, take_log=False, method="predict")
        decided = output.decide(proba)
        if output.multilabel:
            return decided
        if isinstance(decided, np.ndarray):
            return classes[decided]
        return labels_of_codes(classes, decided)

    def _forward(self, X, take_log, method):
        """(Log-)probabilities of X, the classes of their columns and the
        output layer, from one model: a copy of the instance dict taken at
        once, so that a refit publishing its model in another thread
        meanwhile changes nothing here.

        A model fitted in another namespace than NumPy's (under array API
        dispatch) predicts X of its namespace and device, there.
        """
        model = self.__dict__.copy()
        if predicts_through_array_api(model, X):
            view = object.__new__(type(self))
            view.__dict__.update(model)
            check_is_fitted(view)
            check_prediction_namespace(X, model, type(self).__name__, method)
            xp, _ = namespace_and_device(X)
            X = validate_data(view, X, dtype=float_dtypes(xp), reset=False)
            proba, output = array_api_model_proba(model, X, take_log)
            return proba, model["classes_"], output
        if not is_ready_float_matrix(model, X):
            view = object.__new__(type(self))
            view.__dict__.update(model)
            check_is_fitted(view)
            check_sparse_structure(X, "X")
            with numbers_beyond_float64_are_value_errors():
                X = validate_data(
                    view,
                    X,
                    dtype=(np.float64, np.float32),
                    accept_sparse=("csr", "csc"),
                    reset=False,
                )
            check_sparse_structure(X, "X")
        proba, output = model_proba(model, X, take_log)
        return proba, model["classes_"], output

    def __sklearn_is_fitted__(self):
        return "coefs_" in self.__dict__

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = True
        tags.array_api_support = True
        return tags


@functools.cache
def _constructor_parameter_names(cls):
    return tuple(BaseEstimator._get_param_names.__func__(cls))
