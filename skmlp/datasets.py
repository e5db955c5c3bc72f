"""Loaders for MNIST-style data sets kept on the user's disk.

:func:`load_mnist` reads MNIST, or anything else stored like it (Fashion-MNIST,
KMNIST), from either of the two layouts it is commonly found in: LeCun's four
IDX files or the ``mnist.pkl.gz`` pickle of the Theano and Nielsen tutorials.
:func:`load_idx` reads a single IDX file. Nothing is ever downloaded.

Every file is treated as untrusted: it may have been written to break the
reader. Only regular files are opened; sizes are checked before memory is
spent; gzip data are decompressed as a stream that stops at the declared size
(:mod:`skmlp._untrusted_files`, skmlp's one policy for the files it reads);
the pickle is read by a restricted unpickler that builds arrays of numbers in
tuples and lists, and nothing else (:mod:`skmlp._array_unpickler`).
"""

import math
import os
import struct
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ._array_unpickler import describe, load_array_pickle, unpickled_array
from ._image_shape import square_side
from ._untrusted_files import (
    MAX_ARRAY_DIMS,
    check_decompressed_size,
    gzip_stream,
    open_regular_file,
    read_into,
    read_up_to,
)

__all__ = ["load_idx", "load_mnist"]

# IDX type codes (third byte of the magic number) and the big-endian dtypes
# they stand for; see http://yann.lecun.com/exdb/mnist/.
_IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

# The IDX files of each split, as LeCun names them: (images, labels).
_IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

# Position of each split in the pickle's ((train), (valid), (test)) tuple.
_PICKLE_SPLITS = {"train": 0, "valid": 1, "test": 2}

_SUBSETS = ("train", "test", "valid", "all")


def load_idx(path):
    """Read one IDX file, such as MNIST's ``train-images-idx3-ubyte``.

    IDX is the format of LeCun's MNIST files: a four-byte magic number
    ``0x0000TTNN`` (``TT`` the element type, ``NN`` the number of
    dimensions), ``NN`` big-endian 32-bit sizes, then the elements in
    row-major order.

    Parameters
    ----------
    path : str or path-like
        The file, optionally gzip-compressed. Compression is recognised from
        the content, not the name: browsers that unpack a downloaded ``.gz``
        while keeping its name are fine.

    Returns
    -------
    array : ndarray
        A new writable array in native byte order, with the dimensions of the
        file's header and the type it declares (``uint8`` for MNIST's
        images and labels).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If ``path`` is not a regular file (a folder, FIFO, device or socket),
        or the file is not an IDX file, is truncated or has extra bytes, is
        corrupt gzip, or declares more data than it can hold.

    See Also
    --------
    load_mnist : Load a whole MNIST-style data set.

    Notes
    -----
    The file may come from anyone: its header is checked before any memory
    is spent on the data. An uncompressed file must be exactly as long as its
    header declares. A gzip file is decompressed as a stream into an array of
    the declared size and refused as soon as its data go past it; its header
    may declare at most 1032 times the file's size (the most DEFLATE can
    expand data) and at most 4 GiB (decompress larger files first): skmlp's
    one policy for the files it reads (:mod:`skmlp._untrusted_files`).

    Examples
    --------
    >>> from skmlp.datasets import load_idx
    >>> labels = load_idx("mnist/train-labels-idx1-ubyte.gz")  # doctest: +SKIP
    >>> labels.shape, labels.dtype  # doctest: +SKIP
    ((60000,), dtype('uint8'))
    """
    path = _existing_path(path, "IDX file")
    return _read_idx(path)


