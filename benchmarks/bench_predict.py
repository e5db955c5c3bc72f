"""Prediction speed: single-row latency and 10,000-row throughput.

Times ``predict_proba`` of skmlp.MLPDigitClassifier and scikit-learn's
MLPClassifier with the same weights, for load_digits' 64-100-10 and MNIST's
784-500-10 ReLU networks (float64), in one run, taking turns. Latency is the median
over many single-row calls, each with full input validation; throughput is
rows per second on a 10,000-row matrix.

Usage::

    python benchmarks/bench_predict.py [--quick]

Sample output (2-core AVX2 machine, this repository's README has the latest)::

    predict_proba            skmlp   MLPClassifier   skmlp / MLPClassifier
    1 row (us)                10.1            72.3                    0.14
    10,000 rows (rows/s)    1.9e+06         1.1e+06                    1.73
"""

import argparse
import sys
import warnings

import _common
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from skmlp import MLPDigitClassifier


def fitted_pair(n_features, hidden, n_classes, seed=0):
    """MLPClassifier and MLPDigitClassifier holding the same random weights."""
    rng = np.random.RandomState(seed)
    X = rng.rand(50, n_features)
    y = np.arange(50) % n_classes
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs = MLPClassifier(hidden, max_iter=1).fit(X, y)
        ours = MLPDigitClassifier(hidden, max_iter=1).fit(X, y)
    ours.coefs_ = [c.copy() for c in theirs.coefs_]
    ours.intercepts_ = [b.copy() for b in theirs.intercepts_]
    return {"skmlp": ours, "MLPClassifier": theirs}


def per_call_seconds(function, calls):
    def run():
        for _ in range(calls):
            function()

    return run


def measure(n_features, hidden, calls, repeats):
    """Median single-row latency (us) and throughput (rows/s) of both models."""
    models = fitted_pair(n_features, hidden, 10)
    rng = np.random.RandomState(1)
    row = rng.rand(1, n_features)
    rows = rng.rand(10_000, n_features)
    assert np.allclose(
        models["skmlp"].predict_proba(rows), models["MLPClassifier"].predict_proba(rows)
    )
    latency, _ = _common.time_round_robin(
        {
            name: per_call_seconds(lambda m=m: m.predict_proba(row), calls)
            for name, m in models.items()
        },
        repeats,
    )
    throughput, _ = _common.time_round_robin(
        {name: (lambda m=m: m.predict_proba(rows)) for name, m in models.items()},
        repeats,
    )
    us = {name: _common.median(t) / calls * 1e6 for name, t in latency.items()}
    per_s = {name: 10_000 / _common.median(t) for name, t in throughput.items()}
    return us, per_s


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args(argv)
    calls, repeats = (200, 3) if args.quick else (2000, 7)
    rows = []
    for n_features, hidden in [(64, (100,)), (784, (500,))]:
        us, per_s = measure(n_features, hidden, calls, repeats)
        network = f"{n_features}-{'-'.join(map(str, hidden))}-10"
        rows.append(
            [
                f"{network}, 1 row (us)",
                f"{us['skmlp']:.1f}",
                f"{us['MLPClassifier']:.1f}",
                f"{us['skmlp'] / us['MLPClassifier']:.2f}",
            ]
        )
        rows.append(
            [
                f"{network}, 10,000 rows (rows/s)",
                f"{per_s['skmlp']:.3g}",
                f"{per_s['MLPClassifier']:.3g}",
                f"{per_s['skmlp'] / per_s['MLPClassifier']:.2f}",
            ]
        )
    print(_common.environment_summary(_common.default_threads()))
    print("float64 weights and input, predict_proba with input validation\n")
    print(
        _common.format_table(
            ["predict_proba", "skmlp", "MLPClassifier", "skmlp / MLPClassifier"], rows
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
