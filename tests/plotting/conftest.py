"""Fixtures of the tests of skmlp.plotting: matplotlib without a screen, a
small fitted network, and no figure left open."""

import warnings

import pytest
from sklearn.exceptions import ConvergenceWarning

from skmlp import MLPDigitClassifier

try:
    import matplotlib
except ModuleNotFoundError:  # the test modules that draw skip themselves
    matplotlib = None
else:
    matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    if matplotlib is not None:
        import matplotlib.pyplot as plt

        plt.close("all")


@pytest.fixture(scope="session")
def fitted(digits_split):
    """A small network trained a few epochs with early stopping, and its data."""
    X_train, X_test, y_train, y_test = digits_split
    clf = MLPDigitClassifier(
        (16,), max_iter=8, early_stopping=True, n_iter_no_change=50, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_train, y_train)
    return clf, X_test, y_test
