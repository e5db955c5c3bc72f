"""The thread policy: BLAS is left as a fit found it, in every thread, and a
user's own limit holds inside and after a fit.

Each scenario runs in a fresh interpreter, so that what BLAS does there does
not depend on the tests that ran before in this process.
"""

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import skmlp
import skmlp._threads

_PRELUDE = textwrap.dedent(
    """
    import concurrent.futures
    import threading
    import warnings
    from pathlib import Path

    import numpy as np
    import scipy.linalg.cython_blas
    from joblib import parallel_config
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import cross_val_score
    from threadpoolctl import threadpool_info, threadpool_limits

    import skmlp._threads
    from skmlp import MLPDigitClassifier
    from skmlp._engine._blas import PROVIDER

    # Whether the machine has a core to spare is the scenario's to say, not
    # the load of the machine running the tests.
    spare_core = iter(lambda: True, None)
    skmlp._threads.has_spare_core = lambda: next(spare_core)

    warnings.simplefilter("ignore", ConvergenceWarning)
    X, y = load_digits(return_X_y=True)
    X = X / 16.0

    def blas_threads():
        # The BLAS the engine calls as "engine"; any other (NumPy's or
        # SciPy's) by the folder its library lives in.
        return {
            "engine" if i["filepath"] == PROVIDER.filepath
            else Path(i["filepath"]).parent.name: i["num_threads"]
            for i in threadpool_info()
            if i["user_api"] == "blas"
        }

    class ThreadsSeen:
        # A FitCallback recording the engine's BLAS thread count at every epoch.
        def __init__(self):
            self.counts = []

        def setup(self, estimator, context):
            pass

        def teardown(self, estimator, context):
            pass

        def on_fit_task_begin(self, estimator, context, **kwargs):
            pass

        def on_fit_task_end(self, estimator, context, **kwargs):
            if context.task_name == "epoch":
                counts = blas_threads()
                self.counts.append(
                    counts["engine"]
                )
            return False

    def small_fit():
        return MLPDigitClassifier((16,), max_iter=3, random_state=0).fit(X, y)

    def large_fit(callback=None):
        clf = MLPDigitClassifier((1500,), batch_size=400, max_iter=2, random_state=0)
        if callback is not None:
            clf.set_callbacks(callback)
        return clf.fit(X, y)

    before = blas_threads()
    print("BEFORE", before)
    """
)

SCENARIOS = {
    "main-thread-small": "small_fit()",
    "main-thread-large": "large_fit()",
    "joblib-threading": """
        with parallel_config(backend="threading"):
            cross_val_score(
                MLPDigitClassifier((16,), max_iter=3), X, y, cv=4, n_jobs=2
            )
    """,
    "thread-pool-executor": """
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda _: small_fit(), range(4)))
    """,
    "one-fit-in-a-thread": """
        thread = threading.Thread(target=small_fit)
        thread.start()
        thread.join()
    """,
    "large-fit-in-a-thread": """
        thread = threading.Thread(target=large_fit)
        thread.start()
        thread.join()
    """,
    "loky": """
        with parallel_config(backend="loky"):
            cross_val_score(
                MLPDigitClassifier((16,), max_iter=3), X, y, cv=4, n_jobs=2
            )
    """,
    "predictions-in-threads": """
        small, large = small_fit(), large_fit()
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            jobs = [pool.submit(small.predict_proba, X) for _ in range(4)]
            jobs += [pool.submit(large.predict, np.tile(X, (3, 1))) for _ in range(2)]
            [job.result() for job in jobs]
    """,
    "mixed-large-and-small": """
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            jobs = [pool.submit(large_fit)] + [pool.submit(small_fit) for _ in range(3)]
            [job.result() for job in jobs]
        large_fit()
    """,
}


def _run(body):
    script = _PRELUDE + textwrap.dedent(body) + '\nprint("AFTER", blas_threads())\n'
    seen = _run_script(script)
    if "BEFORE" in seen and "engine" not in seen["BEFORE"]:
        pytest.skip("threadpoolctl cannot tell which library the engine calls here")
    return seen


