"""Writing files so that nothing already at the path is followed or clobbered.

Every file skmlp writes (a model's ``--save``, the pictures of
``predict --show``, the ``--plots``) goes through :func:`write_atomically`:

- the path is refused first when something other than a regular file is
  there: a folder, a FIFO, a device, or a symbolic link, even one to a
  regular file (a link planted in a shared folder would otherwise make skmlp
  overwrite whatever it points to);
- the content goes to a new temporary file in the same folder, created with
  ``O_CREAT | O_EXCL`` (:func:`tempfile.mkstemp`), which never opens an
  existing file or follows a link;
- once complete, flushed and synced to disk, it is moved into place with
  :func:`os.replace`, which replaces the folder's entry: a link that appeared
  there meanwhile is replaced, never written through, and a file that was
  there keeps its content for anyone who holds it open or links to it.

A failed or interrupted write removes its temporary file and leaves the path
as it was: a file of skmlp's is never half-written.
"""

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from ._untrusted_files import file_kind

__all__ = ["check_target", "write_atomically"]


def check_target(path):
    """Raise ValueError naming ``path`` unless it is free or a regular file.

    The path itself is examined, not what a link there points to
    (``os.lstat``).

    Parameters
    ----------
    path : str or path-like
        Where a file is to be written.

    Returns
    -------
    mode : int or None
        The permission bits of the regular file there, or None if there is
        none.

    Raises
    ------
    ValueError
        If a symbolic link, a folder or another special file is there.
    OSError
        If the path cannot be examined (permission denied, a parent that is
        not a folder).
    """
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    if stat.S_ISREG(mode):
        return stat.S_IMODE(mode)
    kind = file_kind(mode)
    reason = (
        "skmlp never writes through a link nor replaces one"
        if stat.S_ISLNK(mode)
        else "skmlp writes only regular files"
    )
    raise ValueError(f"{path}: it is {kind}; {reason}")


@contextlib.contextmanager
def write_atomically(path):
    """A binary file to fill; on success it replaces ``path`` atomically.

    Parameters
    ----------
    path : str or path-like
        The file to write. Its folder must exist.

    Yields
    ------
    file : binary file object
        A new temporary file in the folder of ``path``.

    Raises
    ------
    ValueError
        Before anything is written, if a symbolic link, a folder or another
        special file is at ``path`` (see :func:`check_target`).
    OSError
        If the temporary file cannot be created, written or moved; the path
        is left as it was.

    Notes
    -----
    The new file gets the permissions ``open(path, "w")`` would give it:
    those of the regular file it replaces, else ``0o666`` less the umask
    (:func:`tempfile.mkstemp` alone gives ``0o600``).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from skmlp._atomic_files import write_atomically
    >>> target = Path(tempfile.mkdtemp()) / "picture.png"
    >>> with write_atomically(target) as file:
    ...     _ = file.write(b"...")
    >>> target.read_bytes()
    b'...'
    """
    path = Path(path)
    mode = check_target(path)
    if mode is None:
        mode = 0o666 & ~_umask()
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "wb") as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
            os.fchmod(file.fileno(), mode)
        os.replace(temporary, path)
    except BaseException:  # interrupted too: remove the partial file
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _umask():
    """The process's umask (read by setting it, then restoring it)."""
    umask = os.umask(0)
    os.umask(umask)
    return umask
