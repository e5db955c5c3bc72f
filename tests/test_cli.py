"""The command line, run in-process: ``main([...])`` with captured output."""

import re

import numpy as np
import pytest

from skmlp.__main__ import (
    PLOT_FILES,
    CommandError,
    _with_default_command,
    area_resize,
    image_to_features,
    main,
    read_image,
)

# Small and quick: the tests check the plumbing, not the accuracy.
FAST = ["--hidden", "32", "--epochs", "3", "--quiet"]


def run(capsys, argv):
    """Exit status, stdout and stderr of ``skmlp argv``."""
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_line_error(err):
    """stderr holds a single ``skmlp: error:`` line and no traceback."""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("skmlp: error: ")
    assert "Traceback" not in err


def test_default_run_trains_on_digits(capsys):
    status, out, err = run(capsys, [])
    assert status == 0, err
    match = re.search(r"^Test accuracy: (0\.\d+) \(\d+ of 450 test images", out, re.M)
    assert match, out
    assert float(match.group(1)) > 0.9
    assert "precision" in out and "recall" in out  # the per-class report
    assert re.search(r"^Time: [\d.]+ s training", out, re.M)
    # Not a TTY: one line per epoch instead of the progress bar.
    assert re.search(r"^Epoch +1 +loss", out, re.M)


def test_options_without_a_command_go_to_train(capsys):
    assert _with_default_command([]) == ["train"]
    assert _with_default_command(["--epochs", "2"]) == ["train", "--epochs", "2"]
    assert _with_default_command(["--help"]) == ["--help"]
    status, out, _ = run(capsys, FAST)
    assert status == 0
    assert "64-32-10 tanh network" in out
    assert "Epoch" not in out  # --quiet


def test_help_and_version(capsys):
    status, out, _ = run(capsys, ["--help"])
    assert status == 0
    for text in ("train", "evaluate", "predict", "examples:", "pickles"):
        assert text in out
    status, out, _ = run(capsys, ["train", "--help"])
    assert status == 0 and "--early-stopping" in out
    status, out, _ = run(capsys, ["--version"])
    assert status == 0 and out.startswith("skmlp ")


# ---------------------------------------------------------- save and load


