"""A fit's setup: the estimator's parameters and inputs, validated, into the
:class:`~skmlp._fit_loop.FitConfig` its fitter trains with.

:func:`fit_config` is called on the fit's draft of the model (see
:mod:`skmlp._publication`): the fitted attributes it sets there
(``classes_``, ``n_features_in_``, ``out_activation_``, ...) are the new
model's. It validates X and y (with :mod:`skmlp._checks` and
:mod:`skmlp._targets`), checks the parameters against the solver's and the
output layer's records, lays out the network and draws (or takes over) its
weights and optimizer state.

Under scikit-learn's array API dispatch, X of another namespace than
NumPy's (:func:`skmlp._array_api._namespace.uses_array_api`) stays in its
namespace and on its device, and so do the weights drawn for it; the labels
and weights are encoded on the host, whatever namespace they came in (only
X's namespace counts, as scikit-learn's "everything follows X").
"""

import warnings

import numpy as np
from scipy import sparse
from sklearn.utils.validation import validate_data

from ._array_api._namespace import (
    float_dtypes,
    host_values,
    is_array_api_array,
    namespace_and_device,
    numpy_dtype,
    to_device,
    uses_array_api,
)
from ._checkpoint_file import read_checkpoint
from ._checks import (
    check_max_norm_can_learn,
    is_ready_training_data,
    numbers_beyond_float64_are_value_errors,
    training_weights,
    validate_dropout,
    validate_hidden_layer_sizes,
    validate_sample_weight,
)
from ._fit_loop import FitConfig, TrainingData, TrainingSettings
from ._fit_random_state import FitRandomState
from ._holdout import rows_ready
from ._layers import OUTPUT_LAYERS, output_layer_for
from ._network import ParameterLayout, initialize, overflow_limit
from ._optimizers import SOLVERS, make_optimizer, solvers_reading
from ._progress import Progress
from ._publication import MODEL_ATTRIBUTES
from ._sparse import check_sparse_structure
from ._targets import encode_targets, targets_array, validation_targets
from ._training_state import canonical_parameters, check_resumable, data_digest
from .augmentation import DigitAugmentation


def _needs_a_minibatch_solver(parameter):
    """How to name the solvers that take ``parameter``: 'sgd' or 'adam'."""
    return " or ".join(repr(name) for name in solvers_reading(parameter))


