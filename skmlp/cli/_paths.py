"""File-system checks made before a command reads or works."""

import errno
import os
import stat
import tempfile

from .._atomic_files import check_target
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


def check_writable_target(path, doing, what):
    """Fail before the work, not after, when a file cannot be written at
    ``path``: a link, a folder or a special file there (never followed nor
    replaced), a missing or unwritable folder. ``doing`` and ``what`` word
    the message: ``cannot {doing} {path}: ...``, ``cannot write {what}: ...``.
    """
    try:
        check_target(path)
    except ValueError as exc:
        raise CommandError(f"cannot {doing} {exc}") from None
    except OSError as exc:
        raise CommandError(f"cannot {doing} {path}: {exc.strerror}") from None
    folder = path.parent
    if not folder.is_dir():
        raise CommandError(f"cannot {doing} {path}: folder {folder} does not exist")
    check_writable_folder(folder, what)


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
            f"cannot write {what}: no file can be created in folder {folder} "
            f"({failure_reason(exc)})"
        ) from None
    os.close(descriptor)
    os.unlink(probe)


def check_output_folder(folder, option, what):
    """Fail now, not after the work, when ``option`` cannot write into ``folder``.

    ``folder`` need not exist: it is created when its first file is written,
    not here, so that a command that fails or is interrupted leaves no empty
    folder behind. It must then be creatable in the nearest folder above it
    that exists. Each message says which of these went wrong: the path is
    not a folder, a link on the way leads nowhere, the folder does not exist
    and cannot be created, or it exists and takes no new files.
    """
    for candidate in (folder, *folder.parents):
        if candidate.is_symlink() and not candidate.exists():
            raise CommandError(
                f"cannot write {what}: {candidate} is a link to "
                f"{os.readlink(candidate)}, which does not exist"
            )
    if folder.exists():
        if not folder.is_dir():
            raise CommandError(f"{option} {folder}: exists and is not a folder")
        check_writable_folder(folder, what)
        return
    parent = nearest_existing_folder(folder)
    try:
        descriptor, probe = tempfile.mkstemp(dir=parent, prefix=".skmlp-probe-")
    except OSError as exc:
        raise CommandError(
            f"cannot write {what}: folder {folder} does not exist and cannot be "
            f"created in {parent} ({failure_reason(exc)})"
        ) from None
    os.close(descriptor)
    os.unlink(probe)


def failure_reason(exc):
    """Why creating a file failed, in words that fit the failure.

    Creating a file in an existing folder fails with "No such file or
    directory" where the file system takes no new files at all (``/proc``,
    ``/sys``): said as such, so that a message about an existing folder
    never reads as if the folder were missing.
    """
    if exc.errno == errno.ENOENT:
        return "its file system takes no new files"
    return exc.strerror or str(exc)


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
