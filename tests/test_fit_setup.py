"""A fit's setup (:mod:`skmlp._fit_setup`): the estimator's parameters and
inputs into one FitConfig, and the parameters a solver or an output layer
does not take refused by their records."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from skmlp import MLPDigitClassifier
from skmlp._fit_loop import FitConfig
from skmlp._fit_setup import fit_config
from skmlp._layers import OUTPUT_LAYERS
from skmlp._optimizers import SOLVERS, Adam

X = np.random.RandomState(0).uniform(size=(30, 4))
y = np.arange(30) % 3


def _setup(clf, X=X, y=y, **kwargs):
    arguments = dict(
        sample_weight=None, classes=None, incremental=False, validation_set=None
    )
    arguments.update(kwargs)
    return fit_config(clf, clf, X, y, **arguments)


def test_the_config_holds_the_validated_parameters_and_inputs():
    clf = MLPDigitClassifier((5,), solver="adam", dropout=0.25, max_norm=3, l1=0.1)
    config = _setup(clf)

    assert isinstance(config, FitConfig) and config.estimator is clf
    settings = config.settings
    assert settings.solver is SOLVERS["adam"]
    assert_array_equal(settings.dropout, [0.25])
    assert settings.max_norm == 3.0 and type(settings.max_norm) is float
    assert (settings.l1, settings.activation) == (0.1, "relu")
    assert isinstance(config.optimizer, Adam)
    assert list(config.layout.n_units) == [4, 5, 3]
    assert config.params.shape == (config.layout.n_params,)
    assert config.data.output is OUTPUT_LAYERS["softmax"]
    assert_array_equal(config.data.y_codes, y)
    # The fitted attributes of the new model, set on the draft.
    assert (clf.n_outputs_, clf.n_layers_, clf.out_activation_) == (3, 3, "softmax")
    assert_array_equal(config.model_attributes["classes_"], [0, 1, 2])


def test_multilabel_targets_train_the_logistic_output_layer():
    Y = np.stack([y == 0, y == 1], axis=1).astype(int)
    clf = MLPDigitClassifier((5,))
    config = _setup(clf, y=Y)
    assert config.data.output is OUTPUT_LAYERS["logistic"]
    assert clf.out_activation_ == "logistic"
    with pytest.raises(ValueError, match="label_smoothing smooths the targets"):
        _setup(MLPDigitClassifier((5,), label_smoothing=0.1), y=Y)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"dropout": 0.5}, "dropout needs a minibatch solver: use 'sgd' or 'adam'."),
        ({"max_norm": 2.0}, "max_norm constrains the steps of a minibatch solver"),
        ({"augment": True}, "augment distorts the minibatches of a minibatch"),
    ],
)
def test_lbfgs_refuses_what_its_record_does_not_read(params, message):
    assert not {"dropout", "max_norm", "augment"} & SOLVERS["lbfgs"].parameters
    with pytest.raises(ValueError, match=message):
        _setup(MLPDigitClassifier((5,), solver="lbfgs", **params), X=np.ones((30, 16)))


def test_a_warm_start_takes_the_weights_and_the_optimizer_state_over():
    clf = MLPDigitClassifier((5,), solver="sgd", max_iter=2, random_state=0)
    clf.fit(X, y)
    clf.set_params(warm_start=True)
    config = _setup(clf)
    coefs, _ = config.layout.views(config.params)
    assert_array_equal(coefs[0], clf.coefs_[0])
    assert not np.shares_memory(config.params, clf.coefs_[0])
    assert config.optimizer.state()["name"] == "nesterov"
    assert_array_equal(
        config.optimizer.buffers["velocity"],
        clf._optimizer_state["buffers"]["velocity"],
    )
    assert config.progress.t_ == clf.t_


def test_initial_weights_that_overflow_are_refused():
    clf = MLPDigitClassifier((5,), init="uniform", init_scale=1e20)
    with pytest.raises(ValueError, match="init_scale=1e\\+20 draws initial weights"):
        _setup(clf, X=X.astype(np.float32))
