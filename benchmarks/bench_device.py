"""Seconds per training epoch of skmlp on the arrays' device, against a plain
PyTorch loop on the same device and the compiled engine on the CPU.

Trains the README's MNIST recipe's network (``--recipe 3min``: 784-800-800-10
ReLU units, dropout 0.1, Nesterov momentum 0.9, learning rate 0.05, batch
128, float32; ``--recipe 30min``: 784-1600-1600-10, dropout 0.2, max-norm 4)
three ways, one epoch each per round, the rounds interleaved:

- ``array API``: ``MLPDigitClassifier`` under ``sklearn.set_config(
  array_api_dispatch=True)``, given PyTorch tensors on the device (X and y),
  which trains skmlp's array API engine there (one ``partial_fit`` per
  epoch, its input checks included);
- ``torch loop``: the same network, dropout, optimizer (and max-norm) as a
  plain PyTorch training loop on the same device (``nn.Sequential``,
  ``torch.optim.SGD``, ``cross_entropy``, a ``randperm`` order per epoch);
- ``compiled (CPU)``: ``MLPDigitClassifier`` on NumPy arrays, skmlp's
  compiled engine on the CPU (one ``partial_fit`` per epoch).

The device is the first CUDA GPU PyTorch sees (``--device`` picks another);
on a machine without one, both device methods run on PyTorch's CPU and the
output says so. The epochs are timed to the device's end of work (the
array API engine reads its losses once per epoch; the loop is synchronised
before the clock stops).

The recipe's learning-rate schedule is left out (a constant rate: an epoch
costs the same whatever the rate), and so is its augmentation, which the
plain loop does not have, unless ``--augment`` asks for it: then the two skmlp
methods distort every minibatch as the recipe does and the ratio to the
loop includes that work. The last line projects the recipe's full fit (its
``max_iter`` epochs) from the array API engine's median epoch.

Data: Fashion-MNIST's 60,000 training images (MNIST's shapes) from
``/usr/share/datasets/fashion-mnist`` (``apt-get install
dataset-fashion-mnist``) or ``--fashion-mnist DIR``, read by
``skmlp.datasets.load_mnist``; random images of its shape where it is
absent. ``--quick`` trains on 5,000 images for 3 rounds.

Usage::

    python benchmarks/bench_device.py                     # 3-minute recipe
    python benchmarks/bench_device.py --recipe 30min --augment --epochs 3
    python benchmarks/bench_device.py --quick
"""

import argparse
import os
import sys
import textwrap
import warnings
from functools import partial

# scikit-learn's array API dispatch needs SciPy's, switched on before SciPy
# is first imported (scikit-learn's documented set-up).
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import _common  # noqa: E402
import numpy as np  # noqa: E402
from bench_mnist_recipes import RECIPES  # noqa: E402
from sklearn import config_context  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from skmlp import MLPDigitClassifier  # noqa: E402
from skmlp.datasets import load_mnist  # noqa: E402