def load_mnist(path, *, subset="train", return_X_y=False):
    """Load MNIST, Fashion-MNIST or another MNIST-style data set from disk.

    Two layouts are understood:

    - a folder holding LeCun's four IDX files ``train-images-idx3-ubyte``,
      ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte`` and
      ``t10k-labels-idx1-ubyte``, each possibly gzipped (with a ``.gz``
      suffix). Fashion-MNIST and KMNIST ship the same files;
    - the ``mnist.pkl.gz`` file of the Theano and Nielsen tutorials: a
      (gzipped) pickle of ``((train_X, train_y), (valid_X, valid_y),
      (test_X, test_y))`` that splits MNIST's 60000 training images into
      50000 for training and 10000 for validation.

    Parameters
    ----------
    path : str or path-like
        The folder of IDX files, or the pickle file itself. A folder is never
        searched for a pickle.

    subset : {'train', 'test', 'valid', 'all'}, default='train'
        Which split to return. ``'valid'`` exists only in the pickle; ``'all'``
        concatenates the splits in the order train, (valid,) test.

    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object, with the following attributes.

        data : ndarray of shape (n_samples, n_pixels), dtype float32
            The images, one flattened row each, scaled to [0, 1]
            (``n_pixels`` is 784 for MNIST).
        target : ndarray of shape (n_samples,), dtype int64
            The labels.
        images : ndarray of shape (n_samples, n_rows, n_columns)
            A view of ``data`` with the images' 2-D shape (28 x 28 for
            MNIST).
        filenames : list of str
            The files read.
        DESCR : str
            A description of what was loaded.

    (data, target) : tuple if ``return_X_y`` is True
        The ``data`` and ``target`` arrays described above.

    Raises
    ------
    FileNotFoundError
        If ``path``, or one of the files it should hold, does not exist.
    ValueError
        If ``subset`` is unknown or not in the files, or a file is corrupt,
        truncated, of the wrong kind, not a regular file, disagrees with its
        partner file, or is a pickle that asks for anything but arrays.

    Notes
    -----
    Loading a file never runs code from it, so a data set from anywhere is
    safe to load. The pickle is read by a restricted unpickler: it builds
    NumPy arrays of booleans, integers and floats (NumPy's own
    ``ndarray``, ``dtype``, ``_reconstruct`` and ``_frombuffer``, and the
    ``_codecs.encode`` of Python 3's protocol-2 pickles, limited to
    latin-1 text) and the tuples and lists that hold them; any other
    function, class, dictionary, set or object array in the file is refused
    with a ``ValueError`` naming it. The IDX files are read as plain bytes
    (see :func:`load_idx`). Memory is bounded by what the files declare: a
    gzip file is decompressed as a stream, at most 1032 times its size and at
    most 4 GiB. FIFOs, devices and sockets are refused before anything is
    read, so a path such as ``/dev/zero`` fails at once instead of hanging.

    See Also
    --------
    load_idx : Read a single IDX file.
    sklearn.datasets.load_digits : The small 8 x 8 digits bundled with
        scikit-learn.

    Examples
    --------
    >>> from skmlp.datasets import load_mnist
    >>> X, y = load_mnist("~/data/fashion-mnist", return_X_y=True)  # doctest: +SKIP
    >>> X.shape, X.dtype, y.shape  # doctest: +SKIP
    ((60000, 784), dtype('float32'), (60000,))
    >>> test = load_mnist("mnist.pkl.gz", subset="test")  # doctest: +SKIP
    >>> test.images.shape  # doctest: +SKIP
    (10000, 28, 28)
    """
    if subset not in _SUBSETS:
        raise ValueError(f"subset must be one of {_SUBSETS}, got {subset!r}.")
    path = _existing_path(path, "MNIST folder or pickle")
    if path.is_dir():
        images, target, filenames = _load_idx_folder(path, subset)
        source = f"the IDX files in {path}"
    else:
        images, target, filenames = _load_pickle(path, subset)
        source = f"the pickle {path}"
    data = images.reshape(images.shape[0], math.prod(images.shape[1:]))
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        images=images,
        filenames=filenames,
        DESCR=_describe(source, subset, images, target),
    )


# ------------------------------------------------------------------- files


def _existing_path(path, what):
    """``path`` as a Path with ``~`` expanded, or FileNotFoundError naming it."""
    path = Path(path).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"{what} not found: '{path}'.")
    return path


