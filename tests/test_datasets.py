"""Tests of skmlp.datasets on small IDX files and pickles written to tmp_path.

Nothing is downloaded; the one test on real data runs only when the
``dataset-fashion-mnist`` Debian package has put Fashion-MNIST on disk.
"""

import gzip
import io
import pickle
import struct
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.utils import Bunch

from skmlp import datasets
from skmlp.datasets import load_idx, load_mnist

FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")

IDX_NAMES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
N_TRAIN, N_TEST = 12, 5


# ----------------------------------------------------------------- helpers


def idx_bytes(array, type_code=0x08):
    """``array`` in IDX format: magic, big-endian sizes, big-endian items."""
    dtypes = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4"}
    header = bytes([0, 0, type_code, array.ndim])
    header += b"".join(n.to_bytes(4, "big") for n in array.shape)
    return header + np.asarray(array, dtype=dtypes[type_code]).tobytes()


def write(path, content, compress=False):
    """Write bytes to ``path`` (``path.gz``, gzipped, if ``compress``)."""
    if compress:
        path = path.with_name(path.name + ".gz")
        content = gzip.compress(content)
    path.write_bytes(content)
    return path


def make_split(n_samples, seed):
    rng = np.random.RandomState(seed)
    images = rng.randint(0, 256, size=(n_samples, 28, 28)).astype(np.uint8)
    images[0, 0, 0], images[0, 0, 1] = 0, 255  # make the scaling visible
    labels = rng.randint(0, 10, size=n_samples).astype(np.uint8)
    return images, labels


@pytest.fixture
def raw_splits():
    return {"train": make_split(N_TRAIN, 0), "test": make_split(N_TEST, 1)}


def write_idx_folder(folder, splits, compress=False):
    folder.mkdir(exist_ok=True)
    for split, (images, labels) in splits.items():
        image_name, label_name = IDX_NAMES[split]
        write(folder / image_name, idx_bytes(images), compress)
        write(folder / label_name, idx_bytes(labels), compress)
    return folder


@pytest.fixture(params=[False, True], ids=["raw", "gzip"])
def idx_folder(request, tmp_path, raw_splits):
    return write_idx_folder(tmp_path / "mnist", raw_splits, compress=request.param)


def make_pickle_splits():
    rng = np.random.RandomState(2)
    return tuple(
        (
            rng.uniform(0, 1, size=(n, 784)).astype(np.float32),
            rng.randint(0, 10, size=n).astype(np.int64),
        )
        for n in (7, 4, 3)
    )


def write_pickle(path, obj, compress=True):
    path.write_bytes(
        gzip.compress(pickle.dumps(obj)) if compress else pickle.dumps(obj)
    )
    return path


class Python2Pickler(pickle._Pickler):
    """Writes bytes as Python 2 pickled its ``str``, with BINSTRING opcodes:
    the arrays' raw data in the tutorials' mnist.pkl.gz look like this."""

    def save_bytes(self, obj):
        self.write(pickle.BINSTRING + struct.pack("<i", len(obj)) + obj)
        self.memoize(obj)

    dispatch = dict(pickle._Pickler.dispatch)
    dispatch[bytes] = save_bytes


@pytest.fixture
def pickle_path(tmp_path):
    return write_pickle(tmp_path / "mnist.pkl.gz", make_pickle_splits())


# ---------------------------------------------------------------- load_idx


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
@pytest.mark.parametrize(
    "type_code, values",
    [
        (0x08, np.arange(24, dtype=np.uint8).reshape(2, 3, 4)),
        (0x09, np.array([-128, -1, 0, 127], dtype=np.int8)),
        (0x0B, np.array([[-300, 2], [7, 32000]], dtype=np.int16)),
        (0x0C, np.array([-70000, 0, 2**31 - 1], dtype=np.int32)),
        (0x0D, np.array([[0.5, -1.25, 3e10]], dtype=np.float32)),
    ],
    ids=["ubyte", "byte", "short", "int", "float"],
)
def test_load_idx_reads_every_type(tmp_path, type_code, values, compress):
    path = write(tmp_path / "data-idx", idx_bytes(values, type_code), compress)
    array = load_idx(path)
    assert array.shape == values.shape
    assert array.dtype == values.dtype  # native byte order
    assert array.flags.writeable and array.flags.c_contiguous
    assert_array_equal(array, values)


