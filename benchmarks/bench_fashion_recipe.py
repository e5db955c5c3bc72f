"""The Fashion-MNIST recipe: >= 91.5 % test accuracy in <= 15 minutes of fitting.

Trains the recipe on the full Fashion-MNIST training set (60,000 images,
float32) and reports the test accuracy on the 10,000 test images and the
seconds spent in ``fit``. The recipe: a soft-voting ensemble
(``sklearn.ensemble.VotingClassifier(voting="soft")``, the mean of the
members' ``predict_proba``) of ``N_MEMBERS`` MLPDigitClassifiers, seeds
0, 1, ..., two fitted at a time (one per core, joblib's threading backend:
the engine runs without the GIL). Every member is the same network
(``MEMBER``): two ReLU layers of 1024 and 512 units, Adam with a cosine
learning-rate schedule, dropout 0.2, label smoothing 0.1, batch 128, 45
epochs, every training image mirrored left to right at random (``augment``
with flips only: shifts, rotations and elastic distortions made validation
accuracy worse for clothes). The members differ in what they see
(``ZCA_EPSILONS``): a third the raw pixels, a third the pixels through
``ZCAWhitening(epsilon=10)`` (``skmlp.preprocessing``: the directions of
large variance the images share damped to unit variance, the details kept),
a third through ``ZCAWhitening(epsilon=0.1)`` (whitened almost fully). Alone
such networks score about as well as one on raw pixels or a little worse,
but they make different mistakes, and their vote gains what a vote of
networks on the same inputs cannot (a multi-column ensemble, as Ciresan et
al. 2012 trained columns on differently normalised inputs).

The recipe was chosen on a validation split of the training images alone
(50,000 / 10,000, stratified, ``random_state=0``; ``--validate`` reruns that
split). Networks of 45 epochs, one BLAS thread each; validation accuracy,
averaged over every choice of seeds among those trained (raw pixels: seeds
0-3; ZCA 11.5: 0-3; ZCA 0.115: 0-2). These ZCA networks were whitened with the
matrix of the images and their mirrors, with epsilon 1.0 and 0.01 on the
[0, 1] scale, where the mean variance of a pixel is 0.087: 11.5 and 0.115 in
``ZCAWhitening``'s units. The recipe itself (the last row) is this script:
``ZCAWhitening`` fitted on the training images alone, epsilon 10 and 0.1:

=====================================================  ==========
networks                                               validation
=====================================================  ==========
one, raw pixels                                        0.9121
one, ZCA 11.5                                          0.9119
one, ZCA 0.115                                         0.9055
soft vote of 2, raw pixels                             0.9137
soft vote of 4, raw pixels                             0.9144
soft vote of 1 raw + 1 ZCA 11.5                        0.9171
soft vote of 2 raw + 2 ZCA 11.5                        0.9177
soft vote of 3 raw + 3 ZCA 11.5                        0.9180
soft vote of 2 raw + 2 ZCA 11.5 + 2 ZCA 0.115          0.9196
the recipe (``--validate``: 547.4 s, seeds 0-5)        0.9200
=====================================================  ==========

Single networks on other inputs (seed 0 unless said): ZCA 1.15, 0.9081,
0.9091, 0.9102 (seeds 0-2); ZCA 3.4, 0.9134 and 0.9102 (seeds 0, 1); ZCA 34,
0.9092; ZCA 115, 0.9124; each pixel standardised (mean 0, variance 1),
0.9120, whose vote with a raw-pixel network (0.9152) gained no more than a
second raw one. The recipe's members alone in its ``--validate`` run:
0.9117, 0.9087, 0.8994, 0.9099, 0.9134, 0.9014 (seeds 0-5). The previous
recipe, three raw-pixel networks of 60 epochs, reached 0.9152 on this split
and 0.9108 on the test images: see the user guide's recipes page for it and
the single networks tried before (wider, longer, more distorted, batch 64,
L2, random erasing).

The test images were read by the final run only: **0.9177 test accuracy in
648.8 s of fitting** (4.8 s per epoch of a member, two at a time; the members
alone 0.9063, 0.9131, 0.8991, 0.9045, 0.9120, 0.9002; other programs took 1 %
of the CPU time).

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
from _results import add_results_argument, load_results, record_results
from joblib import parallel_config
from sklearn.ensemble import VotingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from skmlp import MLPDigitClassifier
from skmlp.datasets import load_mnist
from skmlp.preprocessing import ZCAWhitening

MEMBER = dict(
    hidden_layer_sizes=(1024, 512),
    activation="relu",
    solver="adam",
    learning_rate=1e-3,
    lr_schedule="cosine",
    dropout=0.2,
    l2=0.0,
    label_smoothing=0.1,
    batch_size=128,
    max_iter=45,
    augment=dict(rotation=0, scale=(1, 1), shift=0, elastic_alpha=0, flip=True),
)
# The inputs of the members, in turn: raw pixels, then ZCAWhitening with each
# epsilon (member `seed` takes entry `seed % 3`).
ZCA_EPSILONS = (None, 10.0, 0.1)
N_MEMBERS = 6
N_JOBS = 2  # members fitted at once: one per core
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
        "--epochs", type=int, default=MEMBER["max_iter"], help="of each member"
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
    add_results_argument(parser)
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


def build_member(seed, epochs):
    """Member ``seed``: the network on raw pixels or on ZCA-whitened ones,
    ``ZCA_EPSILONS[seed % 3]``.

    It runs all its epochs (``tol=0``): the cosine schedule ends at 0.
    """
    network = MLPDigitClassifier(
        **{**MEMBER, "max_iter": epochs},
        tol=0.0,
        n_iter_no_change=epochs,
        random_state=seed,
    )
    epsilon = ZCA_EPSILONS[seed % len(ZCA_EPSILONS)]
    if epsilon is None:
        return network
    return make_pipeline(ZCAWhitening(epsilon=epsilon), network)


def build_ensemble(n_members, epochs):
    """The soft-voting ensemble of ``n_members`` members, seeds 0, 1, ..."""
    members = [(f"net{seed}", build_member(seed, epochs)) for seed in range(n_members)]
    return VotingClassifier(members, voting="soft", n_jobs=N_JOBS)


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
        f"{args.members - 1}, each {{**MEMBER, 'max_iter': {args.epochs}}} on "
        f"the inputs ZCA_EPSILONS[seed % 3] = {ZCA_EPSILONS} (None: raw pixels, "
        f"else ZCAWhitening's epsilon), {N_JOBS} fitted at a time, with "
        f"MEMBER = {MEMBER}"
    )
    ensemble = build_ensemble(args.members, args.epochs)
    with (
        _common.OtherLoad() as load_share,
        warnings.catch_warnings(),
        parallel_config(backend="threading"),
    ):
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
        f"accuracy; {N_JOBS * seconds / (args.members * args.epochs):.2f} s per "
        f"epoch of a member ({N_JOBS} at a time)"
    )
    print(f"fit: {seconds:.1f} s   {evaluation} accuracy: {accuracy:.4f}")
    met = accuracy >= MIN_ACCURACY and seconds <= MAX_SECONDS
    if args.results is not None:
        if (args.members, args.epochs) == (N_MEMBERS, MEMBER["max_iter"]):
            record_fashion_run(args, evaluation, accuracy, seconds)
        else:
            print("Not recorded: --results records the recipe as published only")
    print(
        f"target: >= {MIN_ACCURACY:.3f} {evaluation} accuracy in <= {MAX_SECONDS} s: "
        f"{'met' if met else 'missed'}"
    )
    return 0 if met else 2


def record_fashion_run(args, evaluation, accuracy, seconds):
    """The test run's accuracy and time, or the validation run's accuracy,
    into the results file's Fashion-MNIST recipe."""
    try:
        fashion = load_results(args.results)["recipes"]["fashion"]
    except (OSError, KeyError):
        fashion = {}
    fashion.update(
        command="python benchmarks/bench_fashion_recipe.py",
        target_accuracy=MIN_ACCURACY,
        target_seconds=MAX_SECONDS,
    )
    if evaluation == "test":
        fashion.update(test_accuracy=float(accuracy), fit_seconds=seconds)
    else:
        fashion.update(validation_accuracy=float(accuracy))
    record_results(args.results, ("recipes", "fashion"), fashion)


if __name__ == "__main__":
    sys.exit(main())