METHODS = ("array API", "torch loop", "compiled (CPU)")
QUICK_SAMPLES = 5000


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipe", choices=sorted(RECIPES), default="3min")
    parser.add_argument(
        "--device", help="PyTorch device (default: cuda if available, else cpu)"
    )
    parser.add_argument(
        "--epochs", type=int, help="timed rounds (default: 5; 3 with --quick)"
    )
    parser.add_argument(
        "--augment",
        action="store_true",
        help="the recipe's augmentation in both skmlp methods (the loop has none)",
    )
    parser.add_argument(
        "--methods", nargs="+", choices=METHODS, default=list(METHODS), metavar="M"
    )
    parser.add_argument("--quick", action="store_true", help="5,000 images, 3 rounds")
    parser.add_argument(
        "--hidden",
        type=int,
        nargs="+",
        metavar="N",
        help="hidden layer sizes instead of the recipe's (say 16 16: steps too "
        "small for the arithmetic to count, each method's overhead alone)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=_common.default_threads(),
        help="CPU threads of every method (default: %(default)s)",
    )
    parser.add_argument(
        "--fashion-mnist",
        default=_common.FASHION_MNIST_DIR,
        metavar="DIR",
        help="folder of the Fashion-MNIST IDX files (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    if args.epochs is None:
        args.epochs = 3 if args.quick else 5
    if args.epochs < 1:
        parser.error("--epochs must be at least 1")
    return args


def load_data(folder, quick):
    """Fashion-MNIST's training and test images (float32 in [0, 1]) and its
    name, or random images of its shape and a note."""
    try:
        X, y = load_mnist(folder, subset="train", return_X_y=True)
        X_test, y_test = load_mnist(folder, subset="test", return_X_y=True)
        name = f"Fashion-MNIST from {folder}"
    except (OSError, ValueError) as error:
        print(
            textwrap.fill(
                f"Fashion-MNIST not read from {folder} ({error}): random images of "
                f"its shape instead; {_common.FASHION_MNIST_HINT}.",
                width=88,
            )
        )
        rng = np.random.default_rng(0)
        X = rng.random((60_000, 784), dtype=np.float32)
        y = rng.integers(0, 10, 60_000)
        X_test, y_test = X[:10_000], y[:10_000]
        name = "random images (Fashion-MNIST absent)"
    if quick:
        X, y = X[:QUICK_SAMPLES], y[:QUICK_SAMPLES]
    return name, np.ascontiguousarray(X, np.float32), y, X_test, y_test


def recipe_params(recipe, augment):
    """The recipe's estimator parameters for one epoch per partial_fit call."""
    params = dict(RECIPES[recipe]["params"])
    params.update(lr_schedule="constant", max_iter=1)
    if not augment:
        params["augment"] = None
    return params


# ------------------------------------------------------------------ methods


class Trainer:
    """One method: an epoch function and a test accuracy function."""

    def __init__(self, epoch, accuracy):
        self.epoch, self.accuracy = epoch, accuracy


def skmlp_trainer(params, X, y, X_test, y_test, torch=None, device=None):
    """MLPDigitClassifier trained one epoch per partial_fit call: on NumPy
    arrays (the compiled engine), or on tensors of ``device`` under array
    API dispatch (the array API engine)."""
    model = MLPDigitClassifier(**params)
    classes = np.arange(10)
    if torch is None:
        return Trainer(
            partial(model.partial_fit, X, y, classes=classes),
            partial(model.score, X_test, y_test),
        )
    X_device = torch.asarray(X, device=device)
    y_device = torch.asarray(y, device=device)
    X_test_device = torch.asarray(np.ascontiguousarray(X_test), device=device)

    def epoch():
        with config_context(array_api_dispatch=True):
            model.partial_fit(X_device, y_device, classes=classes)
        synchronize(torch, device)

    def accuracy():
        with config_context(array_api_dispatch=True):
            predicted = model.predict(X_test_device)
        return float(np.mean(predicted.cpu().numpy() == y_test))

    return Trainer(epoch, accuracy)


def torch_trainer(torch, params, X, y, X_test, y_test, device):
    """The recipe's network, dropout, optimizer and max-norm as a plain
    PyTorch loop on ``device``."""
    nn = torch.nn
    torch.manual_seed(0)
    units = [X.shape[1], *params["hidden_layer_sizes"], 10]
    layers, hidden = [], []
    for l, (n_in, n_out) in enumerate(zip(units[:-1], units[1:])):
        linear = nn.Linear(n_in, n_out, device=device)
        bound = np.sqrt(6.0 / (n_in + n_out))  # skmlp's Glorot initialisation
        nn.init.uniform_(linear.weight, -bound, bound)
        nn.init.zeros_(linear.bias)
        layers.append(linear)
        if l < len(units) - 2:
            hidden.append(linear)
            layers += [nn.ReLU(), nn.Dropout(params["dropout"])]
    model = nn.Sequential(*layers)
    optimizer = torch.optim.SGD(
        model.parameters(),
        lr=params["learning_rate"],
        momentum=params["momentum"],
        nesterov=params["nesterov"],
    )
    max_norm = params.get("max_norm")
    X_device = torch.asarray(X, device=device)
    y_device = torch.asarray(y, device=device)
    X_test_device = torch.asarray(np.ascontiguousarray(X_test), device=device)
    generator = torch.Generator(device=device).manual_seed(0)
    batch_size = params["batch_size"]

    def epoch():
        model.train()
        order = torch.randperm(X_device.shape[0], device=device, generator=generator)
        for start in range(0, X_device.shape[0], batch_size):
            rows = order[start : start + batch_size]
            optimizer.zero_grad(set_to_none=True)
            loss = nn.functional.cross_entropy(model(X_device[rows]), y_device[rows])
            loss.backward()
            optimizer.step()
            if max_norm is not None:
                with torch.no_grad():
                    for linear in hidden:  # each row: a unit's incoming weights
                        linear.weight.copy_(torch.renorm(linear.weight, 2, 0, max_norm))
        synchronize(torch, device)

    def accuracy():
        model.eval()
        with torch.no_grad():
            predicted = model(X_test_device).argmax(dim=1)
        return float(np.mean(predicted.cpu().numpy() == y_test))

    return Trainer(epoch, accuracy)


def synchronize(torch, device):
    """Wait for the device's queued work (timing to its end)."""
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)


