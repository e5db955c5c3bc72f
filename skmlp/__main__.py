"""Command line: ``python -m skmlp`` (or ``skmlp``).

With no arguments, trains an MLPDigitClassifier on scikit-learn's embedded
``load_digits`` and reports its test accuracy.
"""

import argparse
import sys
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.metrics import classification_report
from sklearn.model_selection import train_test_split

from . import MLPDigitClassifier, __version__


def build_parser():
    """The argument parser of the command line."""
    parser = argparse.ArgumentParser(
        prog="skmlp",
        description=(
            "Train a multi-layer perceptron on scikit-learn's 8x8 digits "
            "(load_digits) and print its test accuracy."
        ),
    )
    parser.add_argument(
        "--hidden",
        type=int,
        nargs="*",
        default=[100],
        help="units per hidden layer (default: 100)",
    )
    parser.add_argument(
        "--activation", default="relu", choices=["relu", "tanh", "logistic", "identity"]
    )
    parser.add_argument("--solver", default="adam", choices=["adam", "sgd"])
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--l2", type=float, default=1e-4)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument(
        "--epochs",
        type=int,
        default=200,
        help="maximum number of epochs (default: 200)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--version", action="version", version=f"skmlp {__version__}")
    return parser


def main(argv=None):
    """Run the command line; return the exit code."""
    args = build_parser().parse_args(argv)
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=args.seed
    )
    clf = MLPDigitClassifier(
        hidden_layer_sizes=tuple(args.hidden),
        activation=args.activation,
        solver=args.solver,
        learning_rate=args.learning_rate,
        l2=args.l2,
        batch_size=args.batch_size,
        max_iter=args.epochs,
        random_state=args.seed,
    )
    print(
        f"Training {clf.activation} MLP {[X.shape[1], *args.hidden, 10]} on "
        f"load_digits: {len(X_train)} training and {len(X_test)} test digits"
    )
    start = time.perf_counter()
    clf.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    y_pred = clf.predict(X_test)
    print(classification_report(y_test, y_pred, digits=3))
    print(f"Epochs: {clf.n_iter_}, final training loss: {clf.loss_:.4f}")
    print(f"Training time: {seconds:.2f} s")
    print(f"Test accuracy: {np.mean(y_pred == y_test):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
