"""MLPDigitClassifier under MLPClassifier's parameter names, and scikit-learn's
own MLPClassifier tests run against it.

:func:`MLPClassifier` takes scikit-learn's ``MLPClassifier`` parameters and
returns an :class:`~skmlp.MLPDigitClassifier` set up through the user guide's
mapping (docs/user_guide/mlpclassifier.md): ``learning_rate_init`` is ``learning_rate``,
``learning_rate`` (the schedule) is ``lr_schedule``, ``nesterovs_momentum`` is
``nesterov``, and ``alpha`` becomes ``l2 = alpha / (2 * batch)``, where
``batch`` is the size of MLPClassifier's minibatches: ``min(batch_size,
n_train)`` (``'auto'``: ``min(200, n_train)``), ``n_train`` the samples left
after early stopping's hold-out, and all the samples with ``solver='lbfgs'``.
The batch is known only when the data is, so the estimator is a subclass that
adds MLPClassifier's ``alpha`` to the parameters and maps it when a fit begins.
(MLPClassifier divides each minibatch's penalty by that minibatch's sample
weight: the mapping is exact for unweighted samples and full minibatches.)

Run as a script, it runs scikit-learn's ``sklearn/neural_network/tests/
test_mlp.py`` with ``MLPClassifier`` replaced by the adapter (extra arguments
go to pytest)::

    python tests/mlpclassifier_adapter.py -q

``tests/test_sklearn_mlp_suite.py`` does the same in the test suite. Tests
that read MLPClassifier's private attributes, test MLPRegressor, or meet a
difference the user guide documents are marked with the reason (:data:`EXPECTED`);
every other test must pass.
"""

import importlib.util
import inspect
import shutil
import subprocess
import sys
import tempfile
from numbers import Real
from pathlib import Path

import numpy as np
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import _num_samples

from skmlp import MLPDigitClassifier
from skmlp._optimizers import SOLVERS

#: MLPClassifier's parameter names that skmlp spells otherwise.
RENAMED = {
    "learning_rate_init": "learning_rate",
    "learning_rate": "lr_schedule",
    "nesterovs_momentum": "nesterov",
}


class MLPDigitClassifierWithAlpha(MLPDigitClassifier):
    """MLPDigitClassifier with MLPClassifier's ``alpha``: when not None, it
    replaces ``l2`` by ``alpha / (2 * batch)`` for each fit (the estimator's
    own ``l2`` parameter is left as it is)."""

    _parameter_constraints = {
        **MLPDigitClassifier._parameter_constraints,
        "alpha": [Interval(Real, 0, None, closed="left"), None],
    }

    def __init__(self, *args, alpha=None, **params):
        super().__init__(*args, **params)
        self.alpha = alpha

    def _fit_config(self, estimator, X, *args, **kwargs):
        # Called on the fit's draft, a copy of the estimator: setting l2 here
        # changes the settings of this fit, not the estimator's parameters.
        if self.alpha is not None:
            incremental = args[3] if len(args) > 3 else kwargs["incremental"]
            n_samples = _num_samples(X)
            self.l2 = self.alpha / (2 * self._minibatch_size(n_samples, incremental))
        return super()._fit_config(estimator, X, *args, **kwargs)

    def _minibatch_size(self, n_samples, incremental):
        """The number of samples in MLPClassifier's minibatches."""
        if not SOLVERS[self.solver].minibatch:
            return n_samples
        n_train = n_samples
        if self.early_stopping and not incremental:
            n_train -= int(np.ceil(self.validation_fraction * n_samples))
        if self.batch_size == "auto":
            return min(200, n_train)
        return min(self.batch_size, n_train)


# The signature scikit-learn reads the parameters from (get_params, clone):
# MLPDigitClassifier's, and alpha.
_signature = inspect.signature(MLPDigitClassifier.__init__)
MLPDigitClassifierWithAlpha.__init__.__signature__ = _signature.replace(
    parameters=[
        *_signature.parameters.values(),
        inspect.Parameter("alpha", inspect.Parameter.KEYWORD_ONLY, default=None),
    ]
)


def MLPClassifier(
    hidden_layer_sizes=(100,), activation="relu", *, alpha=1e-4, **params
):
    """An MLPDigitClassifier set up as ``MLPClassifier(...)`` with these
    parameters would be, through the user guide's mapping."""
    mapped = {RENAMED.get(name, name): value for name, value in params.items()}
    return MLPDigitClassifierWithAlpha(
        hidden_layer_sizes, activation, alpha=alpha, **mapped
    )


