"""Concurrency and scale-out: predictions from many threads, grid searches on
joblib's threading and loky backends and on a Dask cluster, and pandas input
(as a Dask or Ray worker often receives it)."""

import logging
import os
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import joblib
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier

from skmlp import MLPDigitClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

N_THREADS = 8
GRID = {"hidden_layer_sizes": [(8,), (32,)], "learning_rate": [1e-3, 1e-2]}
N_SPLITS = 3


def _search(n_jobs):
    return GridSearchCV(
        MLPDigitClassifier(max_iter=20, random_state=0),
        GRID,
        cv=N_SPLITS,
        n_jobs=n_jobs,
        scoring=SCORING,
        refit="accuracy",
    )


def _make_scoring():
    # Built in a function: a nested function travels by value (cloudpickle) to
    # loky and Dask workers, which cannot import this test module.
    def accuracy_log_loss_and_pid(estimator, X, y):
        # Log-loss as well as accuracy: it moves with every bit of the weights,
        # where accuracy hides all but large differences. The process id tells
        # where the fit ran.
        return {
            "accuracy": accuracy_score(y, estimator.predict(X)),
            "log_loss": -log_loss(
                y, estimator.predict_proba(X), labels=estimator.classes_
            ),
            "pid": os.getpid(),
        }

    return accuracy_log_loss_and_pid


SCORING = _make_scoring()


@pytest.fixture(scope="module")
def serial_search(digits):
    return _search(n_jobs=1).fit(*digits)


def _assert_same_search(search, reference):
    assert search.best_params_ == reference.best_params_
    for split in range(N_SPLITS):
        assert_array_equal(
            search.cv_results_[f"split{split}_test_accuracy"],
            reference.cv_results_[f"split{split}_test_accuracy"],
        )
        # Not bit for bit: BLAS may sum in another order with another number of
        # threads (joblib gives each loky worker a share of the cores).
        assert_allclose(
            search.cv_results_[f"split{split}_test_log_loss"],
            reference.cv_results_[f"split{split}_test_log_loss"],
            rtol=1e-9,
        )


def _fit_pids(search):
    """Ids of the processes the search's fits ran in."""
    return {
        int(pid)
        for split in range(N_SPLITS)
        for pid in search.cv_results_[f"split{split}_test_pid"]
    }


# ---------------------------------------------------------------- threads


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_predict_proba_from_many_threads(digits_split, dtype):
    X_train, X_test, y_train, _ = digits_split
    model = MLPDigitClassifier((64, 32), max_iter=10, random_state=0)
    model.fit(X_train.astype(dtype), y_train)
    # Inputs of several sizes, so that the threads' calls differ in shape.
    inputs = [X_test.astype(dtype)] + np.array_split(X_test.astype(dtype), 7)
    expected = [model.predict_proba(X) for X in inputs]
    start = threading.Barrier(N_THREADS, timeout=60)

    def predict_several(thread):
        start.wait()  # all threads call predict_proba at the same time
        return [
            (i, model.predict_proba(inputs[i]))
            for i in (np.arange(6) + thread) % len(inputs)
        ]

    with ThreadPoolExecutor(max_workers=N_THREADS) as pool:
        results = list(pool.map(predict_several, range(N_THREADS)))

    assert len(results) == N_THREADS
    for thread_results in results:
        for i, proba in thread_results:
            assert_array_equal(proba, expected[i])


# ---------------------------------------------------------- joblib backends


@pytest.mark.parametrize("backend", ["threading", "loky"])
def test_grid_search_on_joblib_backend(digits, serial_search, backend):
    with joblib.parallel_config(backend=backend):
        search = _search(n_jobs=2).fit(*digits)

    _assert_same_search(search, serial_search)
    in_this_process = _fit_pids(search) == {os.getpid()}
    assert in_this_process == (backend == "threading")


# -------------------------------------------------------------------- Dask


@pytest.fixture(scope="module")
def dask_client(request):
    distributed = pytest.importorskip("dask.distributed")
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    request.addfinalizer(cluster.close)
    client = distributed.Client(cluster)
    request.addfinalizer(client.close)  # finalizers run last in, first out
    return client


def test_grid_search_on_dask_cluster(digits, serial_search, dask_client):
    from dask.distributed import get_task_stream

    with (
        get_task_stream(dask_client) as tasks,
        joblib.parallel_config(backend="dask"),
    ):
        search = _search(n_jobs=2).fit(*digits)

    _assert_same_search(search, serial_search)
    assert_array_equal(
        search.cv_results_["mean_test_accuracy"],
        serial_search.cv_results_["mean_test_accuracy"],
    )
    # Every fit ran in a worker process of the cluster, none here.
    worker_pids = set(dask_client.run(os.getpid).values())
    assert _fit_pids(search) <= worker_pids
    assert tasks.data, "the scheduler saw no tasks"


# ------------------------------------------------------------------ pandas


@pytest.fixture(scope="module")
def frames(digits_split):
    pd = pytest.importorskip("pandas")
    X_train, X_test, y_train, _ = digits_split
    columns = [f"pixel_{i // 8}_{i % 8}" for i in range(X_train.shape[1])]
    return (
        pd.DataFrame(X_train, columns=columns),
        pd.DataFrame(X_test, columns=columns),
        y_train,
    )


# scikit-learn's MLPClassifier alongside, to show that skmlp behaves the same.
ESTIMATORS = [MLPDigitClassifier, MLPClassifier]


def _fit_on_frame(Estimator, X, y):
    return Estimator(hidden_layer_sizes=(16,), max_iter=5, random_state=0).fit(X, y)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_dataframe_keeps_feature_names(frames, Estimator):
    X_train, X_test, y_train = frames
    model = _fit_on_frame(Estimator, X_train, y_train)

    assert_array_equal(model.feature_names_in_, X_train.columns)
    assert model.n_features_in_ == X_train.shape[1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        proba = model.predict_proba(X_test)
        labels = model.predict(X_test)
    assert_array_equal(labels, model.classes_[np.argmax(proba, axis=1)])


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_renamed_or_reordered_columns_raise(frames, Estimator):
    X_train, X_test, y_train = frames
    model = _fit_on_frame(Estimator, X_train, y_train)

    renamed = X_test.rename(columns={X_test.columns[0]: "something_else"})
    with pytest.raises(ValueError, match="Feature names unseen at fit time"):
        model.predict_proba(renamed)

    reordered = X_test[X_test.columns[::-1]]
    with pytest.raises(ValueError, match="must be in the same order"):
        model.predict(reordered)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_ndarray_after_dataframe_fit_warns(frames, Estimator):
    X_train, X_test, y_train = frames
    model = _fit_on_frame(Estimator, X_train, y_train)

    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        proba = model.predict_proba(X_test.to_numpy())
    assert_array_equal(proba, model.predict_proba(X_test))


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_dataframe_after_ndarray_fit_warns(frames, Estimator):
    X_train, X_test, y_train = frames
    model = _fit_on_frame(Estimator, X_train.to_numpy(), y_train)

    assert not hasattr(model, "feature_names_in_")
    with pytest.warns(UserWarning, match="X has feature names, but"):
        model.predict(X_test)