@pytest.fixture
def digit_images(tmp_path):
    """Four test digits saved as PNG (white on black, and enlarged black on
    white) and PGM (binary and plain), with the rows of X they come from."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    _, X_test, _, _ = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    # Digits whose brightest pixel is 16: stretching to [0, 1] leaves them be.
    rows = [i for i in range(len(X_test)) if X_test[i].max() == 16][:4]
    files = []
    for n, row in enumerate(rows):
        image = X_test[row].reshape(8, 8).astype(np.uint8)
        eight_bit = image.astype(int) * 255 // 16
        files.append((write_png(tmp_path / f"a{n}.png", eight_bit), row))
        big = 255 - np.kron(eight_bit, np.ones((5, 5), int))
        files.append((write_png(tmp_path / f"b{n}.png", big), row))
        binary = tmp_path / f"c{n}.pgm"
        binary.write_bytes(b"P5\n# a comment\n8 8\n16\n" + image.tobytes())
        plain = tmp_path / f"d{n}.pgm"
        plain.write_text(
            "P2\n8 8\n16\n" + "\n".join(" ".join(map(str, r)) for r in image)
        )
        files += [(binary, row), (plain, row)]
    return files, X_test / 16.0


def write_png(path, pixels):
    Image = pytest.importorskip("PIL.Image")
    Image.fromarray(pixels.astype(np.uint8)).save(path)
    return path


@pytest.mark.parametrize("suffix", [".joblib", ".skops"])
def test_train_save_evaluate_predict(capsys, tmp_path, suffix, digit_images):
    if suffix == ".skops":
        pytest.importorskip("skops")
    model = tmp_path / f"model{suffix}"
    status, out, err = run(capsys, ["train", *FAST, "--save", str(model)])
    assert status == 0, err
    assert model.is_file() and f"Saved the model to {model}" in out
    accuracy = re.search(r"^Test accuracy: (\S+)", out, re.M).group(1)

    status, out, err = run(capsys, ["evaluate", str(model)])
    assert status == 0, err
    # The same fixed split: evaluate scores the images train held out.
    assert re.search(r"^Test accuracy: (\S+)", out, re.M).group(1) == accuracy

    files, X_test = digit_images
    status, out, err = run(capsys, ["predict", str(model), *(str(f) for f, _ in files)])
    assert status == 0, err
    lines = out.strip().splitlines()
    assert len(lines) == len(files)
    from skmlp.__main__ import load_model

    clf = load_model(model)
    for line, (path, row) in zip(lines, files):
        expected = clf.predict(X_test[row : row + 1].astype(np.float32))[0]
        assert re.fullmatch(rf"{re.escape(str(path))}: {expected}  \(.*%\)", line)
        assert line.count("%") == 3  # top three


def test_plots_writes_five_pngs(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    folder = tmp_path / "plots"
    status, out, err = run(capsys, ["train", *FAST, "--plots", str(folder)])
    assert status == 0, err
    for name in PLOT_FILES:
        assert (folder / name).stat().st_size > 1000, name
    assert "Wrote 5 plots" in out


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_skops_file_with_foreign_types_is_refused(capsys, tmp_path):
    sio = pytest.importorskip("skops.io")
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    from skmlp import MLPDigitClassifier

    pipe = make_pipeline(
        FunctionTransformer(_double), MLPDigitClassifier((4,), max_iter=1)
    )
    pipe.fit(np.random.RandomState(0).rand(20, 4), [0, 1] * 10)
    path = tmp_path / "foreign.skops"
    sio.dump(pipe, path)
    status, _, err = run(capsys, ["evaluate", str(path)])
    assert status == 1
    assert_one_line_error(err)
    assert "refusing to load" in err and "_double" in err


def _double(X):
    return 2 * X


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    "argv, status, message",
    [
        (["train", "--data", "no/such/folder"], 1, "not found"),
        (["evaluate", "no_such_model.joblib"], 1, "model file not found"),
        (["predict", "no_such_model.skops", "x.png"], 1, "model file not found"),
        (["train", "--epochs", "zero"], 2, "--epochs: expected a positive integer"),
        (["train", "--save", "model.pkl"], 2, "neither a .skops nor a .joblib"),
        (["train", "--bogus"], 2, "unrecognized arguments: --bogus"),
        (["trian"], 2, "invalid choice: 'trian'"),
        (["train", "--save", "no/such/folder/m.joblib"], 1, "does not exist"),
    ],
)
def test_errors_take_one_line(capsys, argv, status, message):
    got, _, err = run(capsys, argv)
    assert got == status
    assert_one_line_error(err)
    assert message in err


def test_bad_data_file(capsys, tmp_path):
    bad = tmp_path / "mnist.pkl.gz"
    bad.write_bytes(b"not a pickle")
    status, _, err = run(capsys, ["train", "--data", str(bad)])
    assert status == 1
    assert_one_line_error(err)
    assert "not a readable pickle" in err


def test_bad_model_file(capsys, tmp_path):
    bad = tmp_path / "model.joblib"
    bad.write_bytes(b"garbage")
    status, _, err = run(capsys, ["evaluate", str(bad)])
    assert status == 1
    assert_one_line_error(err)


def test_unreadable_image_reports_and_goes_on(capsys, tmp_path, digit_images):
    model = tmp_path / "model.joblib"
    assert main(["train", *FAST, "--save", str(model)]) == 0
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not an image")
    good, _ = digit_images[0][0]
    capsys.readouterr()
    status, out, err = run(capsys, ["predict", str(model), str(junk), str(good)])
    assert status == 1
    assert_one_line_error(err)
    assert "junk.png" in err
    assert out.startswith(f"{good}: ")  # the good image is still classified


# ----------------------------------------------------------- image reading


def test_pgm_variants(tmp_path):
    sixteen_bit = tmp_path / "wide.pgm"
    sixteen_bit.write_bytes(
        b"P5 2 1 65535\n" + np.array([0, 65535], dtype=">u2").tobytes()
    )
    np.testing.assert_allclose(read_image(sixteen_bit), [[0.0, 1.0]])
    plain = tmp_path / "plain.pgm"
    plain.write_text("P2\n# comment\n2 2\n# another\n4\n0 1\n2 4\n")
    np.testing.assert_allclose(read_image(plain), [[0, 0.25], [0.5, 1.0]])
    truncated = tmp_path / "short.pgm"
    truncated.write_bytes(b"P5\n4 4\n255\n" + bytes(5))
    with pytest.raises(CommandError, match="truncated"):
        read_image(truncated)


def test_area_resize():
    rng = np.random.RandomState(0)
    image = rng.rand(6, 6)
    halved = area_resize(image, 3, 3)
    np.testing.assert_allclose(halved, image.reshape(3, 2, 3, 2).mean(axis=(1, 3)))
    # Any ratio keeps the mean grey level, up or down.
    for shape in [(5, 5), (7, 4), (13, 13)]:
        assert area_resize(image, *shape).mean() == pytest.approx(image.mean())


def test_image_to_features_inverts_light_backgrounds():
    digit = np.zeros((10, 10))
    digit[2:8, 4:6] = 1.0
    on_black = image_to_features(digit, 5)
    on_white = image_to_features(1.0 - digit, 5)
    np.testing.assert_allclose(on_black, on_white)
    assert on_black.shape == (25,) and on_black.max() == pytest.approx(1.0)
    # A non-square image is padded, not stretched: the digit stays upright.
    wide = np.zeros((10, 20))
    wide[2:8, 9:11] = 1.0
    features = image_to_features(wide, 10).reshape(10, 10)
    assert features[:, 5].sum() > features[5, :].sum()
    with pytest.raises(CommandError, match="blank"):
        image_to_features(np.full((8, 8), 0.5), 8)
