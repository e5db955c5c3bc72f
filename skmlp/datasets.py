"""Loaders for MNIST-style data sets kept on the user's disk.

:func:`load_mnist` reads MNIST, or anything else stored like it (Fashion-MNIST,
KMNIST), from either of the two layouts it is commonly found in: LeCun's four
IDX files or the ``mnist.pkl.gz`` pickle of the Theano and Nielsen tutorials.
:func:`load_idx` reads a single IDX file. Nothing is ever downloaded.

Every file is treated as untrusted: it may have been written to break the
reader. Only regular files are opened; sizes are checked before memory is
spent; gzip data are decompressed as a stream that stops at the declared size;
the pickle is read by a restricted unpickler that builds arrays of numbers in
tuples and lists, and nothing else.
"""

import contextlib
import gzip
import math
import os
import pickle
import pickletools
import stat
import struct
import zlib
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

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

_GZIP_MAGIC = b"\x1f\x8b"

# DEFLATE cannot expand data by more than about 1032:1 (a 258-byte match costs
# at least 2 bits): a gzip file's content is never longer than this many times
# the file, whatever its header or the pickle inside claims.
_DEFLATE_MAX_RATIO = 1032

# The most skmlp decompresses from one gzip file (16 GiB; full MNIST is 55 MB).
# A larger data set can still be read once decompressed (gunzip), since an
# uncompressed file's size is known before reading.
_MAX_DECOMPRESSED_BYTES = 16 * 2**30

# NumPy 1.x arrays have at most 32 dimensions (NumPy 2: 64).
_MAX_IDX_DIMS = 32

# gzip data are decompressed this many bytes at a time, which bounds the
# temporary buffers of the gzip module.
_READ_CHUNK_BYTES = 2**20

# Errors of the gzip module on corrupt or truncated data (BadGzipFile is an
# OSError; other OSErrors, from the disk, are not caught).
_GZIP_ERRORS = (gzip.BadGzipFile, EOFError, zlib.error)


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
    expand data) and at most 16 GiB (decompress larger files first).

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
    most 16 GiB. FIFOs, devices and sockets are refused before anything is
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


def _open_regular_file(path):
    """``path`` opened for binary reading, or ValueError if it is not a regular
    file.

    A FIFO would block the open or the read forever and ``/dev/zero`` never
    ends, so the kind of file is checked before opening (``O_NONBLOCK`` keeps
    a FIFO swapped in meanwhile from blocking) and again on the opened
    descriptor, which is the file actually read.
    """
    _check_regular(path, os.stat(path).st_mode)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    descriptor = os.open(path, flags)
    try:
        _check_regular(path, os.fstat(descriptor).st_mode)
    except BaseException:
        os.close(descriptor)
        raise
    return open(descriptor, "rb")


def _check_regular(path, mode):
    """ValueError naming ``path`` unless ``mode`` is a regular file's."""
    if stat.S_ISREG(mode):
        return
    kinds = [
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ]
    kind = next((name for test, name in kinds if test(mode)), "not a regular file")
    raise ValueError(
        f"{path}: {kind}, not a regular file; skmlp reads data sets only from "
        "regular files."
    )


@contextlib.contextmanager
def _decompressed(file):
    """``(stream, compressed)``: the file's content, decompressed as a stream
    if the file is gzip (recognised from its content, not its name)."""
    compressed = file.read(2) == _GZIP_MAGIC
    file.seek(0)
    if not compressed:
        yield file, False
        return
    with gzip.GzipFile(fileobj=file, mode="rb") as stream:
        yield stream, True


def _gzip_error(name, exc):
    return ValueError(f"{name}: corrupt or truncated gzip data ({exc}).")


def _read_up_to(stream, size, name):
    """At most ``size`` bytes from ``stream`` (fewer only at its end)."""
    try:
        return stream.read(size)
    except _GZIP_ERRORS as exc:
        raise _gzip_error(name, exc) from exc


