"""Write the PNGs of the README's gallery into docs/gallery/.

Trains the command line's default network (784- or 64-500-10, tanh, SGD with
Nesterov momentum, learning rate 0.01, L2 1e-4, minibatches of 20) with early
stopping, so that the training curve shows the validation accuracy too, and
draws skmlp.plotting's displays for it:

- on scikit-learn's 8 x 8 ``load_digits`` (a few seconds), always, with
  ``augmented_digits.png``, the augmentation guide's picture of the
  distortions (``AugmentedDigitsDisplay``, the guide's own settings);
- on Fashion-MNIST with ``--fashion-mnist [DIR]`` (about a minute), from the
  four IDX files in DIR (default: where Debian's dataset-fashion-mnist package
  puts them), with ``fashion_recipe_flips.png``, the Fashion-MNIST recipe's
  own picture (its gallery thumbnail): training images beside the random
  mirror images the recipe trains on.

Usage::

    python benchmarks/make_gallery.py                   # digits_*.png
    python benchmarks/make_gallery.py --fashion-mnist   # and fashion_*.png

BLAS runs single-threaded: the minibatches of 20 are too small to share out,
and the benchmarks may be running on the other cores.
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import _common
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from skmlp import MLPDigitClassifier  # noqa: E402
from skmlp.cli import CommandError, load_dataset, load_digits_split  # noqa: E402
from skmlp.plotting import (  # noqa: E402
    AugmentedDigitsDisplay,
    ConfusionMatrixDisplay,
    DigitsGridDisplay,
    HiddenWeightsDisplay,
    MisclassifiedDigitsDisplay,
    TrainingCurveDisplay,
)

GALLERY = _common.REPO_ROOT / "docs" / "gallery"
DPI = 100

FASHION_CLASSES = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--fashion-mnist",
        nargs="?",
        const=_common.FASHION_MNIST_DIR,
        metavar="DIR",
        help="also train on Fashion-MNIST, from the IDX files in DIR "
        f"(default: {_common.FASHION_MNIST_DIR})",
    )
    parser.add_argument(
        "--out", type=Path, default=GALLERY, help=f"folder (default: {GALLERY})"
    )
    return parser.parse_args(argv)


def train(data, max_epochs):
    """The default network of ``skmlp train``, with early stopping."""
    clf = MLPDigitClassifier(
        (500,),
        "tanh",
        solver="sgd",
        learning_rate=0.01,
        momentum=0.9,
        l2=1e-4,
        batch_size=20,
        max_iter=max_epochs,
        early_stopping=True,
        random_state=0,
    )
    start = time.perf_counter()
    with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(data.X_train, data.y_train)
    accuracy = clf.score(data.X_test, data.y_test)
    print(
        f"{data.name}: {clf.n_iter_} epochs in {time.perf_counter() - start:.1f} s, "
        f"test accuracy {accuracy:.4f}"
    )
    return clf, accuracy


def save(display, path):
    display.figure_.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(display.figure_)
    print(f"  wrote {path}")


def confusion_matrix(clf, data, accuracy, class_names):
    size = (6.4, 5.2) if class_names is None else (7.6, 6.6)
    _, ax = plt.subplots(figsize=size, layout="constrained")
    display = ConfusionMatrixDisplay.from_estimator(
        clf,
        data.X_test,
        data.y_test,
        display_labels=class_names,
        cmap="Blues",
        colorbar=False,
        ax=ax,
    )
    if class_names is not None:
        # Long names: slanted, each ending under its column.
        plt.setp(ax.get_xticklabels(), rotation=40, ha="right", rotation_mode="anchor")
    ax.set_title(f"{data.name}: test accuracy {accuracy:.4f}")
    return display


def make_gallery(data, prefix, out, max_epochs, class_names=None, weights=True):
    """Train on ``data`` and write the plots as ``out/prefix_*.png``; the
    first-layer weights only if ``weights``."""
    clf, accuracy = train(data, max_epochs)
    shape = data.image_shape
    save(
        TrainingCurveDisplay.from_estimator(clf, name="a 500-unit tanh MLP"),
        out / f"{prefix}_training_curve.png",
    )
    save(
        confusion_matrix(clf, data, accuracy, class_names),
        out / f"{prefix}_confusion_matrix.png",
    )
    save(
        MisclassifiedDigitsDisplay.from_estimator(
            clf,
            data.X_test,
            data.y_test,
            image_shape=shape,
            max_images=30,
            display_labels=class_names,
        ),
        out / f"{prefix}_misclassified.png",
    )
    if weights:
        save(
            HiddenWeightsDisplay.from_estimator(clf, n_units=100, image_shape=shape),
            out / f"{prefix}_hidden_weights.png",
        )
    save(
        DigitsGridDisplay.from_data(
            data.X_train,
            data.y_train,
            image_shape=shape,
            n_images=40 if class_names else 50,
            display_labels=class_names,
            title=f"Training images of {data.name}",
        ),
        out / f"{prefix}_samples.png",
    )


def augmented_digits(out):
    """The picture of docs/user_guide/augmentation.md's "Looking at the
    distortions": the guide's code, on load_digits."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    display = AugmentedDigitsDisplay.from_augmentation(
        {"rotation": 15, "shift": 1, "elastic_alpha": 4, "elastic_sigma": 2},
        X / 16,
        y,
        n_images=4,
        n_draws=6,
        random_state=0,
    )
    save(display, out / "augmented_digits.png")


def fashion_recipe_flips(fashion, out):
    """Fashion-MNIST images and the recipe's distortions of them (a random
    left-right mirror, nothing else), as the recipe's members draw them."""
    sys.path.insert(0, str(_common.REPO_ROOT / "benchmarks"))
    from bench_fashion_recipe import MEMBER

    display = AugmentedDigitsDisplay.from_augmentation(
        MEMBER["augment"],
        fashion.X_train,
        fashion.y_train,
        n_images=4,
        n_draws=6,
        display_labels=FASHION_CLASSES,
        random_state=0,
        title="The Fashion-MNIST recipe's inputs: each image, then its random mirrors",
    )
    save(display, out / "fashion_recipe_flips.png")


def main(argv=None):
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    # No weights picture for load_digits: in the few epochs 1347 digits take,
    # 500 units' 8 x 8 weights barely move from their random start, and the
    # picture shows noise.
    make_gallery(load_digits_split(), "digits", args.out, max_epochs=60, weights=False)
    augmented_digits(args.out)
    if args.fashion_mnist:
        try:
            fashion = load_dataset(args.fashion_mnist)
        except CommandError as exc:
            sys.exit(f"make_gallery: {exc}; {_common.FASHION_MNIST_HINT}")
        fashion.name = "Fashion-MNIST"
        make_gallery(
            fashion, "fashion", args.out, max_epochs=15, class_names=FASHION_CLASSES
        )
        fashion_recipe_flips(fashion, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
