"""Seconds per training epoch of skmlp, MLPClassifier, PyTorch and the GEMM floor.

Every scenario trains the same network the same way with

- ``skmlp.MLPDigitClassifier``;
- ``sklearn.neural_network.MLPClassifier``, configured to match: same layers,
  activation, solver, learning rate, momentum, batch size and shuffling, and
  ``alpha = 2 * batch_size * l2`` (MLPClassifier divides its penalty by the
  batch size, skmlp does not);
- a PyTorch CPU loop over the same network, initialisation (Glorot uniform),
  optimizer, L2 penalty (on the weights only) and dtype, when torch is
  installed;

and reports the median seconds per epoch, the test accuracy after the same
number of epochs, and the peak resident memory training added. Both
estimators train one epoch per ``partial_fit`` call, which keeps the
optimizer state (momentum, Adam moments) between epochs; for skmlp it is the
same code path as ``fit`` with ``max_iter=1, warm_start=True``, whereas
MLPClassifier's warm-started ``fit`` restarts its optimizer. The estimators'
epoch times thus include their per-call input validation; evaluation is not
timed.

The reference is the GEMM floor: the ``3 * n_layers - 1`` matrix products of
each minibatch's forward and backward pass alone (784-500-10: ``X @ W1``,
``H @ W2``, ``H.T @ d2``, ``d2 @ W2.T``, ``X.T @ d1``), with NumPy's BLAS into
preallocated arrays, summed over one epoch. A second floor runs the same
products with SciPy's BLAS (``scipy.linalg.blas`` gemm, in place): NumPy's
and SciPy's wheels may bundle different OpenBLAS builds, and the gap between
the two floors is the BLAS, not the engine. skmlp's engine calls NumPy's
OpenBLAS where it can (``SKMLP_BLAS``, :mod:`skmlp._engine._blas_provider`);
the header says which library it calls. Every
method runs with the same number of threads (BLAS, OpenMP and
``torch.set_num_threads``).

Each method first trains one untimed warm-up epoch (initialisation, page
faults, thread start-up), during which its peak memory is measured. The timed
epochs then go round-robin, one epoch of each method in turn, each round
after the machine has gone idle and each epoch after a short pause for the
previous method's BLAS threads to stop spinning, so that a busy spell of the
machine slows every method alike. A digits epoch takes milliseconds: there
each timed turn is a run of 10 epochs back to back, as in a fit, since an
epoch timed alone right after another method's starts with cold caches. The
"other load" column tells how much of the CPU time other programs took while
a method was timed; over 10% earns a warning.

Scenarios (``--scenario``; default: all whose data is present):

1. Fashion-MNIST 60000 x 784, 784-500-10 ReLU, SGD with Nesterov momentum 0.9,
   learning rate 0.01, batch 128, float32.
2. Fashion-MNIST, 784-500-10 tanh, plain SGD, learning rate 0.01, l2 1e-4,
   batch 20, float32: the shape of the Theano MLP tutorial.
3. Scenario 1 in float64.
4. Fashion-MNIST, 784-800-800-10 ReLU, Adam with learning rate 1e-3,
   batch 128, float32.
5. scikit-learn's digits (1347 x 64 for training), 64-100-10 ReLU, SGD with
   Nesterov momentum 0.9, learning rate 0.01, batch 32, float64.
6. Scenario 5 in float32 (every method given float32 data).

Fashion-MNIST is read with :func:`skmlp.datasets.load_mnist` from
``/usr/share/datasets/fashion-mnist`` (``apt-get install
dataset-fashion-mnist``) or ``--fashion-mnist DIR``; without it, scenarios 1-4
are skipped with a note. ``--quick`` trains on 5000 Fashion-MNIST images for
3 timed epochs (5 on digits) and finishes in under a minute.

Usage, from the repository root, with skmlp installed from this checkout
(``pip install -e .``)::

    python benchmarks/bench_train.py                 # full run, all scenarios
    python benchmarks/bench_train.py --quick         # smoke run, < 1 minute
    python benchmarks/bench_train.py --scenario 1 2 --epochs 5 --threads 2

Sample output (``python benchmarks/bench_train.py``, scenarios 2 and 5 of
the run the README shows, on an idle 2-vCPU virtual machine)::

    AMD EPYC, 2 thread(s), Python 3.11.7
    BLAS of numpy: openblas 0.3.31.188.0, Haswell kernels (the one skmlp calls)
    BLAS of scipy: openblas 0.3.30, Haswell kernels
    skmlp 0.1.0, numpy 2.4.6, scipy 1.17.1, scikit-learn 1.9.1, torch 2.13.0+cpu
    OPENBLAS_CORETYPE=Haswell

    Scenario 2: Fashion-MNIST, 60000 train / 10000 test, median of 5 epochs
    784-500-10 tanh, SGD, lr 0.01, l2 0.0001, batch 20, float32
    method              s/epoch  x floor  skmlp speedup  test acc  peak MB  other load
    ------------------  -------  -------  -------------  --------  -------  ----------
    GEMM floor (NumPy)    0.763     1.00              -         -        7          1%
    GEMM floor (SciPy)     1.01     1.33              -         -        7          0%
    skmlp                  1.75     2.29              -    0.8487       11          0%
    MLPClassifier          2.49     3.26          1.42x    0.8465       12          0%
    PyTorch                1.86     2.44          1.06x    0.8512       14          0%

    Scenario 5: load_digits, 1347 train / 450 test, median of 20 runs of 10 epochs
    64-100-10 relu, SGD Nesterov momentum 0.9, lr 0.01, l2 0, batch 32, float64
    method              s/epoch  x floor  skmlp speedup  test acc  peak MB  other load
    ------------------  -------  -------  -------------  --------  -------  ----------
    GEMM floor (NumPy)  0.00108     1.00              -         -        0           -
    GEMM floor (SciPy)  0.00115     1.06              -         -        0           -
    skmlp               0.00216     1.99              -    0.9667        0           -
    MLPClassifier        0.0071     6.55          3.29x    0.9667        1          0%
    PyTorch             0.00744     6.87          3.45x    0.9778        1          2%

    x floor: seconds per epoch / the NumPy GEMM floor's. skmlp speedup: the peer's
    seconds per epoch / skmlp's. peak MB: resident memory added at the peak of
    the warm-up epoch, the data excluded. other load: share of the CPU time other
    programs took during the timing (0% on an idle machine; - when too short to
    tell).
"""

