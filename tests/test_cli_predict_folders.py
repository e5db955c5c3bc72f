"""``skmlp predict`` on folders, and where ``--show`` (and ``--plots``) can
write: a folder stands for its image files, sorted; an output folder that
cannot be written is one line that says why, never a traceback."""

import errno
import os
import sys
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import FAST, assert_one_line_error, run, write_png
from PIL import Image

from skmlp._images import FORMAT_NAMES
from skmlp.cli import main
from skmlp.cli._errors import CommandError
from skmlp.cli._paths import check_output_folder, check_writable_folder
from skmlp.cli._predict import image_files


@pytest.fixture(scope="module")
def digits_model(tmp_path_factory):
    """A small load_digits model saved as .skops (64 features)."""
    pytest.importorskip("skops")
    model = tmp_path_factory.mktemp("model") / "model.skops"
    assert main(["train", *FAST, "--save", str(model)]) == 0
    return model


def digit(value):
    """A grey 40 x 40 picture with a dark bar whose place depends on value."""
    canvas = np.full((40, 40), 255, dtype=np.uint8)
    canvas[5:35, 5 + 3 * value : 12 + 3 * value] = 0
    return canvas


def classified_paths(out):
    return [line.split(": ", 1)[0] for line in out.strip().splitlines()]


def test_a_folder_stands_for_its_image_files_sorted(capsys, tmp_path, digits_model):
    folder = tmp_path / "mine"
    (folder / "sub").mkdir(parents=True)
    for index, name in enumerate(["b.png", "a.PNG", "c.jpg", "d.pgm"]):
        Image.fromarray(digit(index)).save(
            folder / name,
            format=Image.registered_extensions()[Path(name).suffix.lower()],
        )
    write_png(folder / "sub" / "deeper.png", digit(5))  # not entered
    write_png(folder / ".hidden.png", digit(6))  # not listed
    (folder / "notes.txt").write_text("not an image")
    single = write_png(tmp_path / "single.png", digit(7))
    status, out, err = run(
        capsys, ["predict", str(digits_model), str(single), str(folder)]
    )
    assert status == 0, err
    assert err == ""
    names = ["a.PNG", "b.png", "c.jpg", "d.pgm"]
    assert classified_paths(out) == [str(single), *(str(folder / n) for n in names)]


def test_a_folder_without_images_is_one_line_and_the_others_go_on(
    capsys, tmp_path, digits_model
):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("")
    picture = write_png(tmp_path / "digit.png", digit(2))
    status, out, err = run(
        capsys, ["predict", str(digits_model), str(empty), str(picture)]
    )
    assert status == 1
    assert_one_line_error(err)
    assert f"{empty}: the folder holds no image file ({FORMAT_NAMES})" in err
    assert "name the files to classify, or a folder of them" in err
    assert classified_paths(out) == [str(picture)]


def test_image_files_reports_a_folder_it_cannot_list(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "locked"
    folder.mkdir()

    def refuse(self):
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "iterdir", refuse)
    files, status = image_files([folder, tmp_path / "x.png"])
    assert files == [tmp_path / "x.png"] and status == 1
    err = capsys.readouterr().err
    assert_one_line_error(err)
    assert f"{folder}: cannot list the folder (Permission denied)" in err


# ------------------------------------------------------------- output folders


def test_show_under_a_dangling_link_is_one_line(capsys, tmp_path, digits_model):
    """It used to end in a FileExistsError traceback after the first image."""
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "nowhere")
    picture = write_png(tmp_path / "digit.png", digit(1))
    for show in (link, link / "seen"):
        argv = ["predict", str(digits_model), str(picture), "--show", str(show)]
        status, out, err = run(capsys, argv)
        assert status == 1
        assert out == ""
        assert_one_line_error(err)
        assert (
            f"cannot write --show images to {show}: {link} is a link to "
            f"{tmp_path / 'nowhere'}, which does not exist"
        ) in err
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc")
def test_show_on_a_file_system_that_takes_no_files_says_so(
    capsys, tmp_path, digits_model
):
    """/proc exists and takes no new file: the message used to say that it
    'is not writable (No such file or directory)'."""
    picture = write_png(tmp_path / "digit.png", digit(1))
    show = Path("/proc/seen")
    argv = ["predict", str(digits_model), str(picture), "--show", str(show)]
    status, out, err = run(capsys, argv)
    assert status == 1 and out == ""
    assert_one_line_error(err)
    assert (
        "cannot write --show images to /proc/seen: folder /proc/seen does not "
        "exist and cannot be created in /proc (its file system takes no new files)"
    ) in err
    assert "No such file or directory" not in err


def test_an_existing_folder_that_refuses_files_names_the_reason(tmp_path, monkeypatch):
    def refuse(**kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr("tempfile.mkstemp", refuse)
    with pytest.raises(
        CommandError,
        match=r"^cannot write the plots to .*: no file can be created in folder "
        r".* \(Permission denied\)$",
    ):
        check_writable_folder(tmp_path, f"the plots to {tmp_path}")
    with pytest.raises(
        CommandError,
        match=r"^cannot write --show images to .*new: folder .*new does not exist "
        r"and cannot be created in .* \(Permission denied\)$",
    ):
        check_output_folder(tmp_path / "new", "--show", "--show images to new")


def test_plots_under_a_dangling_link_fail_before_training(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    link = tmp_path / "plots"
    link.symlink_to(tmp_path / "gone")
    status, out, err = run(capsys, ["train", *FAST, "--plots", str(link)])
    assert status == 1 and out == ""
    assert_one_line_error(err)
    assert f"{link} is a link to {tmp_path / 'gone'}, which does not exist" in err


def test_show_refuses_a_link_and_leaves_no_temporary_file(
    capsys, tmp_path, digits_model
):
    """A link at a picture's name is neither followed nor replaced: it is
    one line naming it, what it points to is untouched, and no temporary
    file is left behind."""
    shown = tmp_path / "seen"
    shown.mkdir()
    outside = tmp_path / "precious.txt"
    outside.write_text("keep me")
    (shown / "digit.png").symlink_to(outside)
    picture = write_png(tmp_path / "digit.png", digit(3))
    argv = ["predict", str(digits_model), str(picture), "--show", str(shown)]
    status, out, err = run(capsys, argv)
    assert status == 1
    assert_one_line_error(err)
    assert "symbolic link" in err and str(shown / "digit.png") in err
    assert out.strip().startswith(f"{picture}: ")  # the answer is still given
    assert outside.read_text() == "keep me"
    assert (shown / "digit.png").is_symlink()
    assert sorted(os.listdir(shown)) == ["digit.png"]


def test_show_into_the_images_own_folder_never_replaces_them(
    capsys, tmp_path, digits_model
):
    """--show pointed at the folder being classified: the pictures take
    other names, and the user's images are left as they were."""
    folder = tmp_path / "mine"
    folder.mkdir()
    original = write_png(folder / "digit.png", digit(4))
    before = original.read_bytes()
    argv = ["predict", str(digits_model), str(folder), "--show", str(folder)]
    status, out, err = run(capsys, argv)
    assert status == 0, err
    assert out.strip().endswith(f"seen: {folder / 'digit-2.png'}")
    assert original.read_bytes() == before
    assert sorted(os.listdir(folder)) == ["digit-2.png", "digit.png"]
