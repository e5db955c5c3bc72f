"""
===============================
Reading MNIST-format data files
===============================

skmlp never downloads anything: :func:`skmlp.datasets.load_mnist` reads
MNIST, Fashion-MNIST or KMNIST from your disk, as LeCun's four IDX files
(gzipped or not) or as the ``mnist.pkl.gz`` of the Theano and Nielsen
tutorials, and :func:`skmlp.datasets.load_idx` reads one IDX file.

So that this example runs anywhere, it first writes a small MNIST-format folder
itself, from scikit-learn's ``load_digits`` enlarged to 28 x 28. Where the
Debian package ``dataset-fashion-mnist`` has put Fashion-MNIST in
``/usr/share/datasets/fashion-mnist``, the last section reads the real thing.
"""

# %%
# An IDX file
# -----------
# An IDX file is a 4-byte magic number (two zero bytes, the type of the items,
# ``0x08`` for unsigned bytes, and the number of dimensions), one big-endian
# 32-bit size per dimension, and the items. MNIST's images are
# ``(n, 28, 28)`` bytes, its labels ``(n,)`` bytes.
import gzip
import tempfile
import warnings
from pathlib import Path

import numpy as np
from scipy import ndimage
from sklearn.datasets import load_digits


def idx_bytes(array):
    header = bytes([0, 0, 0x08, array.ndim])
    header += b"".join(size.to_bytes(4, "big") for size in array.shape)
    return header + array.astype(np.uint8).tobytes()


# load_digits' 8x8 images (0-16), enlarged to 20x20 and placed in a 28x28
# field as MNIST's digits are, as bytes 0-255.
digits, labels = load_digits(return_X_y=True)
enlarged = ndimage.zoom(digits.reshape(-1, 8, 8) / 16, (1, 2.5, 2.5), order=1)
images = np.zeros((len(digits), 28, 28))
images[:, 4:24, 4:24] = enlarged.clip(0, 1)
images = np.round(images * 255)

workdir = tempfile.TemporaryDirectory()  # removed when the example ends
folder = Path(workdir.name) / "digits-mnist"
folder.mkdir()
files = {
    "train-images-idx3-ubyte.gz": images[:1500],
    "train-labels-idx1-ubyte.gz": labels[:1500],
    "t10k-images-idx3-ubyte.gz": images[1500:],
    "t10k-labels-idx1-ubyte.gz": labels[1500:],
}
for name, array in files.items():
    (folder / name).write_bytes(gzip.compress(idx_bytes(array)))
print(sorted(path.name for path in folder.iterdir()))

# %%
# :func:`~skmlp.datasets.load_idx` returns one file's array as it is stored:
from skmlp.datasets import load_idx

raw = load_idx(folder / "train-images-idx3-ubyte.gz")
print(raw.shape, raw.dtype, raw.min(), raw.max())

# %%
# A data set
# ----------
# :func:`~skmlp.datasets.load_mnist` takes the folder (or the pickle) and a
# subset, and returns float32 rows scaled to [0, 1], as a scikit-learn
# :class:`~sklearn.utils.Bunch` or, with ``return_X_y=True``, as ``(X, y)``.
from skmlp.datasets import load_mnist

train = load_mnist(folder)
print(train.data.shape, train.data.dtype, train.images.shape, train.target[:10])
print(train.DESCR)

# %%
from skmlp.plotting import DigitsGridDisplay

DigitsGridDisplay.from_data(train.data, train.target, n_images=30)

# %%
# Train and test on the files
# ---------------------------
# The Theano tutorial's network: 500 tanh units, plain SGD with step 0.01, L2
# 1e-4, minibatches of 20. float32 data trains float32 weights.
from sklearn.exceptions import ConvergenceWarning

from skmlp import MLPDigitClassifier

# The fits on this page are short, to keep the page quick to build: they stop
# at max_iter before they have converged, which is no news here.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

X_train, y_train = load_mnist(folder, return_X_y=True)
X_test, y_test = load_mnist(folder, subset="test", return_X_y=True)
clf = MLPDigitClassifier(
    (500,),
    "tanh",
    solver="sgd",
    momentum=0,
    learning_rate=0.01,
    l2=1e-4,
    batch_size=20,
    max_iter=10,
    random_state=0,
)
clf.fit(X_train, y_train)
print(f"weights {clf.coefs_[0].dtype}; test accuracy {clf.score(X_test, y_test):.4f}")

# %%
# The real thing
# --------------
# On Debian and Ubuntu, ``apt-get install dataset-fashion-mnist`` puts
# Fashion-MNIST's 60,000 + 10,000 images, in MNIST's own files, in
# ``/usr/share/datasets/fashion-mnist``; MNIST itself, wherever you keep it,
# reads the same way. To keep the build of this page short, the network below
# sees 10,000 training images for 5 epochs (the recipes on
# :doc:`/user_guide/recipes` train far longer on all of them).
fashion = Path("/usr/share/datasets/fashion-mnist")
if fashion.is_dir():
    X_train, y_train = load_mnist(fashion, return_X_y=True)
    X_test, y_test = load_mnist(fashion, subset="test", return_X_y=True)
    print(f"Fashion-MNIST: {X_train.shape[0]} training, {X_test.shape[0]} test images")
    clf = MLPDigitClassifier((256,), batch_size=128, max_iter=5, random_state=0)
    clf.fit(X_train[:10_000], y_train[:10_000])
    accuracy = clf.score(X_test, y_test)
    print(f"test accuracy after 5 epochs on 10,000 images: {accuracy:.4f}")
    DigitsGridDisplay.from_data(X_test, y_test, n_images=30)
else:
    print(f"{fashion} is not on this machine: apt-get install dataset-fashion-mnist")
