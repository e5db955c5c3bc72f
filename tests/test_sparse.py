"""scipy.sparse input: the same model as dense input, without densifying X."""

import tracemalloc
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning

from skmlp import MLPDigitClassifier

CONTAINERS = [sparse.csr_matrix, sparse.csc_matrix, sparse.csr_array, sparse.csc_array]


def quiet_fit(model, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(*args, **kwargs)


@pytest.mark.parametrize("container", CONTAINERS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_sparse_fit_equals_dense_fit(digits, container, solver):
    X, y = digits
    params = dict(hidden_layer_sizes=(20,), solver=solver, max_iter=5, random_state=0)
    dense = quiet_fit(MLPDigitClassifier(**params), X, y)
    sparse_fit = quiet_fit(MLPDigitClassifier(**params), container(X), y)
    for a, b in zip(
        dense.coefs_ + dense.intercepts_, sparse_fit.coefs_ + sparse_fit.intercepts_
    ):
        assert_allclose(a, b, rtol=0, atol=1e-12)
    assert_allclose(
        sparse_fit.predict_proba(container(X)),
        dense.predict_proba(X),
        rtol=0,
        atol=1e-12,
    )
    assert_array_equal(sparse_fit.predict(container(X)), dense.predict(X))


def test_sparse_float32_partial_fit_and_validation(digits):
    X, y = digits
    X32 = X.astype(np.float32)
    params = dict(hidden_layer_sizes=(20,), random_state=0, shuffle=False)
    dense, sparse_model = MLPDigitClassifier(**params), MLPDigitClassifier(**params)
    for _ in range(3):
        dense.partial_fit(X32, y, classes=np.arange(10))
        sparse_model.partial_fit(sparse.csr_array(X32), y, classes=np.arange(10))
    assert sparse_model.coefs_[0].dtype == np.float32
    assert_allclose(sparse_model.coefs_[0], dense.coefs_[0], rtol=0, atol=1e-6)

    early = dict(early_stopping=True, max_iter=5, random_state=0)
    dense = quiet_fit(MLPDigitClassifier(**early), X, y)
    sparse_model = quiet_fit(
        MLPDigitClassifier(**early),
        sparse.csr_matrix(X),
        y,
    )
    assert sparse_model.validation_scores_ == dense.validation_scores_
    held_out = quiet_fit(
        MLPDigitClassifier(max_iter=3, random_state=0),
        sparse.csr_matrix(X),
        y,
        X_val=sparse.csr_matrix(X[:100]),
        y_val=y[:100],
    )
    assert len(held_out.validation_loss_curve_) == 3


def test_wide_sparse_data_is_never_densified():
    """100,000 features: dense X would be 800 MB; training stays far below."""
    rng = np.random.RandomState(0)
    n_samples, n_features = 1000, 100_000
    X = sparse.random(
        n_samples, n_features, density=2e-4, format="csr", random_state=rng
    )
    y = np.asarray(X[:, :50].sum(axis=1)).ravel() > np.median(
        np.asarray(X[:, :50].sum(axis=1))
    )
    clf = MLPDigitClassifier((4,), batch_size=16, max_iter=2, random_state=0)
    tracemalloc.start()
    try:
        quiet_fit(clf, X, y)
        proba = clf.predict_proba(X)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert np.all(np.isfinite(proba))
    dense_bytes = n_samples * n_features * 8
    parameter_bytes = sum(c.nbytes for c in clf.coefs_) * 6
    assert peak < parameter_bytes + 0.1 * dense_bytes