import argparse
import os
import sys
import textwrap
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
from _common import (
    FASHION_MNIST_DIR,
    FASHION_MNIST_HINT,
    SETTLE_SECONDS,
    TORCH_HINT,
    PeakMemory,
    blas_kernels,
    default_threads,
    environment_summary,
    format_number,
    format_table,
    gemm_floor_epoch,
    host_summary,
    import_torch,
    limit_threads,
    median,
    time_call,
    time_round_robin,
)
from _results import add_results_argument, load_results, record_results
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from skmlp import MLPDigitClassifier
from skmlp.datasets import load_mnist

METHODS = ("gemm", "gemm-scipy", "skmlp", "sklearn", "torch")
METHOD_NAMES = {
    "gemm": "GEMM floor (NumPy)",
    "gemm-scipy": "GEMM floor (SciPy)",
    "skmlp": "skmlp",
    "sklearn": "MLPClassifier",
    "torch": "PyTorch",
}

# Timed epochs per method: (full run, --quick). Digits epochs take milliseconds.
EPOCHS = {"fashion-mnist": (5, 3), "digits": (20, 5)}
# Epochs run back to back in each timed call, as in a fit. A millisecond epoch
# timed alone, right after another method's, would be timed with cold caches.
EPOCHS_PER_CALL = {"fashion-mnist": 1, "digits": 10}
# --quick trains on the first rows only.
QUICK_TRAIN_ROWS, QUICK_TEST_ROWS = 5000, 2000
# Longest wait, in seconds, for other programs to go quiet before each round.
IDLE_TIMEOUT, QUICK_IDLE_TIMEOUT = 30.0, 2.0
# Warn about timings taken while other programs took more of the CPUs.
MAX_OTHER_LOAD = 0.1