def fit_config(
    model,
    estimator,
    X,
    y,
    sample_weight,
    classes,
    incremental,
    validation_set,
    resume_from=None,
):
    """Validate a fit's inputs into ``model`` and gather its FitConfig.

    Parameters
    ----------
    model : MLPDigitClassifier
        The fit's draft: its parameters are read, and the fitted attributes
        set on it (``classes_``, ``n_features_in_``, ...) are the new model's.
    estimator : MLPDigitClassifier
        The estimator being fitted, whose callbacks the fitter calls.
    X, y, sample_weight
        As given to ``fit`` or ``partial_fit``.
    classes : array-like or None
        ``partial_fit``'s.
    incremental : bool
        A call of ``partial_fit``.
    validation_set : tuple or None
        ``(X_val, y_val, sample_weight_val)`` as given to ``fit``.
    resume_from : str, path-like or None, default=None
        A checkpoint to resume from (``fit``'s ``resume_from``), read and
        checked against this fit; its weights, optimizer state and progress
        are the fit's starting point (``model`` must hold no weights).

    Returns
    -------
    skmlp._fit_loop.FitConfig
    """
    first_call = not hasattr(model, "coefs_")
    solver = SOLVERS[model.solver]
    # The engine's selection: X of another array API namespace trains there.
    device_arrays = namespace_and_device(X) if uses_array_api(X) else None
    if device_arrays is not None:
        y, sample_weight, classes = map(host_values, (y, sample_weight, classes))
    if first_call or not is_ready_training_data(model.__dict__, X, y):
        check_sparse_structure(X, "X")  # scipy's conversions trust it
        with numbers_beyond_float64_are_value_errors():
            X, y = validate_data(
                model,
                X,
                y,
                dtype=_float_dtypes(device_arrays),
                accept_sparse=False if device_arrays else ("csr", "csc"),
                multi_output=True,
                reset=first_call,
            )
        check_sparse_structure(X, "X")  # as converted, from LIL say
    if sparse.issparse(X):
        # Minibatches gather rows: CSR gives them without densifying X.
        X = X.tocsr()
    y = targets_array(y)
    output, y_codes = _encode_targets(model, y, classes, first_call, incremental)
    dtype = numpy_dtype(X.dtype)  # of the weights, on the host
    sample_weight = training_weights(
        sample_weight, y_codes, dtype, model.class_weight, model.classes_
    )
    random_state = FitRandomState(model.random_state)
    hidden = validate_hidden_layer_sizes(model.hidden_layer_sizes)
    dropout = validate_dropout(model.dropout, len(hidden))
    if "dropout" not in solver.parameters and np.any(dropout > 0):
        raise ValueError(
            "dropout needs a minibatch solver: use "
            f"{_needs_a_minibatch_solver('dropout')}."
        )
    augmentation = _validate_augmentation(model, solver, X.shape[1])
    if "max_norm" not in solver.parameters and model.max_norm is not None:
        raise ValueError(
            "max_norm constrains the steps of a minibatch solver: use "
            f"{_needs_a_minibatch_solver('max_norm')}, or max_norm=None."
        )
    layout = ParameterLayout([X.shape[1], *hidden, len(model.classes_)])
    check_max_norm_can_learn(model.max_norm, layout.n_units, X, overflow_limit(dtype))
    watches_validation = model.early_stopping and solver.validation
    validation = _validation_set(model, validation_set, output, dtype, device_arrays)
    data = TrainingData(X, y, y_codes, sample_weight, validation, output)
    parameters = None
    if solver.minibatch and not incremental:
        if device_arrays is None:
            parameters = canonical_parameters(model, hidden, dropout, augmentation)
        else:
            _warn_of_checkpoints(estimator)
    if resume_from is not None:
        if device_arrays is not None:
            raise ValueError(
                "resume_from continues a fit on NumPy arrays: a checkpoint "
                "holds NumPy state, and this X is on another namespace's "
                "device."
            )
        resume = _checked_checkpoint(
            resume_from, model, solver, parameters, data, layout, dtype
        )
        progress = Progress(**resume.progress_values())
        progress.n_iter_ = resume.n_iter
        params, optimizer = _resumed_state(model, solver, layout, resume)
    else:
        resume = None
        if first_call:
            progress = Progress.fresh(watches_validation)
        else:
            progress = Progress.resume(model, watches_validation)
        params, optimizer = _initial_state(
            model, solver, layout, first_call, random_state, dtype
        )
        if device_arrays is not None:
            # Drawn on the host, as for NumPy X: the same starting weights.
            params = to_device(params, *device_arrays)
    model.n_layers_ = layout.n_layers + 1
    return FitConfig(
        settings=_training_settings(model, solver, dropout, augmentation),
        data=data,
        layout=layout,
        params=params,
        optimizer=optimizer,
        progress=progress,
        random_state=random_state,
        incremental=incremental,
        model_attributes={
            name: getattr(model, name)
            for name in MODEL_ATTRIBUTES
            if name in model.__dict__
        },
        estimator=estimator,
        parameters=parameters,
        resume=resume,
    )


def _warn_of_checkpoints(estimator):
    """Warn that the estimator's Checkpoint callbacks write nothing: a
    checkpoint holds NumPy state, and this fit's is on a device."""
    from ._checkpoint import Checkpoint

    callbacks = getattr(estimator, "_skl_callbacks", None) or ()
    if any(isinstance(callback, Checkpoint) for callback in callbacks):
        warnings.warn(
            "Checkpoint writes nothing for a fit on device arrays (array API "
            "dispatch): a checkpoint holds NumPy state. Fit on NumPy arrays "
            "to checkpoint, or save skmlp.utils.to_numpy(model) yourself.",
            UserWarning,
        )


def _checked_checkpoint(path, model, solver, parameters, data, layout, dtype):
    """The training state of the checkpoint at ``path``, read and checked
    against this fit (:func:`~skmlp._training_state.check_resumable`)."""
    if parameters is None:
        minibatch = " or ".join(
            repr(name) for name, solver in SOLVERS.items() if solver.minibatch
        )
        raise ValueError(
            f"resume_from continues a fit of a minibatch solver ({minibatch}), "
            "from a checkpoint of one of its epochs; L-BFGS writes none (its "
            "state is SciPy's)."
        )
    state = read_checkpoint(path)
    check_resumable(
        state,
        parameters,
        lambda: data_digest(data, model.classes_),
        layout.n_units,
        dtype,
        path,
    )
    if state.n_iter > model.max_iter:
        raise ValueError(
            f"{path}: the checkpoint is at epoch {state.n_iter}, beyond "
            f"max_iter={model.max_iter}."
        )
    return state


def _resumed_state(model, solver, layout, state):
    """Flat parameters and optimizer state of a checkpoint, copied."""
    params = np.array(state.params, dtype=state.dtype)
    optimizer = make_optimizer(solver, layout.n_params, state.dtype, model.__dict__)
    if not optimizer.load_state(state.optimizer_state()):
        raise ValueError(
            f"The checkpoint holds the state of the {state.optimizer!r} "
            f"optimizer; this fit's is {optimizer.name!r}."
        )
    return params, optimizer


