"""File-system checks made before a command reads or works."""

import os
import stat
import tempfile

from .._untrusted_files import file_kind
from ._errors import CommandError


def refuse_special_file(path, what):
    """Refuse ``path`` if it exists but is neither a regular file nor a folder.

    A FIFO, a device (``/dev/zero``) or a socket can block a reader forever
    or never end, so it is refused before anything opens it. A missing path
    is left to the reader, whose message names what it looked for.
    """
    try:
        mode = path.stat().st_mode  # follows symbolic links, never blocks
    except FileNotFoundError:
        return
    except OSError as exc:
        raise CommandError(f"{what} {path}: {exc.strerror}") from None
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise CommandError(
            f"{what} {path} is {file_kind(mode)}, not a regular file or a folder"
        )


def check_writable_folder(folder, what):
    """Fail now, not after training, if no file can be created in ``folder``.

    The only reliable test is to try: permissions, read-only file systems,
    quotas and access control lists all have their say. A probe file is
    created and removed at once.
    """
    try:
        descriptor, probe = tempfile.mkstemp(dir=folder, prefix=".skmlp-probe-")
    except OSError as exc:
        raise CommandError(
            f"cannot write {what}: folder {folder} is not writable ({exc.strerror})"
        ) from None
    os.close(descriptor)
    os.unlink(probe)


def nearest_existing_folder(path):
    """The first of ``path`` and its parents that exists, or a CommandError
    if that is not a folder (``path`` can then never be created)."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            if not candidate.is_dir():
                raise CommandError(f"cannot create {path}: {candidate} is not a folder")
            return candidate
    # Not reached: the last parent, '.' or '/', always exists.
    raise CommandError(f"cannot create {path}: none of its parents exists")
