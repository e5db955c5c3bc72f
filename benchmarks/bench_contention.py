"""Training on a busy machine: one epoch with 0, 1 and 2 CPU-bound neighbours.

Users train on laptops with a browser open and on shared servers, where
other programs want the same cores. This script times one training epoch of
skmlp, MLPClassifier and the GEMM floor (the epoch's matrix products alone,
through NumPy's BLAS, with its default threads and with one) while 0, 1 and
then 2 busy processes run beside them.
The busy processes spin in a Python loop and stop by themselves after a
deadline, so an interrupted run leaves nothing behind.

Within each load level the methods take turns round by round (A, B, C, B, C,
A, ...) and the table gives medians, each method's slow-down against its own
time on the idle machine, and skmlp's speed-up over MLPClassifier in the same
row.

Default scenario: the Theano tutorial's network, 784-500-10 tanh, plain SGD,
minibatches of 20, float32, on 10,000 random images (the content does not
change the work). ``--batch-size 128`` times the case where a lone skmlp fit
uses two BLAS threads.

Usage::

    python benchmarks/bench_contention.py [--batch-size 20] [--rounds 7]
        [--samples 10000] [--loads 0 1 2]
"""

import argparse
import multiprocessing
import sys
import time
import warnings

import _common
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from skmlp import MLPDigitClassifier

N_UNITS = (784, 500, 10)


def _spin(deadline):
    """A CPU-bound neighbour: spins until ``deadline`` (time.time())."""
    while time.time() < deadline:
        pass


def start_neighbours(count, seconds):
    """Start ``count`` busy processes that stop after ``seconds``."""
    deadline = time.time() + seconds
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_spin, args=(deadline,), daemon=True)
        for _ in range(count)
    ]
    for process in processes:
        process.start()
    time.sleep(0.5)  # let them get going
    return processes


def stop_neighbours(processes):
    for process in processes:
        process.terminate()
    for process in processes:
        process.join()


def epoch_functions(X, y, batch_size):
    """One training epoch of each method, by name, each a callable."""
    classes = np.unique(y)
    ours = MLPDigitClassifier(
        N_UNITS[1:-1],
        "tanh",
        solver="sgd",
        momentum=0.0,
        learning_rate=0.01,
        l2=1e-4,
        batch_size=batch_size,
        random_state=0,
    )
    theirs = MLPClassifier(
        N_UNITS[1:-1],
        activation="tanh",
        solver="sgd",
        momentum=0.0,
        learning_rate_init=0.01,
        alpha=2 * batch_size * 1e-4,
        batch_size=batch_size,
        random_state=0,
    )
    floor = _common.gemm_floor_epoch(N_UNITS, len(X), batch_size, X.dtype)

    def skmlp_epoch():
        ours.partial_fit(X, y, classes=classes)

    def mlpclassifier_epoch():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            theirs.partial_fit(X, y, classes=classes)

    def floor_one_thread():
        with _common.limit_threads(1):
            floor()

    functions = {
        "skmlp": skmlp_epoch,
        "MLPClassifier": mlpclassifier_epoch,
        "GEMM floor": floor,
        "GEMM floor 1 thread": floor_one_thread,
    }
    # A first call of each outside the timing: set-up, first allocations.
    for function in functions.values():
        function()
    return functions


def time_under_load(functions, n_neighbours, rounds):
    """Seconds of each function's calls with ``n_neighbours`` busy processes."""
    names = list(functions)
    seconds = {name: [] for name in names}
    # Generous: the neighbours must outlive the slowest rounds.
    neighbours = start_neighbours(n_neighbours, seconds=600)
    try:
        for round_number in range(rounds):
            first = round_number % len(names)
            for name in names[first:] + names[:first]:
                seconds[name].append(_common.time_call(functions[name]))
    finally:
        stop_neighbours(neighbours)
    return seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-size", type=int, default=20)
    parser.add_argument("--samples", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--loads", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (args.samples, N_UNITS[0])).astype(np.float32)
    y = rng.integers(0, N_UNITS[-1], args.samples)
    functions = epoch_functions(X, y, args.batch_size)

    print(_common.environment_summary(_common.default_threads()))
    print(
        f"One epoch of {'-'.join(map(str, N_UNITS))} tanh, plain SGD, batch "
        f"{args.batch_size}, float32, {args.samples} samples; median of "
        f"{args.rounds} interleaved rounds per load level\n"
    )
    _common.wait_for_idle_machine()
    medians = {}
    for load in args.loads:
        seconds = time_under_load(functions, load, args.rounds)
        medians[load] = {name: _common.median(t) for name, t in seconds.items()}
        print(
            f"  {load} busy: "
            + ", ".join(
                f"{name} {value:.3f} s" for name, value in medians[load].items()
            ),
            flush=True,
        )
    idle = medians[args.loads[0]]
    rows = []
    for load in args.loads:
        row = [str(load)]
        for name in functions:
            value = medians[load][name]
            row.append(f"{value:.3f} ({value / idle[name]:.2f}x)")
        row.append(f"{medians[load]['MLPClassifier'] / medians[load]['skmlp']:.2f}x")
        rows.append(row)
    print()
    print(
        _common.format_table(
            [
                "busy processes",
                *(f"{name} s (x idle)" for name in functions),
                "skmlp vs MLPClassifier",
            ],
            rows,
        )
    )
    worst = max(medians[load]["skmlp"] / idle["skmlp"] for load in args.loads)
    ahead = all(
        medians[load]["skmlp"] < medians[load]["MLPClassifier"] for load in args.loads
    )
    print(
        f"\nskmlp's worst slow-down: {worst:.2f}x (target <= 2.5x); ahead of "
        f"MLPClassifier in every row: {'yes' if ahead else 'no'}"
    )
    return 0 if worst <= 2.5 and ahead else 1


if __name__ == "__main__":
    sys.exit(main())
