"""``skmlp predict`` on image files: read by skmlp._images.read_image,
normalised by skmlp.preprocessing.DigitImageNormalizer (whose own tests are in
test_images.py and test_preprocessing.py); here, what the command adds:
per-file errors, exit statuses, ``--show``."""

import os
import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest
from cli_helpers import FAST, assert_one_line_error, run, run_subprocess, write_png
from PIL import Image

from skmlp.cli import main
from skmlp.preprocessing import DigitImageNormalizer


@pytest.fixture(scope="module")
def digits_model(tmp_path_factory):
    """A small load_digits model saved as .joblib (64 features)."""
    model = tmp_path_factory.mktemp("model") / "model.joblib"
    assert main(["train", *FAST, "--save", str(model)]) == 0
    return model


def seven(size=200):
    """A black "7" on white paper, off centre, uint8."""
    canvas = np.full((size, size + 50), 255, dtype=np.uint8)
    canvas[30:45, 60:160] = 0
    for row in range(45, 170):
        column = 150 - (row - 45) // 3
        canvas[row, column - 7 : column + 7] = 0
    return canvas


def test_one_line_per_bad_file_and_the_others_classified(tmp_path, digits_model):
    """Each bad file is one error line naming it; the good ones are still
    classified; the exit status is 1."""
    good = write_png(tmp_path / "good.png", seven())
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not an image")
    blank = write_png(tmp_path / "blank.png", np.full((50, 50), 255))
    nan_tiff = tmp_path / "nan.tiff"
    Image.fromarray(np.full((4, 4), np.nan, dtype=np.float32)).save(nan_tiff)
    huge_pgm = tmp_path / "huge.pgm"
    huge_pgm.write_bytes(b"P2\n2 2\n255\n0 1 99999999999999999999999999 2\n")
    missing = tmp_path / "missing.png"
    bad = [junk, blank, nan_tiff, huge_pgm, missing]
    result = run_subprocess(
        ["predict", digits_model, bad[0], good, *bad[1:], "--trust-pickle"]
    )
    assert result.returncode == 1
    errors = result.stderr.strip().splitlines()
    assert len(errors) == len(bad) and "Traceback" not in result.stderr
    for line, path in zip(errors, bad):
        assert line.startswith(f"skmlp: error: {path}: "), line
    assert "the image is blank" in errors[1]
    assert "NaN" in errors[2]
    assert "No such file" in errors[4]
    assert result.stdout.startswith(f"{good}: ")
    assert len(result.stdout.strip().splitlines()) == 1


def test_bombs_are_one_line(tmp_path, digits_model):
    def png(width, height):
        def chunk(kind, data):
            crc = struct.pack(">I", zlib.crc32(kind + data))
            return struct.pack(">I", len(data)) + kind + data + crc

        header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\0" * 1000))
            + chunk(b"IEND", b"")
        )

    huge, big = tmp_path / "huge.png", tmp_path / "big.png"
    huge.write_bytes(png(30000, 30000))
    big.write_bytes(png(10000, 9500))
    for path in (huge, big):
        result = run_subprocess(["predict", digits_model, path, "--trust-pickle"])
        assert result.returncode == 1
        assert_one_line_error(result.stderr)
        assert result.stderr.startswith(f"skmlp: error: {path}: the image declares")


def test_prediction_is_the_pipelines(capsys, tmp_path, digits_model):
    """The command classifies what the normalizer makes of the file."""
    import joblib

    clf = joblib.load(digits_model)
    path = write_png(tmp_path / "seven.png", seven())
    status, out, err = run(
        capsys, ["predict", str(digits_model), str(path), "--trust-pickle"]
    )
    assert status == 0, err
    row = DigitImageNormalizer(layout=clf).fit().transform([path])
    expected = clf.predict(row)[0]
    assert out.startswith(f"{path}: {expected}  (")