def _run_script(script):
    env = dict(os.environ, PYTHONPATH=str(Path(skmlp.__file__).parent.parent))
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(skmlp.__file__).resolve().parent.parent,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return {
        line.split()[0]: eval(line.split(maxsplit=1)[1])  # a printed dict
        for line in done.stdout.splitlines()
        if line.split() and line.split()[0].replace("_", "").isupper()
    }


@pytest.fixture(scope="module")
def scenario_runs():
    """Each scenario in a fresh interpreter of its own (what an earlier fit
    left behind changes what the next one does), two at a time."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        return dict(zip(SCENARIOS, pool.map(_run, SCENARIOS.values())))


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_blas_thread_counts_are_left_as_found(scenario_runs, scenario):
    """After any kind of fit, NumPy's and SciPy's BLAS have the thread
    counts they had before (they used to stay at one after threaded fits)."""
    seen = scenario_runs[scenario]
    assert len(seen["BEFORE"]) >= 1 and min(seen["BEFORE"].values()) >= 1
    assert seen["AFTER"] == seen["BEFORE"]


def test_a_users_limit_holds_inside_and_after_fits():
    """threadpool_limits(1) set by the user: a large fit in the main thread,
    which would use BLAS's own threads, runs on one, and the limit is still
    in force afterwards (the next fit used to reset it to two)."""
    seen = _run(
        """
        # Fits in worker threads first: they used to leave a stale limit
        # behind, which the next fit in the main thread "restored" over the
        # user's own.
        with parallel_config(backend="threading"):
            cross_val_score(MLPDigitClassifier((16,), max_iter=3), X, y, n_jobs=2)
        callback = ThreadsSeen()
        with threadpool_limits(limits=1, user_api="blas"):
            small_fit()
            print("AFTER_SMALL_FIT", blas_threads())
            with parallel_config(backend="threading"):
                cross_val_score(
                    MLPDigitClassifier((16,), max_iter=3), X, y, cv=4, n_jobs=2
                )
            large_fit(callback)
            print("INSIDE", {"epochs": callback.counts})
            print("LIMITED", blas_threads())
        # The user guide's recipe, then a lone large fit: back to BLAS's own count.
        callback = ThreadsSeen()
        large_fit(callback)
        print("UNLIMITED", {"epochs": callback.counts})
        """
    )
    assert set(seen["AFTER_SMALL_FIT"].values()) == {1}
    assert set(seen["INSIDE"]["epochs"]) == {1}
    assert set(seen["LIMITED"].values()) == {1}
    assert seen["AFTER"] == seen["BEFORE"]
    engine_threads = seen["BEFORE"]["engine"]
    assert set(seen["UNLIMITED"]["epochs"]) == {engine_threads}


def test_a_users_limit_entered_during_a_fit_in_another_thread_holds():
    """A fit in a worker thread has set BLAS to one thread (the count it
    will put back is two) when the user enters ``threadpool_limits(1)`` in
    the main thread: the fit ending inside the block used to put two back,
    undoing the user's limit there. The limit now stands until the block
    exits."""
    seen = _run(
        """
        started, user_inside = threading.Event(), threading.Event()

        class Gate(ThreadsSeen):
            # Holds the fit after its first epoch until the user's block began.
            def on_fit_task_end(self, estimator, context, **kwargs):
                if context.task_name == "epoch":
                    started.set()
                    user_inside.wait(timeout=60)
                return False

        def gated_fit():
            clf = MLPDigitClassifier((16,), max_iter=3, random_state=0)
            clf.set_callbacks(Gate())
            clf.fit(X, y)

        fit = threading.Thread(target=gated_fit)
        fit.start()
        started.wait(timeout=60)
        print("DURING_FIT", blas_threads())
        with threadpool_limits(limits=1, user_api="blas"):
            user_inside.set()
            fit.join()
            print("INSIDE", blas_threads())
        """
    )
    engine_before = seen["BEFORE"]["engine"]
    if engine_before == 1:
        pytest.skip("the engine's BLAS runs one thread here: no limit to undo")
    assert seen["DURING_FIT"]["engine"] == 1
    assert set(seen["INSIDE"].values()) == {1}


def test_a_busy_machine_has_no_spare_core():
    """With as many CPU-bound processes as cores, a second BLAS thread would
    only wait: the check sees them (they are always runnable)."""
    busy = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import time\nend = time.time() + 20\nwhile time.time() < end: pass",
            ]
        )
        for _ in range(os.cpu_count() or 1)
    ]
    try:
        time.sleep(0.5)
        answers = [skmlp._threads.has_spare_core() for _ in range(5)]
    finally:
        for process in busy:
            process.kill()
            process.wait()
    assert not any(answers)


@pytest.mark.parametrize(
    "counts, spare",
    [
        ([4, 0, 4], True),  # a process passing by: the machine is not busy
        ([4, 4, 0], True),
        ([4, 4, 4], False),  # others keep the cores busy
        ([None], True),  # no /proc: BLAS's own assumption
        ([0], True),
    ],
)
def test_one_count_of_a_passing_process_is_not_a_busy_machine(
    counts, spare, monkeypatch
):
    """has_spare_core takes the least of a few counts of other processes'
    runnable threads: one that catches a passing process does not put a
    large fit on one thread for a whole epoch."""
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    answers = iter(counts)
    monkeypatch.setattr(skmlp._threads, "_other_running_threads", lambda: next(answers))
    assert skmlp._threads.has_spare_core() is spare


def test_threads_follow_the_machines_load_between_epochs():
    """A large fit starts on one thread while the machine is busy and takes
    BLAS's own count at the next epoch once a core is free; afterwards BLAS
    is as the fit found it."""
    seen = _run(
        """
        spare_core = iter([False, True])
        callback = ThreadsSeen()
        large_fit(callback)
        print("EPOCHS", {"counts": callback.counts})
        """
    )
    engine_threads = seen["BEFORE"]["engine"]
    assert seen["EPOCHS"]["counts"] == [1, engine_threads]
    assert seen["AFTER"] == seen["BEFORE"]


def test_the_other_blas_is_never_touched():
    """skmlp calls one BLAS (NumPy's OpenBLAS, or SciPy's), so it limits that
    one only: the other keeps its threads for the user's own work while fits
    run in threads."""
    seen = _run(
        """
        counts = []
        def watch():
            for _ in range(200):
                counts.append(blas_threads())
        watcher = threading.Thread(target=watch)
        watcher.start()
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda _: small_fit(), range(6)))
        watcher.join()
        other_counts = {c[k] for c in counts for k in c if k != "engine"}
        print("OTHER", {"counts": sorted(other_counts)})
        """
    )
    other_before = [v for k, v in seen["BEFORE"].items() if k != "engine"]
    if not other_before:
        pytest.skip("NumPy and SciPy share one BLAS here")
    assert seen["OTHER"]["counts"] == sorted(set(other_before))


def test_predictions_follow_the_thread_policy():
    """A prediction makes its products on one BLAS thread when they are
    small (a second thread only waits there, and on a busy machine made a
    360-row predict 25-50 times slower), on BLAS's own count when they are
    large and a core is spare, on the user's limit when there is one; BLAS
    is as found afterwards."""
    seen = _run(
        """
        import skmlp._prediction

        counts = []
        real_forward = skmlp._prediction.forward_proba

        def forward_seeing_threads(*args, **kwargs):
            counts.append(blas_threads()["engine"])
            return real_forward(*args, **kwargs)

        skmlp._prediction.forward_proba = forward_seeing_threads
        small, large = small_fit(), large_fit()
        many_rows = np.tile(X, (3, 1))  # chunks of 4,096 rows of 64-1500-10
        small.predict(X[:360])
        large.predict(many_rows)
        spare_core = iter(lambda: False, None)
        large.predict_proba(many_rows)
        spare_core = iter(lambda: True, None)
        with threadpool_limits(limits=1, user_api="blas"):
            large.predict(many_rows)
            print("LIMITED", blas_threads())
        print("PREDICTIONS", {"counts": counts})
        """
    )
    engine_threads = seen["BEFORE"]["engine"]
    assert seen["PREDICTIONS"]["counts"] == [1, engine_threads, 1, 1]
    assert set(seen["LIMITED"].values()) == {1}
    assert seen["AFTER"] == seen["BEFORE"]