def test_load_idx_detects_gzip_by_content(tmp_path):
    # A browser may unpack a .gz download and keep the name.
    labels = np.arange(10, dtype=np.uint8)
    path = write(tmp_path / "labels-idx1-ubyte.gz", idx_bytes(labels))
    assert_array_equal(load_idx(str(path)), labels)


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
@pytest.mark.parametrize(
    "content, match",
    [
        (b"\x1f\x9b\x08\x03" + bytes(8), r"wrong magic number 0x1F9B0803"),
        (b"\x00\x00\x07\x01" + bytes(8), r"wrong magic number 0x00000701"),
        (b"\x00\x00\x08\x00", r"wrong magic number 0x00000800"),
        (b"\x00\x00", r"truncated IDX file, 2 bytes"),
        (b"", r"truncated IDX file, 0 bytes"),
        (b"\x00\x00\x08\x03" + bytes(6), r"truncated IDX file: the header declares 3"),
        (
            idx_bytes(np.zeros((3, 4), np.uint8))[:-1],
            r"truncated IDX file: the header declares shape \(3, 4\)",
        ),
        (idx_bytes(np.zeros(3, np.uint8)) + b"\x00", r"too long IDX file"),
        (
            b"\x00\x00\x08\x04" + b"\xff" * 16,
            r"IDX file: the header declares shape \(4294967295,",
        ),
    ],
    ids=[
        "not-idx",
        "bad-type",
        "zero-dims",
        "short-magic",
        "empty",
        "short-header",
        "short-data",
        "extra-data",
        "huge-shape",
    ],
)
def test_load_idx_rejects_bad_files(tmp_path, content, match, compress):
    path = write(tmp_path / "bad-idx", content, compress)
    with pytest.raises(ValueError, match=match) as excinfo:
        load_idx(path)
    assert str(path) in str(excinfo.value)


