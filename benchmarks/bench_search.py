"""Grid search: 4 learning rates x 4 L2 penalties x 5 folds on load_digits.

Each of the 80 fits trains 50 epochs (64-100-10 ReLU, SGD with Nesterov
momentum, batch 32, float64). Timed in one run: MLPClassifier with n_jobs=1
(its ``alpha`` set to ``2 * batch_size * l2``, the same penalty), and skmlp
with n_jobs=1, and n_jobs=2 under joblib's threading and loky backends.

With ``--busy N``, N CPU-bound processes run beside the searches (they stop
by themselves; see ``bench_contention.py``): a busy laptop or shared server.

Usage::

    python benchmarks/bench_search.py [--quick] [--epochs 50] [--busy N]

Sample output: see the README's performance section for the latest run.
"""

import argparse
import os
import sys
import time
import warnings

import _common
from _results import add_results_argument, record_results
from bench_contention import start_neighbours, stop_neighbours
from joblib import parallel_config
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier

from skmlp import MLPDigitClassifier

LEARNING_RATES = [0.001, 0.003, 0.01, 0.03]
L2 = [1e-5, 1e-4, 1e-3, 1e-2]
BATCH_SIZE = 32


def searches(epochs):
    """The searches to time, by name: (estimator, grid, n_jobs, backend)."""
    common = dict(
        hidden_layer_sizes=(100,),
        solver="sgd",
        batch_size=BATCH_SIZE,
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=epochs,
        random_state=0,
    )
    ours = MLPDigitClassifier(**common)
    ours_grid = {"learning_rate": LEARNING_RATES, "l2": L2}
    theirs = MLPClassifier(**common)
    theirs_grid = {
        "learning_rate_init": LEARNING_RATES,
        "alpha": [2 * BATCH_SIZE * l2 for l2 in L2],
    }
    return {
        "MLPClassifier, n_jobs=1": (theirs, theirs_grid, 1, "loky"),
        "skmlp, n_jobs=1": (ours, ours_grid, 1, "loky"),
        "skmlp, n_jobs=2 threading": (ours, ours_grid, 2, "threading"),
        "skmlp, n_jobs=2 loky": (ours, ours_grid, 2, "loky"),
    }


def run_search(estimator, grid, n_jobs, backend, X, y, folds):
    with warnings.catch_warnings(), parallel_config(backend=backend):
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        search = GridSearchCV(estimator, grid, cv=folds, n_jobs=n_jobs).fit(X, y)
        return time.perf_counter() - start, search.best_score_


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="5 epochs per fit, one repeat"
    )
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--busy",
        type=int,
        default=0,
        help="CPU-bound processes running beside the searches (default 0)",
    )
    add_results_argument(parser)
    args = parser.parse_args(argv)
    epochs, repeats = (5, 1) if args.quick else (args.epochs, args.repeats)
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    seconds = {name: [] for name in searches(epochs)}
    scores = {}
    for _ in range(repeats):
        _common.wait_for_idle_machine()
        neighbours = start_neighbours(args.busy, 900) if args.busy else []
        try:
            for name, (estimator, grid, n_jobs, backend) in searches(epochs).items():
                elapsed, scores[name] = run_search(
                    estimator, grid, n_jobs, backend, X, y, 5
                )
                seconds[name].append(elapsed)
        finally:
            stop_neighbours(neighbours)
    medians = {name: _common.median(t) for name, t in seconds.items()}
    base = medians["skmlp, n_jobs=1"]
    theirs = medians["MLPClassifier, n_jobs=1"]
    print(_common.environment_summary(_common.default_threads()))
    print(
        f"GridSearchCV: {len(LEARNING_RATES)} x {len(L2)} x 5 folds, {epochs} "
        f"epochs per fit, median of {repeats}, {args.busy} busy processes "
        "beside\n"
    )
    rows = [
        [
            name,
            f"{medians[name]:.2f}",
            f"{theirs / medians[name]:.1f}",
            f"{base / medians[name]:.2f}",
            f"{scores[name]:.4f}",
        ]
        for name in seconds
    ]
    print(
        _common.format_table(
            ["search", "seconds", "x MLPClassifier", "x skmlp n_jobs=1", "best score"],
            rows,
        )
    )
    if args.results is not None and not args.quick:
        command = "python benchmarks/bench_search.py " + " ".join(sys.argv[1:])
        if os.environ.get("OPENBLAS_CORETYPE"):
            command = f"OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']} {command}"
        record_results(
            args.results,
            ("search", "busy" if args.busy else "latest"),
            {"command": command.strip(), "repeats": repeats, "seconds": medians},
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