def test_show_writes_what_the_model_saw(capsys, tmp_path, digits_model):
    (tmp_path / "a").mkdir()
    first = write_png(tmp_path / "a" / "digit.png", seven())
    second = write_png(tmp_path / "digit.png", 255 - seven(300))
    shown = tmp_path / "shown" / "deeper"
    argv = ["predict", str(digits_model), str(first), str(second), "--show", str(shown)]
    status, out, err = run(capsys, [*argv, "--trust-pickle"])
    assert status == 0, err
    lines = out.strip().splitlines()
    pictures = [shown / "digit.png", shown / "digit-2.png"]
    for line, picture in zip(lines, pictures):
        assert line.endswith(f"  seen: {picture}")
        seen = np.asarray(Image.open(picture))
        assert seen.shape == (224, 224)
        # 8x8 blocks of 28x28 screen pixels: the model's 64 inputs.
        blocks = seen.reshape(8, 28, 8, 28)
        assert (blocks == blocks[:, :1, :, :1]).all()
    clf_row = DigitImageNormalizer(layout="digits").fit().transform([first])[0]
    np.testing.assert_allclose(
        np.asarray(Image.open(pictures[0]))[::28, ::28] / 255,
        clf_row.reshape(8, 8),
        atol=1 / 255,
    )


def test_show_refuses_a_file_before_reading(capsys, tmp_path, digits_model):
    taken = tmp_path / "taken"
    taken.write_text("")
    argv = [
        "predict",
        str(digits_model),
        "x.png",
        "--show",
        str(taken),
        "--trust-pickle",
    ]
    status, _, err = run(capsys, argv)
    assert status == 1
    assert_one_line_error(err)
    assert f"--show {taken}: exists and is not a folder" in err


@pytest.mark.parametrize("planted", ["link", "folder", "fifo"])
def test_show_never_writes_through_what_is_planted_at_a_picture_path(
    capsys, tmp_path, digits_model, planted
):
    """Issue 29 (1) and (5): a link planted in a shared folder made
    ``--show`` overwrite any file the user can write (exit 0); a folder
    named like a picture stopped predict with IsADirectoryError and the
    other images were never read. Now each is one line naming the path,
    and the other images are classified and shown."""
    images = [
        write_png(tmp_path / "one.png", seven()),
        write_png(tmp_path / "two.png", seven(240)),
    ]
    shown = tmp_path / "seen"
    shown.mkdir()
    victim = tmp_path / "victim"
    victim.write_text("the user's file")
    where = shown / "one.png"
    if planted == "link":
        where.symlink_to(victim)
    elif planted == "folder":
        where.mkdir()
    else:
        os.mkfifo(where)
    argv = ["predict", str(digits_model), *map(str, images), "--show", str(shown)]
    status, out, err = run(capsys, [*argv, "--trust-pickle"])
    assert status == 1
    assert_one_line_error(err)
    kind = {"link": "a symbolic link", "folder": "a folder", "fifo": "a FIFO"}
    assert f"--show: cannot write {where}: it is {kind[planted]}" in err
    lines = out.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith(f"{images[0]}: ")
    assert "seen:" not in lines[0]
    assert lines[1].endswith(f"  seen: {shown / 'two.png'}")
    assert Image.open(shown / "two.png").size == (224, 224)
    assert victim.read_text() == "the user's file"
    assert where.is_symlink() == (planted == "link")
    assert sorted(p.name for p in shown.iterdir()) == ["one.png", "two.png"]


def test_show_replaces_a_picture_of_an_earlier_run(capsys, tmp_path, digits_model):
    image = write_png(tmp_path / "one.png", seven())
    shown = tmp_path / "seen"
    shown.mkdir()
    (shown / "one.png").write_bytes(b"an earlier picture")
    argv = ["predict", str(digits_model), str(image), "--show", str(shown)]
    status, _, err = run(capsys, [*argv, "--trust-pickle"])
    assert status == 0, err
    assert Image.open(shown / "one.png").size == (224, 224)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_models_of_other_sizes_are_refused(capsys, tmp_path):
    import joblib

    from skmlp import MLPDigitClassifier

    model = tmp_path / "m.joblib"
    clf = MLPDigitClassifier(hidden_layer_sizes=(), max_iter=1)
    joblib.dump(clf.fit(np.eye(10), np.arange(10) % 2), model)
    argv = ["predict", str(model), "x.png", "--trust-pickle"]
    status, _, err = run(capsys, argv)
    assert status == 1
    assert_one_line_error(err)
    assert f"{model}: cannot classify images: the classifier takes 10 features" in err


def test_without_pillow_predict_says_so(tmp_path, digits_model):
    argv = ["predict", str(digits_model), "x.png", "--trust-pickle"]
    code = (
        "import sys; sys.modules['PIL'] = None\n"
        "from skmlp.cli import main\n"
        f"sys.exit(main({argv!r}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert_one_line_error(result.stderr)
    assert "needs Pillow: pip install pillow" in result.stderr
