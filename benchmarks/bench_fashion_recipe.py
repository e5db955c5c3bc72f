"""The Fashion-MNIST recipe: >= 91.5 % test accuracy in <= 15 minutes of fitting.

Trains the recipe on the full Fashion-MNIST training set (60,000 images,
float32) and reports the test accuracy on the 10,000 test images and the
seconds spent in ``fit``. The recipe: a soft-voting ensemble
(``sklearn.ensemble.VotingClassifier(voting="soft")``, the mean of the
members' ``predict_proba``) of ``N_MEMBERS`` MLPDigitClassifiers that differ
only in ``random_state`` (0, 1, ...). Each member (``RECIPE``): two ReLU
layers of 1024 and 512 units, Adam with a cosine learning-rate schedule,
dropout 0.2, label smoothing 0.1, batch 128, every training image mirrored
left to right at random (``augment`` with flips only: shifts, rotations and
elastic distortions made validation accuracy worse for clothes).

The recipe was chosen on a validation split of the training images alone
(50,000 / 10,000, stratified, ``random_state=0``; ``--validate`` reruns that
split; one BLAS thread per fit, one fit at a time). Soft-voting accuracy of
K members, averaged over every set of K of the seeds 0-3:

======================================  ======  ======  ======  ======
members of 60 epochs (45 where said)     K=1     K=2     K=3     K=4
======================================  ======  ======  ======  ======
1024-512, flips (previous recipe)       0.9105  0.9129  0.9132  0.9135
the same, label smoothing 0.1           0.9116  0.9144  0.9151  0.9159
the same, 45 epochs                     0.9121  0.9137  0.9145  0.9144
======================================  ======  ======  ======  ======

Single networks (seed 0) with dropout 0.3: 0.9114, with dropout 0.3 and
smoothing 0.1: 0.9120, smoothing 0.2: 0.9124, Nesterov SGD (0.05): 0.9096.
Random erasing after the flip (``augment`` with ``erase``; the recipe's
member with smoothing 0.1 scores 0.9113, 0.9104 and 0.9130 with seeds 0-2)
did not help: ``erase=0.5`` on 2-33 % of the image 0.9097 and 0.9087
(seeds 0, 1), ``erase=0.25`` 0.9109, ``erase=0.5`` with dropout 0.1 0.9097,
``erase=0.5`` on 2-10 % 0.9117, 0.9101 and 0.9100 (seeds 0-2), whose
three-member vote scored 0.9137 against the recipe's 0.9152.
Averaging each member's probabilities on the image and its mirror added
0.0003 to the three-member vote. A member takes 3.8 s per epoch on 50,000
images with one thread (4.6 s on 60,000 when scaled), 3.5 s with two: four
60-epoch members would need ~840 s of the 900 on two threads and ~1100 s
on one, so the recipe is three (0.9152 on validation, seeds 0-2); an
earlier sweep of single networks (wider, longer, more distorted, batch 64,
L2) found nothing better than 1024-512 with flips. The test images are
read only by the final run.

Usage::

    python benchmarks/bench_fashion_recipe.py [--members N] [--epochs E]
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
from sklearn.ensemble import VotingClassifier
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
    label_smoothing=0.1,
    batch_size=128,
    max_iter=60,
    augment=dict(rotation=0, scale=(1, 1), shift=0, elastic_alpha=0, flip=True),
)
N_MEMBERS = 3
MIN_ACCURACY = 0.915
MAX_SECONDS = 900


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--members",
        type=int,
        default=N_MEMBERS,
        help="networks in the soft-voting ensemble (random_state 0, 1, ...)",
    )
    parser.add_argument(
        "--epochs", type=int, default=RECIPE["max_iter"], help="of each member"
    )
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
    args = parser.parse_args(argv)
    if args.members < 1 or args.epochs < 1:
        parser.error("--members and --epochs must be positive")
    return args


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


def build_ensemble(n_members, epochs):
    """The soft-voting ensemble of ``n_members`` recipe networks, seeds 0, 1, ...

    Each member runs all its epochs (``tol=0``): the cosine schedule ends at 0.
    """
    members = [
        (
            f"net{seed}",
            MLPDigitClassifier(
                **{**RECIPE, "max_iter": epochs},
                tol=0.0,
                n_iter_no_change=epochs,
                random_state=seed,
                verbose=1,
            ),
        )
        for seed in range(n_members)
    ]
    return VotingClassifier(members, voting="soft")


def member_accuracies(ensemble, X, y):
    """Accuracy of each member alone (VotingClassifier trains them on the
    encoded labels: decoded here)."""
    return [
        float(np.mean(ensemble.le_.inverse_transform(member.predict(X)) == y))
        for member in ensemble.estimators_
    ]


def main(argv=None):
    args = parse_args(argv)
    try:
        X_train, y_train, X_eval, y_eval, evaluation = load(args)
    except (OSError, ValueError) as error:
        print(f"Fashion-MNIST not readable ({error}): {_common.FASHION_MNIST_HINT}")
        return 1
    print(_common.environment_summary(_common.default_threads()))
    idle = _common.wait_for_idle_machine(timeout=120)
    print(
        f"recipe: soft vote of {args.members} member(s), random_state 0 to "
        f"{args.members - 1}, each {{**RECIPE, 'max_iter': {args.epochs}}} with "
        f"RECIPE = {RECIPE}"
    )
    ensemble = build_ensemble(args.members, args.epochs)
    with _common.OtherLoad() as load_share, warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        ensemble.fit(X_train, y_train)
        seconds = time.perf_counter() - start
    accuracy = np.mean(ensemble.predict(X_eval) == y_eval)
    singles = member_accuracies(ensemble, X_eval, y_eval)
    print(
        f"machine idle before the fit: {idle}; other programs took "
        f"{100 * load_share.share:.0f} % of the CPU time during it"
    )
    print(
        f"members alone: {', '.join(f'{a:.4f}' for a in singles)} {evaluation} "
        f"accuracy; {seconds / (args.members * args.epochs):.2f} s per epoch"
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