LEGEND = """
x floor: seconds per epoch / the NumPy GEMM floor's. skmlp speedup: the peer's
seconds per epoch / skmlp's. peak MB: resident memory added at the peak of
the warm-up epoch, the data excluded. other load: share of the CPU time other
programs took during the timing (0% on an idle machine; - when too short to
tell)."""


@dataclass(frozen=True)
class Scenario:
    """One network, optimizer and data set to train."""

    number: int
    dataset: str  # "fashion-mnist" or "digits"
    hidden: tuple
    activation: str
    solver: str  # "sgd" or "adam"
    learning_rate: float
    batch_size: int
    dtype: type
    momentum: float = 0.0
    nesterov: bool = False
    l2: float = 0.0

    def describe(self, n_features, n_classes):
        """A one-line summary: layers, optimizer, batch size, dtype."""
        layers = "-".join(map(str, [n_features, *self.hidden, n_classes]))
        if self.solver == "adam":
            optimizer = "Adam"
        elif self.momentum == 0:
            optimizer = "SGD"
        else:
            kind = "Nesterov momentum" if self.nesterov else "momentum"
            optimizer = f"SGD {kind} {self.momentum}"
        return (
            f"{layers} {self.activation}, {optimizer}, lr {self.learning_rate:g}, "
            f"l2 {self.l2:g}, batch {self.batch_size}, {np.dtype(self.dtype).name}"
        )


SCENARIOS = {
    s.number: s
    for s in [
        Scenario(1, "fashion-mnist", (500,), "relu", "sgd", 0.01, 128, np.float32,
                 momentum=0.9, nesterov=True),
        Scenario(2, "fashion-mnist", (500,), "tanh", "sgd", 0.01, 20, np.float32,
                 l2=1e-4),
        Scenario(3, "fashion-mnist", (500,), "relu", "sgd", 0.01, 128, np.float64,
                 momentum=0.9, nesterov=True),
        Scenario(4, "fashion-mnist", (800, 800), "relu", "adam", 1e-3, 128,
                 np.float32),
        Scenario(5, "digits", (100,), "relu", "sgd", 0.01, 32, np.float64,
                 momentum=0.9, nesterov=True),
        Scenario(6, "digits", (100,), "relu", "sgd", 0.01, 32, np.float32,
                 momentum=0.9, nesterov=True),
    ]
}  # fmt: skip


@dataclass
class Data:
    """A train/test split, C-contiguous in the scenario's dtype."""

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray

    @property
    def classes(self):
        return np.unique(self.y_train)

    def as_dtype(self, dtype):
        """The same split with X in ``dtype`` (self when it already is)."""
        if self.X_train.dtype == dtype:
            return self
        return Data(
            self.name,
            self.X_train.astype(dtype),
            self.y_train,
            self.X_test.astype(dtype),
            self.y_test,
        )


@dataclass
class Trainer:
    """One method set up for one scenario."""

    method: str
    epoch: Callable[[], object]  # trains (or, for the floor, multiplies) once
    accuracy: Callable[[], float] | None = None  # test accuracy so far


@dataclass
class Result:
    """What one method did in one scenario."""

    method: str
    seconds: list = field(default_factory=list)  # one per timed epoch
    accuracy: float | None = None
    peak_mb: float | None = None
    other_load: float | None = None  # CPU share other programs took meanwhile

    @property
    def median_seconds(self):
        return median(self.seconds)


# -------------------------------------------------------------------- data