def test_load_idx_rejects_truncated_gzip(tmp_path):
    content = gzip.compress(idx_bytes(np.arange(1000, dtype=np.int32), 0x0C))
    path = write(tmp_path / "cut-idx1-int.gz", content[: len(content) // 2])
    with pytest.raises(ValueError, match=r"cut-idx1-int.gz: corrupt or truncated gzip"):
        load_idx(path)


def test_load_idx_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"IDX file not found: .*nowhere"):
        load_idx(tmp_path / "nowhere")


# ----------------------------------------------------- load_mnist from IDX


@pytest.mark.parametrize(
    "subset, parts",
    [("train", ["train"]), ("test", ["test"]), ("all", ["train", "test"])],
)
def test_load_mnist_idx_subsets(idx_folder, raw_splits, subset, parts):
    bunch = load_mnist(idx_folder, subset=subset)

    expected_images = np.concatenate([raw_splits[p][0] for p in parts])
    expected_labels = np.concatenate([raw_splits[p][1] for p in parts])
    n_samples = len(expected_labels)
    assert isinstance(bunch, Bunch)
    assert bunch.data.shape == (n_samples, 784) and bunch.data.dtype == np.float32
    assert bunch.images.shape == (n_samples, 28, 28)
    assert np.shares_memory(bunch.images, bunch.data)
    assert bunch.target.dtype == np.int64
    assert_array_equal(bunch.target, expected_labels)
    assert_allclose(bunch.images, expected_images / 255.0, rtol=1e-6)
    assert bunch.data.min() == 0.0 and bunch.data.max() == 1.0
    assert len(bunch.filenames) == 2 * len(parts)
    assert all(Path(name).parent == idx_folder for name in bunch.filenames)
    assert f"Samples: {n_samples}" in bunch.DESCR


def test_load_mnist_return_X_y(idx_folder):
    bunch = load_mnist(idx_folder, subset="test")
    X, y = load_mnist(str(idx_folder), subset="test", return_X_y=True)
    assert_array_equal(X, bunch.data)
    assert_array_equal(y, bunch.target)


def test_load_mnist_mixes_raw_and_gzipped_files(tmp_path, raw_splits):
    folder = write_idx_folder(tmp_path, {"train": raw_splits["train"]}, compress=True)
    write_idx_folder(folder, {"test": raw_splits["test"]}, compress=False)
    X, y = load_mnist(folder, subset="all", return_X_y=True)
    assert X.shape == (N_TRAIN + N_TEST, 784)


def test_load_mnist_expands_user(tmp_path, raw_splits, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    write_idx_folder(tmp_path / "mnist", raw_splits)
    X, _ = load_mnist("~/mnist", return_X_y=True)
    assert X.shape == (N_TRAIN, 784)


def test_load_mnist_idx_has_no_valid_split(idx_folder):
    with pytest.raises(ValueError, match=r"subset='valid' exists only in the .*pkl"):
        load_mnist(idx_folder, subset="valid")


def test_load_mnist_unknown_subset(idx_folder):
    with pytest.raises(ValueError, match=r"subset must be one of .* got 'training'"):
        load_mnist(idx_folder, subset="training")


def test_load_mnist_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"not found: .*no-such-folder"):
        load_mnist(tmp_path / "no-such-folder")


def test_load_mnist_missing_idx_file(tmp_path, raw_splits):
    folder = write_idx_folder(tmp_path / "mnist", raw_splits)
    (folder / "t10k-labels-idx1-ubyte").unlink()
    # The train split does not need the missing file.
    assert load_mnist(folder).data.shape == (N_TRAIN, 784)
    with pytest.raises(FileNotFoundError, match=r"t10k-labels-idx1-ubyte\.gz' exists"):
        load_mnist(folder, subset="test")


def test_load_mnist_points_at_pickle_but_never_loads_it(tmp_path, monkeypatch):
    folder = tmp_path / "mnist"
    folder.mkdir()
    write_pickle(folder / "mnist.pkl.gz", make_pickle_splits())
    monkeypatch.setattr(datasets, "_read_pickle_file", pytest.fail)
    with pytest.raises(FileNotFoundError, match=r"pass its path, .*mnist\.pkl\.gz"):
        load_mnist(folder)


def test_load_mnist_rejects_count_mismatch(tmp_path, raw_splits):
    folder = write_idx_folder(tmp_path / "mnist", raw_splits)
    labels = raw_splits["train"][1][:-1]
    write(folder / "train-labels-idx1-ubyte", idx_bytes(labels))
    with pytest.raises(
        ValueError, match=rf"holds {N_TRAIN} images but .*labels-idx1-ubyte holds "
    ):
        load_mnist(folder)


def test_load_mnist_rejects_swapped_files(tmp_path, raw_splits):
    folder = write_idx_folder(tmp_path / "mnist", raw_splits)
    images, labels = raw_splits["train"]
    write(folder / "train-images-idx3-ubyte", idx_bytes(labels))
    with pytest.raises(ValueError, match=r"images-idx3-ubyte: expected images, a 3-D"):
        load_mnist(folder)
    write(folder / "train-images-idx3-ubyte", idx_bytes(images))
    write(folder / "train-labels-idx1-ubyte", idx_bytes(images))
    with pytest.raises(ValueError, match=r"labels-idx1-ubyte: expected labels, a 1-D"):
        load_mnist(folder)


def test_load_mnist_rejects_corrupt_idx_file(tmp_path, raw_splits):
    folder = write_idx_folder(tmp_path / "mnist", raw_splits, compress=True)
    path = folder / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(ValueError, match=r"t10k-images-idx3-ubyte.gz: corrupt"):
        load_mnist(folder, subset="all")


def test_load_mnist_rejects_splits_of_different_image_sizes(tmp_path, raw_splits):
    folder = write_idx_folder(tmp_path / "mnist", raw_splits)
    images = np.zeros((N_TEST, 20, 20), dtype=np.uint8)
    write(folder / "t10k-images-idx3-ubyte", idx_bytes(images))
    assert load_mnist(folder, subset="test").images.shape == (N_TEST, 20, 20)
    with pytest.raises(ValueError, match=r"images of different sizes"):
        load_mnist(folder, subset="all")


# -------------------------------------------------- load_mnist from pickle


@pytest.mark.parametrize(
    "subset, parts",
    [("train", [0]), ("valid", [1]), ("test", [2]), ("all", [0, 1, 2])],
)
def test_load_mnist_pickle_subsets(pickle_path, subset, parts):
    splits = make_pickle_splits()
    bunch = load_mnist(pickle_path, subset=subset)

    expected_X = np.concatenate([splits[p][0] for p in parts])
    expected_y = np.concatenate([splits[p][1] for p in parts])
    assert bunch.data.shape == (len(expected_y), 784)
    assert bunch.data.dtype == np.float32 and bunch.target.dtype == np.int64
    assert bunch.images.shape == (len(expected_y), 28, 28)
    assert np.shares_memory(bunch.images, bunch.data)
    assert_array_equal(bunch.data, expected_X)
    assert_array_equal(bunch.target, expected_y)
    assert bunch.filenames == [str(pickle_path)]


def test_load_mnist_pickle_return_X_y_and_conversions(tmp_path):
    # Python-2 style content: float64 pixels, int32 labels, lists for pairs.
    splits = [
        [X.astype(np.float64), y.astype(np.int32)] for X, y in make_pickle_splits()
    ]
    path = write_pickle(tmp_path / "mnist.pkl", splits, compress=False)
    X, y = load_mnist(path, subset="valid", return_X_y=True)
    assert X.dtype == np.float32 and y.dtype == np.int64
    assert_allclose(X, splits[1][0], rtol=1e-6)


def test_load_mnist_reads_python2_pickle(tmp_path):
    splits = make_pickle_splits()
    buffer = io.BytesIO()
    Python2Pickler(buffer, protocol=2).dump(splits)
    with pytest.raises(UnicodeDecodeError):  # without encoding="latin1"
        pickle.loads(buffer.getvalue())
    path = tmp_path / "mnist.pkl.gz"
    path.write_bytes(gzip.compress(buffer.getvalue()))
    X, y = load_mnist(path, subset="test", return_X_y=True)
    assert_array_equal(X, splits[2][0])
    assert_array_equal(y, splits[2][1])


@pytest.mark.parametrize(
    "obj, match",
    [
        (
            {"train": 1},
            r"the pickle uses opcode EMPTY_DICT, which a data pickle of arrays",
        ),
        (make_pickle_splits()[:2], r"got a tuple of length 2"),
        ((1, 2, 3), r"the train split is an object of type int"),
        (
            tuple((X, y, y) for X, y in make_pickle_splits()),
            r"the train split is a tuple of length 3",
        ),
        (
            tuple((X.ravel(), y) for X, y in make_pickle_splits()),
            r"in the train split, X is a 1-D array of float32",
        ),
        (
            tuple((X, y.astype(float)) for X, y in make_pickle_splits()),
            r"in the train split, y is a 1-D array of float64",
        ),
        (
            tuple((X, y[:-1]) for X, y in make_pickle_splits()),
            r"in the train split, X has 7 rows but y has 6 labels",
        ),
        (
            tuple((X * 255, y) for X, y in make_pickle_splits()),
            r"in the train split, pixel values span \[.*\], not \[0, 1\]",
        ),
        (
            tuple((X[:, :780], y) for X, y in make_pickle_splits()),
            r"X has 780 columns, not the pixels of a square image",
        ),
        (
            tuple(
                (X[:, :400] if i == 2 else X, y)
                for i, (X, y) in enumerate(make_pickle_splits())
            ),
            r"splits have different numbers of pixels: \[784, 784, 400\]",
        ),
    ],
    ids=[
        "dict",
        "two-splits",
        "not-pairs",
        "triples",
        "flat-X",
        "float-y",
        "length-mismatch",
        "unscaled",
        "not-square",
        "pixel-mismatch",
    ],
)
def test_load_mnist_rejects_wrong_pickle_layout(tmp_path, obj, match):
    path = write_pickle(tmp_path / "mnist.pkl.gz", obj)
    with pytest.raises(ValueError, match=match) as excinfo:
        load_mnist(path)
    assert str(path) in str(excinfo.value)


@pytest.mark.parametrize(
    "content, match",
    [
        (gzip.compress(b"not a pickle"), r"not a readable pickle"),
        (gzip.compress(pickle.dumps(make_pickle_splits()))[:-30], r"corrupt or trunc"),
        (idx_bytes(np.zeros(3, np.uint8)), r"use load_idx to read a single IDX file"),
    ],
    ids=["garbage", "truncated-gzip", "idx-file"],
)
def test_load_mnist_rejects_unreadable_pickle(tmp_path, content, match):
    path = tmp_path / "mnist.pkl.gz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=match):
        load_mnist(path)


def test_load_mnist_missing_pickle(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"not found: .*mnist\.pkl\.gz"):
        load_mnist(tmp_path / "mnist.pkl.gz")


# -------------------------------------------------------------- real data


@pytest.mark.skipif(
    not FASHION_MNIST.is_dir(),
    reason="Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)",
)
def test_load_fashion_mnist():
    train = load_mnist(FASHION_MNIST)
    X_test, y_test = load_mnist(FASHION_MNIST, subset="test", return_X_y=True)
    assert train.data.shape == (60000, 784) and X_test.shape == (10000, 784)
    assert train.images.shape == (60000, 28, 28)
    assert_array_equal(np.unique(train.target), np.arange(10))
    assert_array_equal(np.unique(y_test), np.arange(10))
    assert train.data.min() == 0.0 and train.data.max() == 1.0
