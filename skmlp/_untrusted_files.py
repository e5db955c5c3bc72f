"""Reading files that may have been written to break skmlp: one policy.

Every reader of skmlp (the data sets of :mod:`skmlp.datasets`, the images of
:mod:`skmlp._images`, the model files of the command line) opens, decompresses
and sizes its files here, under one policy:

- **Regular files only.** A FIFO blocks a reader forever and ``/dev/zero``
  never ends: the kind of file is checked before opening (``O_NONBLOCK``
  keeps a FIFO swapped in meanwhile from blocking) and again on the opened
  descriptor, which is the file actually read (:func:`open_regular_file`).
- **Bounded decompression.** No file is decompressed past
  :data:`MAX_DECOMPRESSED_BYTES` (4 GiB), nor past
  :data:`DEFLATE_MAX_RATIO` (1032) times its compressed size, the most
  DEFLATE can expand data; larger data sets can still be read once
  decompressed (``gunzip``), since an uncompressed file's size is known
  before reading (:func:`check_decompressed_size`, :func:`content_limit`).
- **Declared sizes first.** A size a header declares is checked against
  these bounds, and against what the file can hold, before any memory is
  spent on it; a stream then stops at the declared size
  (:class:`BoundedReader`, :func:`read_into`).

Errors are ``ValueError`` naming the file; errors of the disk (``OSError``)
pass through.
"""

import contextlib
import gzip
import os
import stat
import zipfile
import zlib

__all__ = [
    "DEFLATE_MAX_RATIO",
    "GZIP_ERRORS",
    "MAX_ARRAY_DIMS",
    "MAX_DECOMPRESSED_BYTES",
    "BoundedReader",
    "check_decompressed_size",
    "check_zip_content",
    "content_limit",
    "file_kind",
    "gzip_stream",
    "open_regular_file",
    "read_into",
    "read_up_to",
]

#: The most skmlp decompresses from any one file, in bytes: 4 GiB (full
#: MNIST is 55 MB decompressed, the largest skmlp models about 100 MB).
MAX_DECOMPRESSED_BYTES = 4 * 2**30

#: Most dimensions of an array a file may declare (NumPy 1.x's limit; NumPy
#: 2 allows 64).
MAX_ARRAY_DIMS = 32

#: DEFLATE cannot expand data by more than about 1032:1 (a 258-byte match
#: costs at least 2 bits): compressed data never hold more than this many
#: times their size, whatever a header claims.
DEFLATE_MAX_RATIO = 1032

# Streams are read this many bytes at a time, which bounds the temporary
# buffers of the gzip module.
_READ_CHUNK_BYTES = 2**20

_GZIP_MAGIC = b"\x1f\x8b"

#: Errors of the gzip module on corrupt or truncated data (BadGzipFile is an
#: OSError; other OSErrors, from the disk, are not among them).
GZIP_ERRORS = (gzip.BadGzipFile, EOFError, zlib.error)