def load_data(dataset, fashion_dir, quick):
    """The train/test split of ``dataset``, or None if it is not on disk."""
    if dataset == "digits":
        X, y = load_digits(return_X_y=True)
        X_train, X_test, y_train, y_test = train_test_split(
            X / 16.0, y, test_size=0.25, stratify=y, random_state=0
        )
        name = "load_digits"
    else:
        if not Path(fashion_dir).is_dir():
            return None
        X_train, y_train = load_mnist(fashion_dir, subset="train", return_X_y=True)
        X_test, y_test = load_mnist(fashion_dir, subset="test", return_X_y=True)
        if quick:
            X_train, y_train = X_train[:QUICK_TRAIN_ROWS], y_train[:QUICK_TRAIN_ROWS]
            X_test, y_test = X_test[:QUICK_TEST_ROWS], y_test[:QUICK_TEST_ROWS]
        name = "Fashion-MNIST"
    return Data(
        name,
        np.ascontiguousarray(X_train),
        y_train.astype(np.int64),
        np.ascontiguousarray(X_test),
        y_test.astype(np.int64),
    )


def n_units(scenario, data):
    """Units per layer, input first."""
    return [data.X_train.shape[1], *scenario.hidden, len(data.classes)]


# ----------------------------------------------------------------- methods


def make_trainer(method, scenario, data, torch):
    """The :class:`Trainer` of ``method`` (a key of ``METHODS``)."""
    if method in ("gemm", "gemm-scipy"):
        epoch = gemm_floor_epoch(
            n_units(scenario, data),
            data.X_train.shape[0],
            scenario.batch_size,
            scenario.dtype,
            blas="numpy" if method == "gemm" else "scipy",
        )
        return Trainer(method, epoch)
    if method == "torch":
        return torch_trainer(torch, scenario, data)
    make = skmlp_estimator if method == "skmlp" else sklearn_estimator
    return estimator_trainer(method, make(scenario), data)


def skmlp_estimator(scenario):
    """MLPDigitClassifier with the scenario's settings."""
    return MLPDigitClassifier(
        hidden_layer_sizes=scenario.hidden,
        activation=scenario.activation,
        solver=scenario.solver,
        learning_rate=scenario.learning_rate,
        momentum=scenario.momentum,
        nesterov=scenario.nesterov,
        l1=0.0,
        l2=scenario.l2,
        batch_size=scenario.batch_size,
        shuffle=True,
        random_state=0,
    )


def sklearn_estimator(scenario):
    """MLPClassifier set up to minimise the same objective the same way."""
    return MLPClassifier(
        hidden_layer_sizes=scenario.hidden,
        activation=scenario.activation,
        solver=scenario.solver,
        learning_rate="constant",
        learning_rate_init=scenario.learning_rate,
        momentum=scenario.momentum,
        nesterovs_momentum=scenario.nesterov,
        # MLPClassifier's penalty is alpha / (2 * batch size) * sum W**2.
        alpha=2 * scenario.batch_size * scenario.l2,
        batch_size=scenario.batch_size,
        shuffle=True,
        random_state=0,
    )


def estimator_trainer(method, estimator, data):
    """An estimator trained one epoch per ``partial_fit`` call."""
    epoch = partial(
        estimator.partial_fit, data.X_train, data.y_train, classes=data.classes
    )
    return Trainer(method, epoch, partial(estimator.score, data.X_test, data.y_test))


def torch_trainer(torch, scenario, data):
    """The same network and optimizer as a plain PyTorch training loop."""
    torch.manual_seed(0)
    dtype = torch.float32 if scenario.dtype == np.float32 else torch.float64
    model, optimizer = torch_model(torch, scenario, n_units(scenario, data), dtype)
    X = torch.from_numpy(data.X_train)  # shares memory with the array
    y = torch.from_numpy(data.y_train)
    generator = torch.Generator().manual_seed(0)

    def epoch():
        order = torch.randperm(X.shape[0], generator=generator)
        for start in range(0, X.shape[0], scenario.batch_size):
            rows = order[start : start + scenario.batch_size]
            optimizer.zero_grad(set_to_none=True)
            loss = torch.nn.functional.cross_entropy(model(X[rows]), y[rows])
            loss.backward()
            optimizer.step()

    def accuracy():
        with torch.no_grad():
            logits = model(torch.from_numpy(data.X_test))
        return float((logits.argmax(dim=1).numpy() == data.y_test).mean())

    return Trainer("torch", epoch, accuracy)