# --------------------------------------------------------------------- IDX


def _read_idx(path):
    """The array in the IDX file at ``path``, in native byte order."""
    with open_regular_file(path, "data sets") as file:
        return _read_idx_file(file, os.fstat(file.fileno()).st_size, path)


def _read_idx_file(file, file_size, name):
    """The array in an open IDX file, new, writable and in native byte order.

    Parameters
    ----------
    file : binary file object
        The file, positioned at its start and seekable (a regular file or a
        ``BytesIO``), possibly gzip-compressed.
    file_size : int
        Its size in bytes, which bounds what it may declare.
    name : str or path-like
        How error messages name it.
    """
    with gzip_stream(file) as (stream, compressed):
        shape, dtype, header_size = _read_idx_header(stream, name)
        n_items = math.prod(shape)  # Python ints: a corrupt header cannot overflow
        expected_size = header_size + n_items * dtype.itemsize
        declared = (
            f"the header declares shape {shape} of {dtype.itemsize}-byte items, "
            f"{expected_size} bytes in all"
        )
        _check_declared_size(name, declared, expected_size, file_size, compressed)
        array = np.empty(n_items, dtype=dtype)
        n_read = read_into(stream, array.view(np.uint8), name)
        if n_read < array.nbytes:
            raise ValueError(
                f"{name}: truncated IDX file: {declared}, but the file holds "
                f"{header_size + n_read} bytes (after decompression)."
            )
        if read_up_to(stream, 1, name):
            raise ValueError(
                f"{name}: too long IDX file: {declared}, but the file holds more "
                "(after decompression)."
            )
    if not dtype.isnative:
        array = array.byteswap(inplace=True).view(dtype.newbyteorder("="))
    return array.reshape(shape)


def _read_idx_header(stream, name):
    """``(shape, dtype, header_size)`` from the header at the start of
    ``stream``, or ValueError if it is not a valid IDX header."""
    magic = read_up_to(stream, 4, name)
    if len(magic) < 4:
        raise ValueError(
            f"{name}: truncated IDX file, {len(magic)} bytes: too short for the "
            "4-byte magic number."
        )
    type_code, n_dims = magic[2], magic[3]
    if magic[:2] != b"\x00\x00" or type_code not in _IDX_DTYPES or n_dims == 0:
        raise ValueError(
            f"{name}: not an IDX file: wrong magic number "
            f"0x{int.from_bytes(magic, 'big'):08X}; expected 0x0000TTNN with TT a "
            "type code (08 for unsigned bytes) and NN >= 1 the number of "
            "dimensions, e.g. 0x00000803 for images."
        )
    if n_dims > MAX_ARRAY_DIMS:
        raise ValueError(
            f"{name}: the IDX header declares {n_dims} dimensions; skmlp reads "
            f"at most {MAX_ARRAY_DIMS}."
        )
    sizes = read_up_to(stream, 4 * n_dims, name)
    if len(sizes) < 4 * n_dims:
        raise ValueError(
            f"{name}: truncated IDX file: the header declares {n_dims} "
            f"dimensions but the file ends after {4 + len(sizes)} bytes."
        )
    shape = struct.unpack(f">{n_dims}I", sizes)
    if 0 in shape:
        raise ValueError(
            f"{name}: the IDX header declares shape {shape}, with a zero "
            "dimension: there is no data to read."
        )
    return shape, _IDX_DTYPES[type_code], 4 + 4 * n_dims


def _check_declared_size(name, declared, expected_size, file_size, compressed):
    """ValueError unless a file of ``file_size`` bytes can hold
    ``expected_size`` bytes, checked before any memory is spent on them."""
    if not compressed:
        if expected_size != file_size:
            problem = "truncated" if file_size < expected_size else "too long"
            raise ValueError(
                f"{name}: {problem} IDX file: {declared}, but the file holds "
                f"{file_size} bytes."
            )
        return
    check_decompressed_size(
        name,
        declared,
        expected_size,
        file_size,
        kind="IDX file",
        hint=" Decompress it first (gunzip), then load the uncompressed file.",
    )


