"""Same initial weights, same settings: the same weights as MLPClassifier.

MLPClassifier's ``alpha`` is divided by the minibatch size, our ``l2`` is not:
``l2 = alpha / (2 * batch_size)`` gives the same objective. Without shuffling,
both walk the minibatches in the same order, so three epochs must end on the
same weights, up to floating-point rounding.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from skmlp import MLPDigitClassifier

BATCH_SIZE = 50
ALPHA = 1e-2


def initial_weights(n_units, seed=0):
    rng = np.random.RandomState(seed)
    coefs = [
        rng.uniform(-0.3, 0.3, size=shape) for shape in zip(n_units[:-1], n_units[1:])
    ]
    intercepts = [rng.uniform(-0.1, 0.1, size=n) for n in n_units[1:]]
    return coefs, intercepts


def start_from(model, coefs, intercepts, X, y, **params):
    """Fit ``model`` once to create its fitted state, then put the given
    weights in place for a warm-started fit with ``params``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    model.coefs_ = [c.copy() for c in coefs]
    model.intercepts_ = [b.copy() for b in intercepts]
    return model.set_params(warm_start=True, **params)


@pytest.mark.parametrize(
    "solver, momentum, nesterov",
    [("sgd", 0.0, False), ("sgd", 0.9, False), ("sgd", 0.9, True), ("adam", 0.9, True)],
    ids=["sgd", "momentum", "nesterov", "adam"],
)
@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
def test_three_epochs_match_mlpclassifier(
    digits, solver, momentum, nesterov, activation
):
    X, y = digits
    X, y = X[:600], y[:600]
    hidden = (20, 15)
    learning_rate = 0.05 if solver == "sgd" else 0.002
    coefs, intercepts = initial_weights([X.shape[1], *hidden, 10])
    common = dict(
        hidden_layer_sizes=hidden,
        activation=activation,
        batch_size=BATCH_SIZE,
        shuffle=False,
        tol=0.0,
        n_iter_no_change=100,
        momentum=momentum,
        random_state=0,
    )

    theirs = MLPClassifier(
        alpha=ALPHA,
        solver="sgd",
        learning_rate_init=learning_rate,
        nesterovs_momentum=nesterov,
        max_iter=1,
        **common,
    )
    # Our warm start keeps the optimizer state: start the state afresh by
    # fitting the first time with the other solver.
    other_solver = "adam" if solver == "sgd" else "sgd"
    ours = MLPDigitClassifier(
        l2=ALPHA / (2 * BATCH_SIZE),
        solver=other_solver,
        learning_rate=learning_rate,
        nesterov=nesterov,
        max_iter=1,
        **common,
    )
    theirs = start_from(theirs, coefs, intercepts, X, y, solver=solver, max_iter=3)
    ours = start_from(ours, coefs, intercepts, X, y, solver=solver, max_iter=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs.fit(X, y)
        ours.fit(X, y)

    assert ours.n_iter_ == theirs.n_iter_ == 3
    for ours_coef, their_coef, start in zip(ours.coefs_, theirs.coefs_, coefs):
        assert np.abs(their_coef - start).max() > 1e-3  # training moved them
        assert_allclose(ours_coef, their_coef, rtol=0, atol=1e-10)
    for ours_b, their_b in zip(ours.intercepts_, theirs.intercepts_):
        assert_allclose(ours_b, their_b, rtol=0, atol=1e-10)
    # Same objective, so the same loss per epoch (MLPClassifier clips
    # probabilities at machine epsilon, which only matters far below this).
    assert_allclose(ours.loss_curve_[-3:], theirs.loss_curve_[-3:], rtol=1e-9)
    assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-10)


def digit_properties(y):
    """Multilabel targets of the digits: even, at least 5, has a closed loop."""
    return np.column_stack([y % 2 == 0, y >= 5, np.isin(y, [0, 4, 6, 8, 9])]).astype(
        int
    )


@pytest.mark.parametrize(
    "solver, momentum, nesterov",
    [("sgd", 0.0, False), ("sgd", 0.9, False), ("sgd", 0.9, True), ("adam", 0.9, True)],
    ids=["sgd", "momentum", "nesterov", "adam"],
)
@pytest.mark.parametrize("activation", ["relu", "logistic"])
def test_three_multilabel_epochs_match_mlpclassifier(
    digits, solver, momentum, nesterov, activation
):
    """Multilabel targets: a sigmoid per label and the binary cross-entropy
    summed over the labels, as MLPClassifier's logistic output layer."""
    X, y = digits
    X, Y = X[:600], digit_properties(y[:600])
    hidden = (20, 15)
    learning_rate = 0.05 if solver == "sgd" else 0.002
    coefs, intercepts = initial_weights([X.shape[1], *hidden, Y.shape[1]], seed=1)
    common = dict(
        hidden_layer_sizes=hidden,
        activation=activation,
        batch_size=BATCH_SIZE,
        shuffle=False,
        tol=0.0,
        n_iter_no_change=100,
        momentum=momentum,
        random_state=0,
    )
    theirs = MLPClassifier(
        alpha=ALPHA,
        solver="sgd",
        learning_rate_init=learning_rate,
        nesterovs_momentum=nesterov,
        max_iter=1,
        **common,
    )
    other_solver = "adam" if solver == "sgd" else "sgd"
    ours = MLPDigitClassifier(
        l2=ALPHA / (2 * BATCH_SIZE),
        solver=other_solver,
        learning_rate=learning_rate,
        nesterov=nesterov,
        max_iter=1,
        **common,
    )
    theirs = start_from(theirs, coefs, intercepts, X, Y, solver=solver, max_iter=3)
    ours = start_from(ours, coefs, intercepts, X, Y, solver=solver, max_iter=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs.fit(X, Y)
        ours.fit(X, Y)

    assert ours.out_activation_ == theirs.out_activation_ == "logistic"
    assert ours.n_iter_ == theirs.n_iter_ == 3
    for ours_coef, their_coef, start in zip(ours.coefs_, theirs.coefs_, coefs):
        assert np.abs(their_coef - start).max() > 1e-3  # training moved them
        assert_allclose(ours_coef, their_coef, rtol=0, atol=1e-10)
    for ours_b, their_b in zip(ours.intercepts_, theirs.intercepts_):
        assert_allclose(ours_b, their_b, rtol=0, atol=1e-10)
    assert_allclose(ours.loss_curve_[-3:], theirs.loss_curve_[-3:], rtol=1e-9)
    assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-10)