def _read_into(stream, buffer, name):
    """Fill the uint8 array ``buffer`` from ``stream``; the bytes read (fewer
    than its size only if the stream ends first)."""
    n_read = 0
    while n_read < buffer.size:
        chunk = buffer[n_read : n_read + _READ_CHUNK_BYTES]
        try:
            n_chunk = stream.readinto(chunk)
        except _GZIP_ERRORS as exc:
            raise _gzip_error(name, exc) from exc
        if not n_chunk:
            break
        n_read += n_chunk
    return n_read


# --------------------------------------------------------------------- IDX


def _read_idx(path):
    """The array in the IDX file at ``path``, in native byte order."""
    with _open_regular_file(path) as file:
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
    with _decompressed(file) as (stream, compressed):
        shape, dtype, header_size = _read_idx_header(stream, name)
        n_items = math.prod(shape)  # Python ints: a corrupt header cannot overflow
        expected_size = header_size + n_items * dtype.itemsize
        declared = (
            f"the header declares shape {shape} of {dtype.itemsize}-byte items, "
            f"{expected_size} bytes in all"
        )
        _check_declared_size(name, declared, expected_size, file_size, compressed)
        array = np.empty(n_items, dtype=dtype)
        n_read = _read_into(stream, array.view(np.uint8), name)
        if n_read < array.nbytes:
            raise ValueError(
                f"{name}: truncated IDX file: {declared}, but the file holds "
                f"{header_size + n_read} bytes (after decompression)."
            )
        if _read_up_to(stream, 1, name):
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
    magic = _read_up_to(stream, 4, name)
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
    if n_dims > _MAX_IDX_DIMS:
        raise ValueError(
            f"{name}: the IDX header declares {n_dims} dimensions; skmlp reads "
            f"at most {_MAX_IDX_DIMS}."
        )
    sizes = _read_up_to(stream, 4 * n_dims, name)
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
    if expected_size > file_size * _DEFLATE_MAX_RATIO:
        raise ValueError(
            f"{name}: corrupt IDX file: {declared}, more than the {file_size} "
            f"bytes of gzip data can hold (gzip expands data at most "
            f"{_DEFLATE_MAX_RATIO} times)."
        )
    if expected_size > _MAX_DECOMPRESSED_BYTES:
        raise ValueError(
            f"{name}: {declared}, more than the {_MAX_DECOMPRESSED_BYTES} bytes "
            "skmlp decompresses from one file; decompress it first (gunzip), "
            "then load the uncompressed file."
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
#
# A data pickle is read by _ArrayUnpickler, which never lets the file reach
# NumPy's or Python's own reconstruction code: the few globals it allows are
# stand-ins that check their arguments and build plain arrays of numbers, and
# only the opcodes needed for numbers, strings, tuples, lists and those calls
# are run. (NumPy's own dtype.__setstate__ would let a pickle mark a float
# dtype as holding object pointers; CPython's C unpickler lets a 9-byte
# LONG_BINPUT allocate gigabytes: hence the pure-Python unpickler, whose memo
# is a dict, and the stand-ins.)

# Opcodes run beyond this are refused: a pickle of six arrays needs about a
# hundred, and the pure-Python unpickler spends about a microsecond on each.
_MAX_PICKLE_OPCODES = 100_000

# The dtypes a data pickle may hold: booleans, integers and floats.
_PICKLE_DTYPES = frozenset(
    ["b1", "i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8", "f2", "f4", "f8"]
)


class _Refused(Exception):
    """A data pickle refused; the caller adds the file's name to the message."""


class _LimitedReader:
    """The content of a data pickle, read as a stream that refuses to go past
    ``limit`` bytes, so that no length in the pickle can make it allocate
    more than the file can hold."""

    def __init__(self, stream, limit, what):
        self._stream = stream
        self._remaining = limit
        self._what = what

    def read(self, size=-1):
        if size < 0 or size > self._remaining:
            raise _Refused(
                f"truncated or corrupt pickle: it reads past the end of {self._what}"
            )
        data = self._call(self._stream.read, size)
        self._remaining -= len(data)
        return data

    def readline(self):
        line = self._call(self._stream.readline, self._remaining)
        self._remaining -= len(line)
        return line

    def at_end(self):
        """Whether the stream is over (for gzip, this checks its CRC)."""
        return not self._call(self._stream.read, 1)

    @staticmethod
    def _call(method, size):
        try:
            return method(size)
        except _GZIP_ERRORS as exc:
            raise _Refused(f"corrupt or truncated gzip data ({exc})") from exc


class _PickledDtype:
    """A dtype as a data pickle describes it: a plain number type."""

    __slots__ = ("dtype", "_has_state")

    def __init__(self, dtype):
        self.dtype = dtype
        self._has_state = False

    def set_state(self, state):
        # NumPy's dtype state: (version, byteorder, subdtype, names, fields,
        # elsize, alignment, flags); a plain number type has these defaults.
        if (
            self._has_state
            or not isinstance(state, tuple)
            or len(state) != 8
            or state[1] not in ("<", ">", "|", "=")
            or state[2:] != (None, None, None, -1, -1, 0)
        ):
            raise _Refused(
                f"the state of dtype {self.dtype.str[1:]!r} is not a plain "
                "number type's"
            )
        if state[1] in "<>":
            self.dtype = self.dtype.newbyteorder(state[1])
        self._has_state = True


class _PickledArray:
    """An array of numbers as a data pickle describes it; ``array`` is None
    until its state has been set."""

    __slots__ = ("array",)

    def __init__(self, array=None):
        self.array = array

    def set_state(self, state):
        # NumPy's ndarray state: (version, shape, dtype, is_fortran, data),
        # or the same without the version (version 0).
        if isinstance(state, tuple) and len(state) == 5:
            state = state[1:]
        if self.array is not None or not isinstance(state, tuple) or len(state) != 4:
            raise _Refused("an array's state is not NumPy's")
        shape, dtype, is_fortran, data = state
        if is_fortran not in (0, 1):
            raise _Refused("an array's state is not NumPy's")
        self.array = _array_from_bytes(data, dtype, shape, "F" if is_fortran else "C")


def _array_from_bytes(data, dtype, shape, order):
    """A new writable array of ``shape`` from the bytes of a data pickle, or
    _Refused if they do not describe one."""
    if not isinstance(dtype, _PickledDtype):
        raise _Refused(f"an array's dtype is {_summary(dtype)}")
    if not (
        isinstance(shape, tuple)
        and len(shape) <= _MAX_IDX_DIMS
        and all(type(n) is int and n >= 0 for n in shape)
    ):
        raise _Refused(f"an array's shape is not a tuple of sizes: {_summary(shape)}")
    if not isinstance(data, (str, bytes, bytearray)) or order not in ("C", "F"):
        raise _Refused(f"an array's data are {_summary(data)}, not bytes")
    n_bytes = math.prod(shape) * dtype.dtype.itemsize
    if len(data) != n_bytes:
        raise _Refused(
            f"an array of shape {shape} and dtype {dtype.dtype.str[1:]!r} needs "
            f"{n_bytes} bytes of data; the pickle gives {len(data)}"
        )
    # Python 2 wrote the data as str, which encoding="latin1" decodes one
    # character per byte; a bytearray makes the array writable.
    buffer = bytearray(data, "latin1") if isinstance(data, str) else bytearray(data)
    return np.frombuffer(buffer, dtype=dtype.dtype).reshape(shape, order=order)


class _PickledNdarrayClass:
    """Stands for numpy.ndarray, which a data pickle names as the class of
    each array it rebuilds."""

    __slots__ = ()


_NDARRAY_CLASS = _PickledNdarrayClass()


def _reconstruct(subtype, shape, typecode):
    """Stands for numpy's ``_reconstruct(ndarray, (0,), b"b")``: an array whose
    state (shape, dtype, data) the pickle sets next, with BUILD."""
    if subtype is not _NDARRAY_CLASS:
        raise _Refused(f"numpy's _reconstruct is asked for {_summary(subtype)}")
    return _PickledArray()


def _frombuffer(buffer, dtype, shape, order):
    """Stands for numpy's ``_frombuffer``, which pickle protocol 5 uses."""
    return _PickledArray(_array_from_bytes(buffer, dtype, shape, order))


def _dtype(code, align=False, copy=True):
    """Stands for ``numpy.dtype(code, align, copy)``, for number types only."""
    if not isinstance(code, str) or code not in _PICKLE_DTYPES:
        raise _Refused(
            f"the pickle asks for dtype {code!r:.40}; a data pickle holds only "
            "booleans, integers and floats"
        )
    return _PickledDtype(np.dtype(code))


def _latin1_encode(text, encoding):
    """Stands for ``_codecs.encode(text, "latin1")``: how Python 3 writes
    bytes (an array's data) in pickle protocols 0 to 2."""
    if not isinstance(text, str) or encoding != "latin1":
        raise _Refused("the pickle calls _codecs.encode other than for latin-1 text")
    return text.encode("latin1")


def _empty_bytes(*args):
    """Stands for ``bytes()``: how Python 3 writes ``b""`` in protocols 0 to 2."""
    if args:
        raise _Refused("the pickle calls bytes() with arguments")
    return b""


# The only globals a data pickle may name, as (module, name), and the
# stand-ins that replace them. NumPy wrote numpy.core before NumPy 2.
_PICKLE_GLOBALS = {
    ("numpy", "ndarray"): _NDARRAY_CLASS,
    ("numpy", "dtype"): _dtype,
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy.core.numeric", "_frombuffer"): _frombuffer,
    ("numpy._core.numeric", "_frombuffer"): _frombuffer,
    ("_codecs", "encode"): _latin1_encode,
    ("__builtin__", "bytes"): _empty_bytes,
}

# The opcodes a data pickle may use: numbers, strings, bytes, tuples, lists,
# the memo, globals, calls and BUILD. Refused: dictionaries and sets (ints
# that collide in a hash table make them quadratic), instance creation
# (INST, OBJ, NEWOBJ), extensions, persistent IDs and out-of-band buffers.
_PICKLE_OPCODES = frozenset(
    """PROTO FRAME STOP MARK POP POP_MARK DUP NONE NEWTRUE NEWFALSE INT BININT
    BININT1 BININT2 LONG LONG1 LONG4 FLOAT BINFLOAT STRING BINSTRING
    SHORT_BINSTRING BINBYTES SHORT_BINBYTES BINBYTES8 BYTEARRAY8 UNICODE
    BINUNICODE SHORT_BINUNICODE BINUNICODE8 EMPTY_TUPLE TUPLE TUPLE1 TUPLE2
    TUPLE3 EMPTY_LIST LIST APPEND APPENDS GET BINGET LONG_BINGET PUT BINPUT
    LONG_BINPUT MEMOIZE GLOBAL STACK_GLOBAL REDUCE BUILD""".split()
)


class _ArrayUnpickler(pickle._Unpickler):
    """An unpickler that builds arrays of numbers, tuples and lists only.

    It runs the allowed opcodes of Python's pure-Python unpickler, at most
    ``_MAX_PICKLE_OPCODES`` of them, and replaces the globals of
    ``_PICKLE_GLOBALS`` by their stand-ins; anything else raises _Refused.
    """

    def __init__(self, file):
        # The tutorials' file was written by Python 2: its strings (the
        # arrays' data among them) need latin1 to unpickle in Python 3.
        super().__init__(file, encoding="latin1")
        self._n_opcodes = 0

    def find_class(self, module, name):
        try:
            return _PICKLE_GLOBALS[module, name]
        except (KeyError, TypeError):
            raise _Refused(
                f"refused to load {module}.{name}: a data pickle may only build "
                "NumPy arrays of numbers in tuples and lists, so skmlp never "
                "calls anything else it names"
            ) from None

    def _count_opcode(self):
        self._n_opcodes += 1
        if self._n_opcodes > _MAX_PICKLE_OPCODES:
            raise _Refused(
                f"the pickle runs more than {_MAX_PICKLE_OPCODES} opcodes; one "
                "of arrays needs about a hundred"
            )

    def _load_build(self):
        state = self.stack.pop()
        target = self.stack[-1]
        if not isinstance(target, (_PickledArray, _PickledDtype)):
            raise _Refused(f"the pickle sets the state of {_summary(target)}")
        target.set_state(state)

    def _load_bytearray8(self):
        # As pickle's own, but read before allocating: self.read refuses a
        # size the file cannot hold, where bytearray(size) would zero it all.
        (size,) = struct.unpack("<Q", self.read(8))
        self.append(bytearray(self.read(size)))


def _counted(load):
    def counted_load(self):
        self._count_opcode()
        load(self)

    return counted_load


def _refuse(opcode_name):
    def refuse(self):
        raise _Refused(
            f"the pickle uses opcode {opcode_name}, which a data pickle of arrays "
            "never needs"
        )

    return refuse


def _array_dispatch():
    """The dispatch table of _ArrayUnpickler: pickle's own for the allowed
    opcodes, counted, and a refusal for every other opcode."""
    overrides = {
        "BUILD": _ArrayUnpickler._load_build,
        "BYTEARRAY8": _ArrayUnpickler._load_bytearray8,
    }
    dispatch = {}
    for opcode in pickletools.opcodes:
        key = opcode.code.encode("latin1")[0]
        if opcode.name not in _PICKLE_OPCODES:
            dispatch[key] = _refuse(opcode.name)
        else:
            dispatch[key] = _counted(
                overrides.get(opcode.name, pickle._Unpickler.dispatch[key])
            )
    return dispatch


_ArrayUnpickler.dispatch = _array_dispatch()


def _load_pickle(path, subset):
    """Scaled images (n x 28 x 28), int64 labels and [path], for ``subset``."""
    with _open_regular_file(path) as file:
        splits = _read_pickle_file(file, os.fstat(file.fileno()).st_size, path)
    names = ["train", "valid", "test"] if subset == "all" else [subset]
    chosen = [splits[_PICKLE_SPLITS[name]] for name in names]
    data = _concatenate([X for X, _ in chosen], np.float32)
    target = _concatenate([y for _, y in chosen], np.int64)
    side = _image_side(data.shape[1])
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
    with _decompressed(file) as (stream, compressed):
        reader = _LimitedReader(stream, *_content_limit(file_size, compressed))
        try:
            splits = _ArrayUnpickler(reader).load()
            if not reader.at_end():
                raise _Refused("unexpected data after the end of the pickle")
        except _Refused as exc:
            raise ValueError(f"{name}: {exc}.") from None
        except Exception as exc:  # a corrupt pickle can fail in many ways
            raise ValueError(
                f"{name}: not a readable pickle ({type(exc).__name__}: {exc}). "
                "load_mnist reads a folder of IDX files or an mnist.pkl.gz "
                "pickle; use load_idx to read a single IDX file."
            ) from exc
    return _check_pickle_layout(name, splits)


def _content_limit(file_size, compressed):
    """``(limit, what)``: the most bytes a file's content can hold, and how
    to name that limit in an error message."""
    if not compressed:
        return file_size, f"the {file_size}-byte file"
    if file_size * _DEFLATE_MAX_RATIO <= _MAX_DECOMPRESSED_BYTES:
        limit = file_size * _DEFLATE_MAX_RATIO
        return limit, (
            f"the {limit} bytes that {file_size} bytes of gzip data can hold at most"
        )
    return _MAX_DECOMPRESSED_BYTES, (
        f"the {_MAX_DECOMPRESSED_BYTES} bytes skmlp decompresses from one file"
    )


def _concatenate(arrays, dtype):
    """The arrays stacked as one C-contiguous array of ``dtype``, copying only
    when needed (a single split of the right type is returned as is)."""
    if len(arrays) == 1:
        return np.ascontiguousarray(arrays[0], dtype=dtype)
    return np.concatenate(arrays).astype(dtype, copy=False)


def _image_side(n_pixels):
    """Side of a square image of ``n_pixels`` pixels, or None if there is none."""
    side = int(round(np.sqrt(n_pixels)))
    return side if side * side == n_pixels else None


def _check_pickle_layout(path, splits):
    """The pickle's three (X, y) pairs as arrays, or ValueError on another layout."""
    layout = (
        "((train_X, train_y), (valid_X, valid_y), (test_X, test_y)) with X of "
        "shape (n_samples, n_pixels) in [0, 1] and y of shape (n_samples,)"
    )
    if not isinstance(splits, (tuple, list)) or len(splits) != 3:
        raise ValueError(
            f"{path}: expected a pickle of {layout}; got {_summary(splits)}."
        )
    checked = []
    for name, pair in zip(_PICKLE_SPLITS, splits, strict=True):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ValueError(
                f"{path}: expected a pickle of {layout}; the {name} split is "
                f"{_summary(pair)}."
            )
        X, y = _unpickled_array(pair[0]), _unpickled_array(pair[1])
        if X is None or y is None:
            what = "X" if X is None else "y"
            raise ValueError(
                f"{path}: expected a pickle of {layout}; in the {name} split, "
                f"{what} is {_summary(pair[0] if X is None else pair[1])}, not "
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


def _unpickled_array(obj):
    """The array an unpickled object stands for, or None if it is no array.

    Lists of numbers are not arrays here: they can hold the same object many
    times over (through the pickle's memo), which np.asarray would multiply.
    """
    return obj.array if isinstance(obj, _PickledArray) else None


def _pickle_split_problem(X, y):
    """What is wrong with one (X, y) split of the pickle, or None."""
    if X.ndim != 2 or X.dtype.kind not in "fiu":
        return f"X is a {X.ndim}-D array of {X.dtype}, not a 2-D numeric array"
    if y.ndim != 1 or y.dtype.kind not in "iu":
        return f"y is a {y.ndim}-D array of {y.dtype}, not a 1-D integer array"
    if X.shape[0] != y.shape[0]:
        return f"X has {X.shape[0]} rows but y has {y.shape[0]} labels"
    if not X.shape[1] or _image_side(X.shape[1]) is None:
        return f"X has {X.shape[1]} columns, not the pixels of a square image"
    if X.size and not (X.min() >= 0 and X.max() <= 1):
        return f"pixel values span [{X.min()}, {X.max()}], not [0, 1]"
    return None


def _summary(obj):
    """A short description of an unpickled object for error messages."""
    if isinstance(obj, (tuple, list)):
        return f"a {type(obj).__name__} of length {len(obj)}"
    if isinstance(obj, np.ndarray):
        return f"an array of shape {obj.shape}"
    if isinstance(obj, _PickledArray):
        if obj.array is None:
            return "an array without data"
        return f"an array of shape {obj.array.shape}"
    if isinstance(obj, _PickledDtype):
        return f"the dtype {obj.dtype.str[1:]!r}"
    if obj is _NDARRAY_CLASS:
        return "the class numpy.ndarray"
    if callable(obj):
        return "a function"
    return f"an object of type {type(obj).__name__}"


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