def _find_idx_file(folder, name):
    """``folder/name`` or ``folder/name.gz``, whichever exists."""
    for candidate in (folder / name, folder / f"{name}.gz"):
        # exists(), not is_file(): a FIFO or a folder under this name gets its
        # own error when it is opened.
        if candidate.exists():
            return candidate
    hint = ""
    if (folder / "mnist.pkl.gz").exists():
        # A folder is never searched for a pickle (see load_mnist): say where
        # it is instead.
        hint = (
            f" The folder holds mnist.pkl.gz: pass its path, "
            f"'{folder / 'mnist.pkl.gz'}', to load the pickle instead."
        )
    raise FileNotFoundError(
        f"IDX file not found: neither '{folder / name}' nor '{folder / name}.gz' "
        f"exists.{hint}"
    )


def _load_idx_split(folder, split):
    """Images (uint8, n x rows x columns) and labels of one IDX split."""
    image_name, label_name = _IDX_FILES[split]
    image_path = _find_idx_file(folder, image_name)
    label_path = _find_idx_file(folder, label_name)
    images = _read_idx(image_path)
    labels = _read_idx(label_path)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(
            f"{image_path}: expected images, a 3-D array of unsigned bytes (magic "
            f"number 0x00000803); got a {images.ndim}-D array of {images.dtype}."
        )
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise ValueError(
            f"{label_path}: expected labels, a 1-D array of integers (magic "
            f"number 0x00000801); got a {labels.ndim}-D array of {labels.dtype}."
        )
    if images.shape[0] != labels.shape[0]:
        raise ValueError(
            f"{image_path} holds {images.shape[0]} images but {label_path} holds "
            f"{labels.shape[0]} labels: the files do not belong together."
        )
    return images, labels, [str(image_path), str(label_path)]


def _load_idx_folder(folder, subset):
    """Scaled images, int64 labels and the files read, for ``subset``."""
    if subset == "valid":
        raise ValueError(
            f"subset='valid' exists only in the mnist.pkl.gz pickle; the IDX "
            f"files in {folder} hold only 'train' and 'test' (or 'all')."
        )
    splits = ["train", "test"] if subset == "all" else [subset]
    loaded = [_load_idx_split(folder, split) for split in splits]
    if len({images.shape[1:] for images, _, _ in loaded}) > 1:
        raise ValueError(
            f"The IDX files in {folder} hold images of different sizes: "
            f"{[images.shape[1:] for images, _, _ in loaded]}."
        )
    images = _scale_bytes([images for images, _, _ in loaded])
    target = np.concatenate([labels for _, labels, _ in loaded]).astype(np.int64)
    filenames = [name for _, _, names in loaded for name in names]
    return images, target, filenames


def _scale_bytes(blocks):
    """Concatenate uint8 image blocks into one float32 array scaled to [0, 1]."""
    n_samples = sum(block.shape[0] for block in blocks)
    images = np.empty((n_samples, *blocks[0].shape[1:]), dtype=np.float32)
    start = 0
    for block in blocks:
        # Convert block by block into the output: no float64 temporary.
        out = images[start : start + block.shape[0]]
        np.divide(block, np.float32(255), out=out, dtype=np.float32)
        start += block.shape[0]
    return images


# ------------------------------------------------------------------ pickle


def _load_pickle(path, subset):
    """Scaled images (n x 28 x 28), int64 labels and [path], for ``subset``."""
    with open_regular_file(path, "data sets") as file:
        splits = _read_pickle_file(file, os.fstat(file.fileno()).st_size, path)
    names = ["train", "valid", "test"] if subset == "all" else [subset]
    chosen = [splits[_PICKLE_SPLITS[name]] for name in names]
    data = _concatenate([X for X, _ in chosen], np.float32)
    target = _concatenate([y for _, y in chosen], np.int64)
    side = square_side(data.shape[1])
    return data.reshape(data.shape[0], side, side), target, [str(path)]


