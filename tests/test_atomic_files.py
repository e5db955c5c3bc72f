"""skmlp._atomic_files: files written so that nothing already at the path
is followed or clobbered (issue 29, problem 1)."""

import os
import stat

import pytest

from skmlp._atomic_files import check_target, write_atomically


def _umask():
    umask = os.umask(0)
    os.umask(umask)
    return umask


def test_writes_a_new_file_with_the_usual_permissions(tmp_path):
    target = tmp_path / "out.png"
    with write_atomically(target) as file:
        file.write(b"picture")
    assert target.read_bytes() == b"picture"
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~_umask()
    assert os.listdir(tmp_path) == ["out.png"]


def test_replaces_a_regular_file_keeping_its_permissions_not_its_inode(tmp_path):
    target = tmp_path / "model.joblib"
    target.write_bytes(b"old")
    target.chmod(0o640)
    other_name = tmp_path / "hard-link"
    os.link(target, other_name)
    with write_atomically(target) as file:
        file.write(b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    # The old file was replaced, never written into: its other name keeps it.
    assert other_name.read_bytes() == b"old"


@pytest.mark.parametrize("points_to", ["victim", "missing"])
def test_a_symbolic_link_at_the_path_is_refused_untouched(tmp_path, points_to):
    """A link planted in a shared folder (``/tmp/seen/digit.png``) would have
    made skmlp overwrite any file the user can write."""
    victim = tmp_path / "victim"
    if points_to == "victim":
        victim.write_bytes(b"the user's file")
    link = tmp_path / "digit.png"
    link.symlink_to(victim)
    with pytest.raises(
        ValueError,
        match=r"digit\.png: it is a symbolic link; skmlp never writes through a "
        "link nor replaces one",
    ):
        with write_atomically(link) as file:
            file.write(b"picture")
    assert link.is_symlink() and os.readlink(link) == str(victim)
    if points_to == "victim":
        assert victim.read_bytes() == b"the user's file"
    else:
        assert not victim.exists()
    expected = {"digit.png", "victim"} if points_to == "victim" else {"digit.png"}
    assert set(os.listdir(tmp_path)) == expected  # no temporary file left


def test_a_link_planted_while_writing_is_replaced_never_followed(tmp_path):
    victim = tmp_path / "victim"
    victim.write_bytes(b"the user's file")
    target = tmp_path / "digit.png"
    with write_atomically(target) as file:
        file.write(b"picture")
        target.symlink_to(victim)  # after the check, before the move
    assert not target.is_symlink() and target.read_bytes() == b"picture"
    assert victim.read_bytes() == b"the user's file"


@pytest.mark.parametrize(
    "make, kind",
    [(lambda path: path.mkdir(), "a folder"), (os.mkfifo, r"a FIFO \(named pipe\)")],
    ids=["folder", "fifo"],
)
def test_other_things_at_the_path_are_refused_naming_them(tmp_path, make, kind):
    target = tmp_path / "digit.png"
    make(target)
    with pytest.raises(
        ValueError, match=f"digit.png: it is {kind}; skmlp writes only regular files"
    ):
        with write_atomically(target):
            pytest.fail("nothing may be written")
    assert os.listdir(tmp_path) == ["digit.png"]


@pytest.mark.parametrize(
    "error", [OSError(28, "No space left"), KeyboardInterrupt("stopped")]
)
def test_a_failed_write_leaves_the_path_as_it_was(tmp_path, error):
    target = tmp_path / "model.skops"
    target.write_bytes(b"previous")
    with pytest.raises(type(error), match="No space left|stopped"):
        with write_atomically(target) as file:
            file.write(b"half")
            raise error
    assert target.read_bytes() == b"previous"
    assert os.listdir(tmp_path) == ["model.skops"]


def test_check_target_gives_the_mode_of_a_regular_file_or_none(tmp_path):
    path = tmp_path / "f"
    assert check_target(path) is None
    path.write_bytes(b"")
    path.chmod(0o600)
    assert check_target(path) == 0o600
