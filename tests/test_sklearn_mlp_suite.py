"""scikit-learn's own MLPClassifier tests, run against MLPDigitClassifier.

``sklearn/neural_network/tests/test_mlp.py`` (installed with scikit-learn)
runs in a child pytest with ``MLPClassifier`` replaced by the adapter of
``tests/mlpclassifier_adapter.py``, which maps MLPClassifier's parameters as
the user guide does (docs/user_guide/mlpclassifier.md). Every test must pass
except those the adapter lists with a reason: MLPRegressor's, those that read
MLPClassifier's private attributes (skipped), and the documented differences
(strict xfails).
"""

import os
import warnings
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from mlpclassifier_adapter import (
    EXPECTED,
    MLPClassifier,
    MLPDigitClassifierWithAlpha,
    prepare_suite,
    run_suite,
    sklearn_test_file,
)
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from skmlp import MLPDigitClassifier


def _outcomes(report):
    """{test id: 'passed' | 'failed' | 'skipped' | 'xfailed'} from a JUnit XML
    report."""
    outcomes = {}
    for case in ET.parse(report).iter("testcase"):
        kind = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                kind = "failed"
            elif child.tag == "skipped":
                xfail = child.get("type") == "pytest.xfail"
                kind = "xfailed" if xfail else "skipped"
        outcomes[case.get("name")] = kind
    return outcomes


def test_scikit_learns_mlpclassifier_tests_pass_through_the_adapter(tmp_path):
    if sklearn_test_file() is None:
        pytest.skip(
            "scikit-learn's tests (sklearn/neural_network/tests/test_mlp.py) "
            "are not installed"
        )
    prepare_suite(tmp_path)
    report = tmp_path / "report.xml"
    result = run_suite(
        tmp_path,
        "-q",
        f"--junitxml={report}",
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
    )
    outcomes = _outcomes(report)
    failed = sorted(name for name, kind in outcomes.items() if kind == "failed")
    assert not failed, f"{failed}\n{result.stdout[-4000:]}"
    assert result.returncode == 0, result.stdout[-4000:]
    for name, kind in outcomes.items():
        base = name.split("[")[0]
        if "MLPRegressor" in name or EXPECTED.get(base, ("",))[0] == "skip":
            assert kind == "skipped", name
        elif base in EXPECTED:
            assert kind == "xfailed", name  # a documented difference
        else:
            assert kind == "passed", name
    passed = [name for name, kind in outcomes.items() if kind == "passed"]
    # The classifier tests of scikit-learn 1.9.1 (more in later versions).
    assert len(passed) >= 31, passed


# --------------------------------------------------------------- the adapter


def test_the_adapter_takes_mlpclassifiers_parameter_names():
    model = MLPClassifier(
        (7,),
        "tanh",
        solver="sgd",
        alpha=0.01,
        learning_rate="invscaling",
        learning_rate_init=0.2,
        nesterovs_momentum=False,
        n_iter_no_change=np.inf,
    )
    assert isinstance(model, MLPDigitClassifier)
    params = model.get_params()
    assert params["lr_schedule"] == "invscaling"
    assert params["learning_rate"] == 0.2
    assert params["nesterov"] is False
    assert params["alpha"] == 0.01
    assert clone(model).get_params() == params
    assert not hasattr(MLPClassifier(solver="lbfgs"), "partial_fit")


@pytest.mark.parametrize(
    "params, batch",
    [
        ({"batch_size": "auto"}, 150),  # min(200, n)
        ({"batch_size": 40}, 40),
        ({"batch_size": "auto", "early_stopping": True}, 135),  # n - ceil(0.1 n)
        ({"solver": "lbfgs"}, 150),  # the whole data
    ],
)
def test_alpha_is_l2_over_twice_mlpclassifiers_batch(digits, params, batch):
    """The adapter's fit equals MLPDigitClassifier's with l2 = alpha / (2 * batch)
    (the user guide's mapping), and leaves the estimator's own l2 alone."""
    X, y = digits
    X, y = X[:150], y[:150]
    common = {"hidden_layer_sizes": (5,), "max_iter": 3, "random_state": 0, **params}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        adapted = MLPDigitClassifierWithAlpha(alpha=0.3, **common).fit(X, y)
        direct = MLPDigitClassifier(l2=0.3 / (2 * batch), **common).fit(X, y)
    for ours, expected in zip(adapted.coefs_, direct.coefs_):
        assert_array_equal(ours, expected)
    assert adapted.l2 == MLPDigitClassifier().l2
