"""scikit-learn's callback API: progress bars, scoring monitors, stopping."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from skmlp import MLPDigitClassifier

callback = pytest.importorskip("sklearn.callback")


class EpochRecorder:
    """A minimal FitCallback: records each epoch's accuracy, stops after n."""

    def __init__(self, stop_after=None):
        self.stop_after = stop_after
        self.scores = []

    def setup(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context, **kwargs):
        pass

    def on_fit_task_end(
        self, estimator, context, *, X=None, y=None, fitted_estimator=None, **kwargs
    ):
        if context.task_name != "epoch":
            return False
        self.scores.append(fitted_estimator.score(X, y))
        return self.stop_after is not None and len(self.scores) >= self.stop_after

    def teardown(self, estimator, context):
        pass


def test_callback_sees_a_snapshot_after_every_epoch(digits):
    X, y = digits
    recorder = EpochRecorder()
    clf = MLPDigitClassifier(max_iter=6, random_state=0).set_callbacks(recorder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    assert len(recorder.scores) == 6
    # The snapshots are of the weights as training went on: accuracy rises.
    assert recorder.scores[-1] > recorder.scores[0]
    assert recorder.scores[-1] == clf.score(X, y)


def test_callback_can_stop_training(digits):
    X, y = digits
    recorder = EpochRecorder(stop_after=3)
    clf = MLPDigitClassifier(max_iter=50).set_callbacks(recorder).fit(X, y)
    assert clf.n_iter_ == 3 and len(recorder.scores) == 3


def test_scoring_monitor_logs_every_epoch(digits):
    pytest.importorskip("pandas")
    X, y = digits
    monitor = callback.ScoringMonitor(scoring="accuracy")
    clf = MLPDigitClassifier(max_iter=4, random_state=0).set_callbacks(monitor)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    logs = monitor.get_logs()
    rows = [row for row in logs.data if row["task_name"] == "epoch"]
    assert len(rows) == 4
    assert all(0 <= row["accuracy"] <= 1 for row in rows)


def test_progress_bar_nests_under_grid_search(digits, capsys):
    pytest.importorskip("rich")
    X, y = digits
    clf = MLPDigitClassifier((16,), max_iter=3)
    search = GridSearchCV(clf, {"l2": [1e-4, 1e-3]}, cv=2)
    search.set_callbacks(callback.ProgressBar())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    assert np.isfinite(search.best_score_)
