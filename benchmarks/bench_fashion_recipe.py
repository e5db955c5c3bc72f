"""The Fashion-MNIST recipe: >= 91.5 % test accuracy in <= 15 minutes of fitting.

Trains MLPDigitClassifier on the full Fashion-MNIST training set (60,000
images, float32) and reports the test accuracy on the 10,000 test images and
the seconds spent in ``fit``. The recipe (``RECIPE``): two ReLU layers of 1024
and 512 units, Adam with a cosine learning-rate schedule, dropout 0.2, batch
128, 60 epochs, every training image mirrored left to right at random
(``augment`` with flips only: shifts, rotations and elastic distortions made
validation accuracy worse for clothes).

The recipe was chosen on a validation split of the training images alone
(50,000 / 10,000, stratified, ``random_state=0``; ``--validate`` reruns that
split): 1024-512 with flips reached 0.9117 validation accuracy in 60 epochs,
0.9096 in 40 without them; wider networks (1024-1024 with dropout 0.3,
2048-1024 with 0.4), Nesterov SGD, shifts of 1 or 2 pixels and an L2 penalty
of 1e-5 did not do better. The test images are read only by the final run.

Usage::

    python benchmarks/bench_fashion_recipe.py [--epochs 60] [--fashion-mnist DIR]
    python benchmarks/bench_fashion_recipe.py --validate   # the tuning split

Exits 0 when the recipe meets its target (accuracy and time), 2 when it does
not, 1 when the data cannot be read.
"""

import argparse
import sys
import time
import warnings

import _common
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skmlp import MLPDigitClassifier
from skmlp.datasets import load_mnist

RECIPE = dict(
    hidden_layer_sizes=(1024, 512),
    activation="relu",
    solver="adam",
    learning_rate=1e-3,
    lr_schedule="cosine",
    dropout=0.2,
    l2=0.0,
    batch_size=128,
    max_iter=60,
    augment=dict(rotation=0, scale=(1, 1), shift=0, elastic_alpha=0, flip=True),
    random_state=0,
)
MIN_ACCURACY = 0.915
MAX_SECONDS = 900


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=RECIPE["max_iter"])
    parser.add_argument(
        "--validate",
        action="store_true",
        help="train on 50,000 training images and score the other 10,000 "
        "(the split the recipe was chosen on); the test images stay unread",
    )
    parser.add_argument(
        "--fashion-mnist",
        default=_common.FASHION_MNIST_DIR,
        help="folder of the four Fashion-MNIST IDX files",
    )
    return parser.parse_args(argv)


def load(args):
    """Training and evaluation images, float32, and the evaluation's name."""
    X_train, y_train = load_mnist(args.fashion_mnist, subset="train", return_X_y=True)
    X_train = np.ascontiguousarray(X_train, dtype=np.float32)
    if args.validate:
        X_train, X_eval, y_train, y_eval = train_test_split(
            X_train, y_train, test_size=10000, stratify=y_train, random_state=0
        )
        return X_train, y_train, X_eval, y_eval, "validation"
    X_eval, y_eval = load_mnist(args.fashion_mnist, subset="test", return_X_y=True)
    return X_train, y_train, X_eval, y_eval, "test"


def main(argv=None):
    args = parse_args(argv)
    try:
        X_train, y_train, X_eval, y_eval, evaluation = load(args)
    except (OSError, ValueError) as error:
        print(f"Fashion-MNIST not readable ({error}): {_common.FASHION_MNIST_HINT}")
        return 1
    print(_common.environment_summary(_common.default_threads()))
    idle = _common.wait_for_idle_machine(timeout=120)
    params = {**RECIPE, "max_iter": args.epochs}
    print(f"recipe: {params}")
    clf = MLPDigitClassifier(tol=0.0, n_iter_no_change=args.epochs, verbose=1, **params)
    with _common.OtherLoad() as load_share, warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        clf.fit(X_train, y_train)
        seconds = time.perf_counter() - start
    accuracy = np.mean(clf.predict(X_eval) == y_eval)
    print(
        f"machine idle before the fit: {idle}; other programs took "
        f"{100 * load_share.share:.0f} % of the CPU time during it"
    )
    print(f"fit: {seconds:.1f} s   {evaluation} accuracy: {accuracy:.4f}")
    met = accuracy >= MIN_ACCURACY and seconds <= MAX_SECONDS
    print(
        f"target: >= {MIN_ACCURACY:.3f} {evaluation} accuracy in <= {MAX_SECONDS} s: "
        f"{'met' if met else 'missed'}"
    )
    return 0 if met else 2


if __name__ == "__main__":
    sys.exit(main())