def warm_up_torch(torch):
    """Train a tiny network a step with each optimizer and dtype, so that the
    first scenario is not charged for PyTorch's one-off start-up (lazily
    loaded kernels count in its peak memory)."""
    for dtype in (torch.float32, torch.float64):
        for optimizer in (torch.optim.SGD, torch.optim.Adam):
            model = torch.nn.Sequential(
                torch.nn.Linear(8, 4, dtype=dtype), torch.nn.ReLU()
            )
            step = optimizer(model.parameters(), lr=1e-3)
            x = torch.ones(2, 8, dtype=dtype)
            torch.nn.functional.cross_entropy(
                model(x), torch.zeros(2).long()
            ).backward()
            step.step()


def torch_model(torch, scenario, units, dtype):
    """A Glorot-initialised ``nn.Sequential`` and its optimizer."""
    nn = torch.nn
    activations = {
        "relu": nn.ReLU,
        "tanh": nn.Tanh,
        "logistic": nn.Sigmoid,
        "identity": nn.Identity,
    }
    layers, weights, biases = [], [], []
    n_hidden = len(units) - 2
    for l, (n_in, n_out) in enumerate(zip(units[:-1], units[1:], strict=True)):
        linear = nn.Linear(n_in, n_out, dtype=dtype)
        # skmlp's and MLPClassifier's initialisation, not torch's default.
        bound = np.sqrt(6.0 / (n_in + n_out))
        if scenario.activation == "logistic" and l < n_hidden:
            bound *= 4.0
        nn.init.uniform_(linear.weight, -bound, bound)
        nn.init.zeros_(linear.bias)
        layers += [linear, activations[scenario.activation]()]
        weights.append(linear.weight)
        biases.append(linear.bias)
    model = nn.Sequential(*layers[:-1])  # softmax is in the loss
    # l2 * sum W**2 has gradient 2 * l2 * W; biases are not penalised.
    groups = [
        {"params": weights, "weight_decay": 2 * scenario.l2},
        {"params": biases, "weight_decay": 0.0},
    ]
    if scenario.solver == "adam":
        optimizer = torch.optim.Adam(groups, lr=scenario.learning_rate)
    else:
        optimizer = torch.optim.SGD(
            groups,
            lr=scenario.learning_rate,
            momentum=scenario.momentum,
            nesterov=scenario.nesterov and scenario.momentum > 0,
        )
    return model, optimizer


# --------------------------------------------------------------- benchmark


def run_scenario(scenario, data, methods, n_epochs, torch, idle_timeout):
    """Warm up every method, time ``n_epochs`` epochs of each round-robin,
    then score them; return one :class:`Result` per method."""
    trainers, warmup_seconds, peak_mb = {}, {}, {}
    per_call = EPOCHS_PER_CALL[scenario.dataset]
    for method in methods:
        progress(f"  scenario {scenario.number}: warm-up of {METHOD_NAMES[method]}")
        with PeakMemory() as memory:
            trainers[method] = make_trainer(method, scenario, data, torch)
            warmup_seconds[method] = time_call(trainers[method].epoch)
        peak_mb[method] = memory.mb
    # Short epochs run too briefly to set BLAS threads spinning for long.
    settle = {m: min(SETTLE_SECONDS, s) for m, s in warmup_seconds.items()}
    seconds, other_load = time_round_robin(
        {
            method: partial(_repeat, trainer.epoch, per_call)
            for method, trainer in trainers.items()
        },
        n_epochs,
        settle,
        on_round=lambda r: progress(
            f"  scenario {scenario.number}: round {r + 1}/{n_epochs}"
        ),
        idle_timeout=idle_timeout,
    )
    return [
        Result(
            method,
            [call_seconds / per_call for call_seconds in seconds[method]],
            trainer.accuracy() if trainer.accuracy else None,
            peak_mb[method],
            other_load[method],
        )
        for method, trainer in trainers.items()
    ]