def _read_pickle_file(file, file_size, name):
    """The three checked ``(X, y)`` splits of an open data pickle.

    Parameters
    ----------
    file : binary file object
        The pickle, positioned at its start and seekable, possibly gzipped.
    file_size : int
        Its size in bytes, which bounds what may be read from it.
    name : str or path-like
        How error messages name it.
    """
    splits = load_array_pickle(
        file,
        file_size,
        name,
        hint=" load_mnist reads a folder of IDX files or an mnist.pkl.gz pickle; "
        "use load_idx to read a single IDX file.",
    )
    return _check_pickle_layout(name, splits)


def _concatenate(arrays, dtype):
    """The arrays stacked as one C-contiguous array of ``dtype``, copying only
    when needed (a single split of the right type is returned as is)."""
    if len(arrays) == 1:
        return np.ascontiguousarray(arrays[0], dtype=dtype)
    return np.concatenate(arrays).astype(dtype, copy=False)


def _check_pickle_layout(path, splits):
    """The pickle's three (X, y) pairs as arrays, or ValueError on another layout."""
    layout = (
        "((train_X, train_y), (valid_X, valid_y), (test_X, test_y)) with X of "
        "shape (n_samples, n_pixels) in [0, 1] and y of shape (n_samples,)"
    )
    if not isinstance(splits, (tuple, list)) or len(splits) != 3:
        raise ValueError(
            f"{path}: expected a pickle of {layout}; got {describe(splits)}."
        )
    checked = []
    for name, pair in zip(_PICKLE_SPLITS, splits, strict=True):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ValueError(
                f"{path}: expected a pickle of {layout}; the {name} split is "
                f"{describe(pair)}."
            )
        X, y = unpickled_array(pair[0]), unpickled_array(pair[1])
        if X is None or y is None:
            what = "X" if X is None else "y"
            raise ValueError(
                f"{path}: expected a pickle of {layout}; in the {name} split, "
                f"{what} is {describe(pair[0] if X is None else pair[1])}, not "
                "an array."
            )
        problem = _pickle_split_problem(X, y)
        if problem:
            raise ValueError(
                f"{path}: expected a pickle of {layout}; in the {name} split, "
                f"{problem}."
            )
        checked.append((X, y))
    if len({X.shape[1] for X, _ in checked}) > 1:
        raise ValueError(
            f"{path}: the splits have different numbers of pixels: "
            f"{[X.shape[1] for X, _ in checked]}."
        )
    return checked


def _pickle_split_problem(X, y):
    """What is wrong with one (X, y) split of the pickle, or None."""
    if X.ndim != 2 or X.dtype.kind not in "fiu":
        return f"X is a {X.ndim}-D array of {X.dtype}, not a 2-D numeric array"
    if y.ndim != 1 or y.dtype.kind not in "iu":
        return f"y is a {y.ndim}-D array of {y.dtype}, not a 1-D integer array"
    if X.shape[0] != y.shape[0]:
        return f"X has {X.shape[0]} rows but y has {y.shape[0]} labels"
    if not X.shape[1] or square_side(X.shape[1]) is None:
        return f"X has {X.shape[1]} columns, not the pixels of a square image"
    if X.size and not (X.min() >= 0 and X.max() <= 1):
        return f"pixel values span [{X.min()}, {X.max()}], not [0, 1]"
    return None


def _describe(source, subset, images, target):
    """The DESCR text of a loaded data set."""
    classes = np.unique(target)
    return (
        f"MNIST-style data set loaded by skmlp.datasets.load_mnist from "
        f"{source}.\n\n"
        f"Subset: {subset!r}\n"
        f"Samples: {images.shape[0]}\n"
        f"Image size: {' x '.join(map(str, images.shape[1:]))} pixels, "
        "scaled to [0, 1] (float32)\n"
        f"Classes: {len(classes)} ({', '.join(map(str, classes))})\n"
    )