def _encode_targets(model, y, classes, first_call, incremental):
    """Set ``classes_``, ``n_outputs_`` and ``out_activation_`` from y;
    return the output layer that trains on y, and y's codes."""
    fitted_output = OUTPUT_LAYERS.get(getattr(model, "out_activation_", "softmax"))
    model.classes_, y_codes = encode_targets(
        y,
        classes,
        fitted_classes=getattr(model, "classes_", None),
        fitted_multilabel=fitted_output is not None and fitted_output.multilabel,
        first_call=first_call,
        incremental=incremental,
    )
    output = output_layer_for(multilabel=y_codes.ndim == 2)
    model.n_outputs_ = len(model.classes_)
    model.out_activation_ = output.name
    if not output.label_smoothing and model.label_smoothing > 0:
        raise ValueError(
            "label_smoothing smooths the targets of exclusive classes (a "
            "softmax output); multilabel targets train one sigmoid per "
            f"label: use label_smoothing=0, got {model.label_smoothing}."
        )
    return output, y_codes


def _validate_augmentation(model, solver, n_features):
    """The DigitAugmentation that ``augment`` asks for, or None, checked
    against the solver and the rows of X."""
    augmentation = DigitAugmentation.from_param(model.augment, "augment")
    if augmentation is None:
        return None
    if "augment" not in solver.parameters:
        raise ValueError(
            "augment distorts the minibatches of a minibatch solver: use "
            f"{_needs_a_minibatch_solver('augment')}, or augment=None."
        )
    augmentation.resolve_image_shape(n_features)
    return augmentation


def _training_settings(model, solver, dropout, augmentation):
    """The model's parameters as the training loop reads them: each field is
    the parameter of its name, in the form validated here where it was."""
    validated = {
        "solver": solver,
        "dropout": dropout,
        "augment": augmentation,
        "max_norm": None if model.max_norm is None else float(model.max_norm),
        "label_smoothing": float(model.label_smoothing),
    }
    return TrainingSettings(
        **{
            name: validated[name] if name in validated else getattr(model, name)
            for name in TrainingSettings._fields
        }
    )


def _initial_state(model, solver, layout, first_call, random_state, dtype):
    """Flat parameters and optimizer state to start this fit from."""
    if first_call:
        params = initialize(
            layout,
            init=model.init,
            init_scale=model.init_scale,
            output_init=model.output_init,
            activation=model.activation,
            random_state=random_state.state,
            dtype=dtype,
        )
        optimizer_state = None
        if not np.all(np.abs(params) < overflow_limit(dtype)):
            raise ValueError(
                f"init_scale={model.init_scale} draws initial weights too large "
                f"for {np.dtype(dtype).name} arithmetic (beyond "
                f"{overflow_limit(dtype):.3g}, where a few layers of products "
                "overflow): choose a smaller init_scale."
            )
    else:
        params = layout.pack(model.coefs_, model.intercepts_, dtype)
        optimizer_state = getattr(model, "_optimizer_state", None)
    optimizer = make_optimizer(
        solver, layout.n_params, dtype, model.__dict__, state=optimizer_state
    )
    return params, optimizer


def _float_dtypes(device_arrays):
    """The dtypes ``validate_data`` may leave X in: NumPy's, or those of the
    namespace of ``device_arrays`` (``(xp, device)``, or None)."""
    if device_arrays is None:
        return (np.float64, np.float32)
    return float_dtypes(device_arrays[0])


def _validation_set(model, validation_set, output, dtype, device_arrays=None):
    """The user's validation data (``X_val``, ``y_val``, ``sample_weight_val``),
    validated as the fit's validation data, or None; with ``device_arrays``
    (X's namespace and device), X_val is moved there."""
    if validation_set is None:
        return None
    X_val, y_val, sample_weight_val = validation_set
    if device_arrays is not None:
        y_val, sample_weight_val = host_values(y_val), host_values(sample_weight_val)
        if not is_array_api_array(X_val):
            X_val = np.asarray(X_val)
        X_val = to_device(X_val, *device_arrays)
        xp = device_arrays[0]
        dtype_val = xp.float32 if dtype == np.float32 else xp.float64
    else:
        dtype_val = dtype
    check_sparse_structure(X_val, "X_val")
    with numbers_beyond_float64_are_value_errors():
        X_val, y_val = validate_data(
            model,
            X_val,
            y_val,
            dtype=dtype_val,
            accept_sparse=False if device_arrays else "csr",
            multi_output=True,
            reset=False,
        )
    check_sparse_structure(X_val, "X_val")
    y_val_codes = validation_targets(
        targets_array(y_val), model.classes_, output.multilabel
    )
    sample_weight_val = validate_sample_weight(
        sample_weight_val, len(y_val_codes), dtype, name="sample_weight_val"
    )
    if device_arrays is None:
        X_val = rows_ready(X_val)
    return X_val, y_val_codes, sample_weight_val