# ------------------------------------------------- scikit-learn's test suite

#: The test module, as installed with scikit-learn.
SKLEARN_TESTS = "sklearn.neural_network.tests.test_mlp"

_PRIVATE = "reads MLPClassifier's private attributes ({})"
_REGRESSOR = "tests MLPRegressor only: skmlp has no regressor"

#: Tests (by name, parameters stripped) that are not expected to pass, with
#: the reason: "skip" for those that cannot apply to skmlp, "xfail" (strict)
#: for the documented differences, which must still fail as documented.
EXPECTED = {
    "test_fit": (
        "skip",
        "builds a fitted MLPClassifier by hand from its private state "
        "(_coef_grads, _coef_velocity, _intercept_velocity, "
        "_no_improvement_count) with a single logistic output unit for two "
        "classes, where skmlp has a softmax of two",
    ),
    "test_gradient": ("skip", _PRIVATE.format("_loss_grad_lbfgs")),
    "test_learning_rate_warmstart": ("skip", _PRIVATE.format("_optimizer")),
    "test_adaptive_learning_rate": ("skip", _PRIVATE.format("_optimizer")),
    "test_verbose_sgd": (
        "xfail",
        "the verbose line format: skmlp prints 'Epoch    1  loss ...' where "
        "MLPClassifier prints 'Iteration 1, loss = ...' (user guide, Differences)",
    ),
}
for _name in (
    "test_lbfgs_regression",
    "test_lbfgs_regression_maxfun",
    "test_multioutput_regression",
    "test_partial_fit_regression",
    "test_nonfinite_params",
    "test_shuffle",
    "test_mlp_regressor_dtypes_casting",
    "test_mlp_loading_from_joblib_partial_fit",
    "test_mlp_diverging_loss",
    "test_mlp_sample_weight_with_early_stopping",
    "test_mlp_vs_poisson_glm_equivalent",
    "test_minimum_input_sample_size",
):
    EXPECTED[_name] = ("skip", _REGRESSOR)


def expected_outcome(item):
    """("skip" | "xfail", reason) for a collected test, or None: it must pass."""
    if "MLPRegressor" in item.name:  # a parametrized test's MLPRegressor case
        return "skip", _REGRESSOR
    return EXPECTED.get(item.originalname)


def pytest_collection_modifyitems(config, items):
    """Mark the tests of :data:`EXPECTED` (the hook of the suite's conftest)."""
    import pytest

    for item in items:
        outcome = expected_outcome(item)
        if outcome is None:
            continue
        kind, reason = outcome
        if kind == "skip":
            item.add_marker(pytest.mark.skip(reason=reason))
        else:
            item.add_marker(pytest.mark.xfail(reason=reason, strict=True))


_CONFTEST = """\
import sys

sys.path.insert(0, {tests!r})

import sklearn.neural_network

import mlpclassifier_adapter
from mlpclassifier_adapter import pytest_collection_modifyitems  # noqa: F401

# test_mlp.py imports MLPClassifier from here when it is collected.
sklearn.neural_network.MLPClassifier = mlpclassifier_adapter.MLPClassifier
"""


def sklearn_test_file():
    """The path of scikit-learn's test_mlp.py, or None if it is not installed."""
    try:
        spec = importlib.util.find_spec(SKLEARN_TESTS)
    except ImportError:
        return None
    return None if spec is None or spec.origin is None else Path(spec.origin)


def prepare_suite(folder):
    """Copy scikit-learn's test_mlp.py into ``folder`` with a conftest.py that
    puts the adapter in MLPClassifier's place; return the folder."""
    source = sklearn_test_file()
    if source is None:
        raise FileNotFoundError(f"{SKLEARN_TESTS} is not installed")
    folder = Path(folder)
    shutil.copyfile(source, folder / "test_mlp.py")
    tests = str(Path(__file__).resolve().parent)
    (folder / "conftest.py").write_text(_CONFTEST.format(tests=tests))
    return folder


def run_suite(folder, *pytest_args, **run_kwargs):
    """Run the prepared suite in a child interpreter: its CompletedProcess."""
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"]
    command += ["--rootdir", str(folder), *pytest_args, str(folder)]
    return subprocess.run(command, cwd=folder, **run_kwargs)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as directory:
        prepare_suite(directory)
        sys.exit(run_suite(directory, "-rsx", *sys.argv[1:]).returncode)