# What a file that is not a regular one is, by the test of its mode.
_KINDS = (
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


# ------------------------------------------------------------------ opening


def open_regular_file(path, what="files"):
    """``path`` opened for binary reading, if it is a regular file.

    Parameters
    ----------
    path : str or path-like
        The file.
    what : str, default="files"
        What the caller reads (``"data sets"``, ``"images"``), for the
        message.

    Returns
    -------
    file : binary file object
        Opened without blocking, positioned at the start.

    Raises
    ------
    ValueError
        If ``path`` is a folder, a FIFO, a device or a socket, before or
        after it is opened.
    OSError
        If it cannot be opened (missing, permission denied).
    """
    check_regular(path, os.stat(path).st_mode, what)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    descriptor = os.open(path, flags)
    try:
        check_regular(path, os.fstat(descriptor).st_mode, what)
    except BaseException:
        os.close(descriptor)
        raise
    return open(descriptor, "rb")


def check_regular(path, mode, what="files"):
    """Raise ValueError naming ``path`` unless ``mode`` is a regular file's.

    Parameters
    ----------
    path : str or path-like
        The file, for the message.
    mode : int
        Its ``st_mode``.
    what : str, default="files"
        What the caller reads, for the message.
    """
    if stat.S_ISREG(mode):
        return
    kind = file_kind(mode)
    raise ValueError(
        f"{path}: {kind}, not a regular file; skmlp reads {what} only from "
        "regular files."
    )


def file_kind(mode):
    """What a file of ``st_mode`` ``mode`` is, for a message: ``"a regular
    file"``, ``"a folder"``, ``"a FIFO (named pipe)"``, ``"a character
    device"``, ``"a block device"``, ``"a socket"``, ``"a symbolic link"`` (of
    an ``lstat``) or ``"a special file"``; the one naming skmlp's readers and
    writers use."""
    if stat.S_ISREG(mode):
        return "a regular file"
    return next((name for test, name in _KINDS if test(mode)), "a special file")


# ------------------------------------------------------------- decompression


@contextlib.contextmanager
def gzip_stream(file):
    """``(stream, compressed)``: the content of ``file``, decompressed as a
    stream if it is gzip (recognised from the content, not the name).

    Parameters
    ----------
    file : binary file object
        Seekable, positioned at its start.
    """
    compressed = file.read(2) == _GZIP_MAGIC
    file.seek(0)
    if not compressed:
        yield file, False
        return
    with gzip.GzipFile(fileobj=file, mode="rb") as stream:
        yield stream, True


def content_limit(file_size, compressed):
    """The most bytes a file's content may hold, and how to name that limit.

    Parameters
    ----------
    file_size : int
        The file's size in bytes.
    compressed : bool
        Whether its content is DEFLATE-compressed.

    Returns
    -------
    limit : int
        ``file_size`` for a plain file; else the least of
        :data:`DEFLATE_MAX_RATIO` times it and :data:`MAX_DECOMPRESSED_BYTES`.
    what : str
        That limit in words, for a message (``"the 1032 bytes that 1 bytes of
        gzip data can hold at most"``).
    """
    if not compressed:
        return file_size, f"the {file_size}-byte file"
    if file_size * DEFLATE_MAX_RATIO <= MAX_DECOMPRESSED_BYTES:
        limit = file_size * DEFLATE_MAX_RATIO
        return limit, (
            f"the {limit} bytes that {file_size} bytes of gzip data can hold at most"
        )
    return MAX_DECOMPRESSED_BYTES, (
        f"the {MAX_DECOMPRESSED_BYTES} bytes skmlp decompresses from one file"
    )


def check_decompressed_size(
    name, declared, size, compressed_size, *, kind="file", compression="gzip", hint=""
):
    """Raise ValueError unless ``size`` bytes may come out of
    ``compressed_size`` bytes of DEFLATE data under skmlp's policy.

    Parameters
    ----------
    name : str or path-like
        The file, for the message.
    declared : str
        What declares the size, for the message (``"the header declares shape
        (2, 3) of 1-byte items, 22 bytes in all"``).
    size : int
        The decompressed size declared, in bytes.
    compressed_size : int
        The size of the compressed data, in bytes.
    kind : str, default="file"
        What the file is, for the message (``"IDX file"``).
    compression : str, default="gzip"
        The container of the compressed data, for the message (``"zip"``).
    hint : str, default=""
        What to do about a file over :data:`MAX_DECOMPRESSED_BYTES`, appended
        to that message.
    """
    if size > compressed_size * DEFLATE_MAX_RATIO:
        raise ValueError(
            f"{name}: corrupt {kind}: {declared}, more than the {compressed_size} "
            f"bytes of {compression} data can hold (DEFLATE expands data at most "
            f"{DEFLATE_MAX_RATIO} times)."
        )
    if size > MAX_DECOMPRESSED_BYTES:
        raise ValueError(
            f"{name}: {declared}, more than the {MAX_DECOMPRESSED_BYTES} bytes "
            f"skmlp decompresses from one file ({MAX_DECOMPRESSED_BYTES / 2**30:g} "
            f"GiB).{hint}"
        )


def check_zip_content(file, name):
    """Raise ValueError unless a zip's members, as its central directory
    declares them, may be decompressed under skmlp's policy.

    Only the directory is read. Python's :mod:`zipfile` stops each member at
    the size declared there, so checking the declared sizes bounds what any
    reader of the archive decompresses: a zip bomb is refused unread.

    Parameters
    ----------
    file : str, path-like or binary file object
        The zip (a file object must be seekable).
    name : str or path-like
        The file, for the messages.

    Returns
    -------
    size : int
        The declared size of all members, decompressed, in bytes.
    """
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise ValueError(f"{name}: not a readable zip file ({exc}).") from None
    total = sum(member.file_size for member in members)
    compressed = sum(member.compress_size for member in members)
    declared = (
        f"its contents would take {total / 2**30:.1f} GiB once decompressed "
        f"({total} bytes)"
    )
    check_decompressed_size(
        name, declared, total, max(compressed, 1), kind="zip file", compression="zip"
    )
    return total


# ------------------------------------------------------------------ streams


def read_up_to(stream, size, name):
    """At most ``size`` bytes from ``stream`` (fewer only at its end);
    ValueError naming ``name`` on corrupt gzip data."""
    try:
        return stream.read(size)
    except GZIP_ERRORS as exc:
        raise _gzip_error(name, exc) from exc


def read_into(stream, buffer, name):
    """Fill the uint8 array ``buffer`` from ``stream``, a chunk at a time.

    Returns
    -------
    n_read : int
        The bytes read: fewer than ``buffer.size`` only if the stream ends
        first.
    """
    n_read = 0
    while n_read < buffer.size:
        chunk = buffer[n_read : n_read + _READ_CHUNK_BYTES]
        try:
            n_chunk = stream.readinto(chunk)
        except GZIP_ERRORS as exc:
            raise _gzip_error(name, exc) from exc
        if not n_chunk:
            break
        n_read += n_chunk
    return n_read


def _gzip_error(name, exc):
    return ValueError(f"{name}: corrupt or truncated gzip data ({exc}).")


class BoundedReader:
    """A stream that refuses to be read past ``limit`` bytes.

    A reader that takes lengths from the file (a pickle's) reads through it,
    so that no length can make it allocate more than the file can hold.

    Parameters
    ----------
    stream : binary file object
        The content (decompressed, if it was compressed).
    limit : int
        The most bytes it may hold (see :func:`content_limit`).
    what : str
        That limit in words, for the message.
    error : type of Exception, default=ValueError
        Raised, with a message without the file's name, when a read would
        go past the limit or the gzip data are corrupt.
    kind : str, default="data"
        What the stream holds, for the message.
    """

    def __init__(self, stream, limit, what, error=ValueError, kind="data"):
        self._stream = stream
        self._remaining = limit
        self._what = what
        self._error = error
        self._kind = kind

    def read(self, size=-1):
        """``size`` bytes (fewer only at the stream's end); the error when
        ``size`` is negative or goes past the limit."""
        if size < 0 or size > self._remaining:
            raise self._error(
                f"truncated or corrupt {self._kind}: it reads past the end of "
                f"{self._what}"
            )
        data = self._call(self._stream.read, size)
        self._remaining -= len(data)
        return data

    def readline(self):
        """One line, read no further than the limit."""
        line = self._call(self._stream.readline, self._remaining)
        self._remaining -= len(line)
        return line

    def at_end(self):
        """Whether the stream is over (for gzip, this checks its CRC)."""
        return not self._call(self._stream.read, 1)

    def _call(self, method, size):
        try:
            return method(size)
        except GZIP_ERRORS as exc:
            raise self._error(f"corrupt or truncated gzip data ({exc})") from exc
