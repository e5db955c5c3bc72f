"""A small MNIST-format folder, for examples that read ``~/data/mnist``.

``write_small_mnist(folder)`` writes MNIST's four gzipped IDX files with
scikit-learn's load_digits upsampled to 28 x 28 (1,500 training and 297 test
images), so that the documentation's examples, and the README walk of CI
(``.ci/readme_walk.py``), run where MNIST itself is not on disk::

    python tests/small_mnist.py ~/data/mnist

It imports NumPy, SciPy and scikit-learn, nothing from skmlp or pytest.
"""

import gzip
import sys
from pathlib import Path

import numpy as np
from scipy import ndimage
from sklearn.datasets import load_digits


def idx_bytes(array):
    """``array`` (uint8) in MNIST's IDX format: magic, big-endian sizes, bytes."""
    header = bytes([0, 0, 0x08, array.ndim])
    header += b"".join(n.to_bytes(4, "big") for n in array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def write_small_mnist(folder):
    """A small MNIST-format folder: load_digits upsampled to 28 x 28, 0-255,
    1,500 training and 297 test images in LeCun's four gzipped IDX files.

    Returns the images (uint8, 28 x 28) and their labels, training ones first.
    """
    X, y = load_digits(return_X_y=True)
    images = X.reshape(-1, 8, 8) / 16.0
    # 8x8 -> 20x20 (bilinear), inside a 28x28 field, as MNIST lays digits out.
    upsampled = ndimage.zoom(images, (1, 2.5, 2.5), order=1)
    field = np.zeros((len(images), 28, 28))
    field[:, 4:24, 4:24] = np.clip(upsampled, 0.0, 1.0)
    pixels = np.round(field * 255).astype(np.uint8)
    labels = y.astype(np.uint8)
    folder = Path(folder)
    folder.mkdir(parents=True)
    names = {
        "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
        "t10k": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
    }
    splits = {"train": slice(0, 1500), "t10k": slice(1500, None)}
    for split, (image_name, label_name) in names.items():
        part = splits[split]
        (folder / f"{image_name}.gz").write_bytes(
            gzip.compress(idx_bytes(pixels[part]))
        )
        (folder / f"{label_name}.gz").write_bytes(
            gzip.compress(idx_bytes(labels[part]))
        )
    return pixels, labels


if __name__ == "__main__":
    write_small_mnist(Path(sys.argv[1]).expanduser())