def count_synchronizations(torch, epoch):
    """How many times one more epoch waits for the GPU (the host reading a
    device value, a blocking copy), as PyTorch's sync debug mode reports."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.cuda.set_sync_debug_mode("warn")
        try:
            epoch()
        finally:
            torch.cuda.set_sync_debug_mode("default")
    return sum("synchroniz" in str(w.message) for w in caught)


def describe_device(torch, device):
    """The device in words, saying when there is no GPU."""
    kind = torch.device(device).type
    if kind == "cuda":
        return f"{device} ({torch.cuda.get_device_name(device)})"
    if kind == "cpu" and not torch.cuda.is_available():
        return (
            "cpu: no GPU on this machine (torch.cuda.is_available() is False), "
            "so the array API engine and the PyTorch loop run on PyTorch's CPU"
        )
    return device


# --------------------------------------------------------------- benchmark


def main(argv=None):
    args = parse_args(argv)
    torch = _common.import_torch()
    if torch is None:
        print(f"bench_device: PyTorch is not installed: {_common.TORCH_HINT}.")
        return 1
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    torch.set_num_threads(args.threads)
    print(_common.environment_summary(args.threads, torch))
    print(f"Device: {describe_device(torch, device)}")
    name, X, y, X_test, y_test = load_data(args.fashion_mnist, args.quick)
    params = recipe_params(args.recipe, args.augment)
    if args.hidden:
        params["hidden_layer_sizes"] = tuple(args.hidden)
    units = "-".join(str(n) for n in (784, *params["hidden_layer_sizes"], 10))
    print(
        f"Recipe {args.recipe}'s network: {units} ReLU, dropout {params['dropout']}, "
        f"Nesterov momentum {params['momentum']}, learning rate "
        f"{params['learning_rate']} (constant), batch {params['batch_size']}"
        + (f", max-norm {params['max_norm']}" if params.get("max_norm") else "")
        + (", augmentation in skmlp's methods" if args.augment else "")
        + f", float32; {name}, {len(X)} images; median of {args.epochs} rounds"
    )
    makers = {
        "array API": partial(
            skmlp_trainer, params, X, y, X_test, y_test, torch=torch, device=device
        ),
        "torch loop": partial(
            torch_trainer, torch, params, X, y, X_test, y_test, device
        ),
        "compiled (CPU)": partial(skmlp_trainer, params, X, y, X_test, y_test),
    }
    with _common.limit_threads(args.threads), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        trainers = {}
        for method in args.methods:
            print(f"  warm-up epoch: {method}", file=sys.stderr, flush=True)
            trainers[method] = makers[method]()
            trainers[method].epoch()  # start-up, lazily loaded kernels
        seconds, other_load = _common.time_round_robin(
            {method: trainers[method].epoch for method in args.methods},
            args.epochs,
            settle={m: _common.SETTLE_SECONDS for m in args.methods},
            on_round=lambda r: print(
                f"  round {r + 1}/{args.epochs}", file=sys.stderr, flush=True
            ),
            idle_timeout=10.0,
        )
        accuracy = {method: trainers[method].accuracy() for method in args.methods}
        syncs = None
        if "array API" in trainers and torch.device(device).type == "cuda":
            syncs = count_synchronizations(torch, trainers["array API"].epoch)
    print(result_table(args.methods, seconds, other_load, accuracy, device))
    if syncs is not None:
        n_batches = -(-len(X) // params["batch_size"])
        print(
            f"The array API engine's epoch synchronised with the GPU {syncs} times "
            f"for its {n_batches} minibatches (CUDA sync debug mode)"
        )
    if "array API" in seconds:
        full = RECIPES[args.recipe]["params"]["max_iter"]
        projected = _common.median(seconds["array API"]) * full
        print(
            f"Projected fit of recipe {args.recipe}'s {full} epochs on these "
            f"{len(X)} images with the array API engine on "
            f"{torch.device(device).type}: {projected:.0f} s "
            f"({projected / 60:.1f} min)"
            + ("" if args.augment else ", without its augmentation")
        )
    return 0


def result_table(methods, seconds, other_load, accuracy, device):
    medians = {m: _common.median(seconds[m]) for m in methods}
    where = {
        "array API": torch_device_name(device),
        "torch loop": torch_device_name(device),
        "compiled (CPU)": "cpu",
    }
    rows = []
    for method in methods:
        rows.append(
            [
                method,
                where[method],
                _common.format_number(medians[method], ".3f"),
                _common.format_number(
                    ratio(medians[method], medians.get("torch loop")), ".2f"
                ),
                _common.format_number(
                    ratio(medians[method], medians.get("array API")), ".2f"
                ),
                f"{100 * accuracy[method]:.1f} %",
                _common.format_number(100 * other_load[method], ".0f") + " %",
            ]
        )
    return "\n" + _common.format_table(
        [
            "method",
            "device",
            "s/epoch",
            "vs torch loop",
            "vs array API",
            "test accuracy",
            "other load",
        ],
        rows,
    )


def torch_device_name(device):
    return str(device)


def ratio(value, reference):
    if reference is None or not reference > 0:
        return float("nan")
    return value / reference


if __name__ == "__main__":
    sys.exit(main())