def _repeat(function, times):
    for _ in range(times):
        function()


def result_table(results):
    """The table of one scenario: time, ratio to the floor, speedup, accuracy."""
    by_method = {r.method: r for r in results}
    floor = by_method.get("gemm")
    ours = by_method.get("skmlp")
    rows = []
    for result in results:
        seconds = result.median_seconds
        ratio = seconds / floor.median_seconds if floor else None
        speedup = None
        if ours and result.method in ("sklearn", "torch"):
            speedup = seconds / ours.median_seconds
        rows.append(
            [
                METHOD_NAMES[result.method],
                format_number(seconds, ".3g"),
                format_number(ratio, ".2f"),
                format_number(speedup, ".2f") + ("x" if speedup else ""),
                format_number(result.accuracy, ".4f"),
                format_number(result.peak_mb, ".0f"),
                format_number(result.other_load, ".0%"),
            ]
        )
    headers = [
        "method",
        "s/epoch",
        "x floor",
        "skmlp speedup",
        "test acc",
        "peak MB",
        "other load",
    ]
    return format_table(headers, rows)


def load_warning(results):
    """A warning naming the methods timed on a busy machine, or None."""
    busy = [METHOD_NAMES[r.method] for r in results if r.other_load > MAX_OTHER_LOAD]
    if not busy:
        return None
    message = (
        f"Warning: other programs kept the CPUs busy while timing {', '.join(busy)}: "
        "those times are unreliable; rerun on an idle machine."
    )
    return textwrap.fill(message, width=80)


def progress(message):
    """Progress to stderr, so that stdout holds only the report."""
    print(message, file=sys.stderr, flush=True)


# -------------------------------------------------------------------- main


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=(
            "Seconds per training epoch of skmlp, scikit-learn's MLPClassifier, "
            "PyTorch and the bare GEMMs of backpropagation (NumPy BLAS)."
        ),
        epilog="Run from the repository root, with skmlp installed from this "
        "checkout: `pip install -e .`.",
    )
    parser.add_argument(
        "--scenario",
        type=int,
        nargs="+",
        choices=sorted(SCENARIOS),
        default=sorted(SCENARIOS),
        metavar="N",
        help="scenarios to run, 1-6 (default: all whose data is present)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"train on the first {QUICK_TRAIN_ROWS} Fashion-MNIST images for "
        "fewer epochs: a smoke run of under a minute",
    )
    parser.add_argument(
        "--epochs",
        type=int,
        default=None,
        help="timed epochs per method, at least 3 (plus one warm-up); default "
        "5 on Fashion-MNIST and 20 on digits (3 and 5 with --quick)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=default_threads(),
        help="threads for BLAS, OpenMP and PyTorch (default: the CPUs available, "
        "%(default)s)",
    )
    parser.add_argument(
        "--methods",
        nargs="+",
        choices=METHODS,
        default=list(METHODS),
        help="methods to run (default: all; torch is skipped when not installed)",
    )
    parser.add_argument(
        "--fashion-mnist",
        default=FASHION_MNIST_DIR,
        metavar="DIR",
        help="folder of the Fashion-MNIST IDX files (default: %(default)s)",
    )
    add_results_argument(parser)
    args = parser.parse_args(argv)
    if args.epochs is not None and args.epochs < 3:
        parser.error("--epochs must be at least 3: the time is a median")
    return args


def main(argv=None):
    args = parse_args(argv)
    methods = list(dict.fromkeys(args.methods))  # in the order given, once each
    torch = import_torch() if "torch" in methods else None
    print(environment_summary(args.threads, torch))
    if "torch" in methods and torch is None:
        print(f"Note: PyTorch is not installed, skipping it: {TORCH_HINT}.")
        methods.remove("torch")
    if torch is not None:
        torch.set_num_threads(args.threads)
        warm_up_torch(torch)
    datasets = {}
    measured = []
    with limit_threads(args.threads), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for number in args.scenario:
            scenario = SCENARIOS[number]
            if scenario.dataset not in datasets:
                datasets[scenario.dataset] = load_data(
                    scenario.dataset, args.fashion_mnist, args.quick
                )
            data = datasets[scenario.dataset]
            print()
            if data is None:
                message = (
                    f"Scenario {number} skipped: Fashion-MNIST not found in "
                    f"{args.fashion_mnist}; {FASHION_MNIST_HINT}."
                )
                print(textwrap.fill(message, width=88, break_on_hyphens=False))
                continue
            data = data.as_dtype(scenario.dtype)
            full_epochs, quick_epochs = EPOCHS[scenario.dataset]
            n_epochs = args.epochs or (quick_epochs if args.quick else full_epochs)
            per_call = EPOCHS_PER_CALL[scenario.dataset]
            timings = "epochs" if per_call == 1 else f"runs of {per_call} epochs"
            print(
                f"Scenario {number}: {data.name}, {data.X_train.shape[0]} train / "
                f"{data.X_test.shape[0]} test, median of {n_epochs} {timings}\n"
                f"{scenario.describe(data.X_train.shape[1], len(data.classes))}"
            )
            idle_timeout = QUICK_IDLE_TIMEOUT if args.quick else IDLE_TIMEOUT
            results = run_scenario(
                scenario, data, methods, n_epochs, torch, idle_timeout
            )
            print(result_table(results), flush=True)
            warning = load_warning(results)
            if warning:
                print(warning)
            measured.append(results_row(number, args.threads, results))
    print(LEGEND)
    if args.results is not None and measured:
        if args.quick:
            print("Not recorded: a --quick run's numbers are not the published kind")
        else:
            record_train_run(args, measured, torch)


def results_row(number, threads, results):
    """One scenario's numbers as the results file keeps them (unrounded)."""
    by_method = {r.method: r for r in results}
    ours = by_method["skmlp"].median_seconds
    row = {
        "scenario": number,
        "threads": threads,
        "seconds": {r.method: r.median_seconds for r in results},
        "speedup": {
            method: by_method[method].median_seconds / ours
            for method in ("sklearn", "torch")
            if method in by_method
        },
        "accuracy": {
            r.method: float(r.accuracy) for r in results if r.accuracy is not None
        },
    }
    if "gemm" in by_method:
        row["x_floor"] = ours / by_method["gemm"].median_seconds
    return row


def record_train_run(args, rows, torch):
    """Merge this run's rows into the results file's latest run, and into
    the run of its BLAS kernel family (``train.families``, what the
    performance page compares across families): rows of the same scenario
    and threads are replaced; a run on another host starts the run afresh."""
    for keys in (("train", "latest"), ("train", "families", blas_kernels() or "?")):
        _record_rows(args, rows, torch, keys)


def _record_rows(args, rows, torch, keys):
    host = host_summary()
    try:
        latest = load_results(args.results)
        for key in keys:
            latest = latest[key]
    except (OSError, KeyError):
        latest = {}
    kept = []
    if latest.get("host") == host:
        done = {(row["scenario"], row["threads"]) for row in rows}
        kept = [
            row
            for row in latest.get("rows", [])
            if (row["scenario"], row["threads"]) not in done
        ]
    command = "python benchmarks/bench_train.py " + " ".join(sys.argv[1:])
    if os.environ.get("OPENBLAS_CORETYPE"):
        command = f"OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']} {command}"
    commands = latest.get("commands", []) if latest.get("host") == host else []
    latest = {
        "host": host,
        "other_load": latest.get("other_load", "-"),
        "torch": torch.__version__.split("+")[0] if torch else latest.get("torch"),
        "commands": [*(c for c in commands if c != command), command],
        "rows": sorted(kept + rows, key=lambda row: (row["scenario"], row["threads"])),
    }
    record_results(args.results, keys, latest)


if __name__ == "__main__":
    main()
