"""Model files: the round trip, what skmlp trusts, and atomic saves.

The hostile files are built here: a .skops file whose schema makes skops call
an ``skmlp.`` function on the file itself, with a pickle in front of the zip,
and a .joblib file whose unpickling creates a marker file.
"""

import importlib
import io
import json
import os
import pickle
import re
import stat
import tempfile
import warnings
import zipfile
from pathlib import Path

import joblib
import numpy as np
import pytest
from cli_helpers import (
    FAST,
    CreatesFile,
    assert_one_line_error,
    run,
    run_subprocess,
)
from sklearn.exceptions import ConvergenceWarning

from skmlp import MLPDigitClassifier
from skmlp.cli._model_io import TRUSTED_SKOPS_TYPES, load_model
from skmlp.preprocessing import DigitImageNormalizer

# ------------------------------------------------------------ round trip


@pytest.fixture
def digit_images(tmp_path):
    """Test digits saved as PNG and PGM, with the rows of X they come from."""
    from cli_helpers import write_png
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


@pytest.mark.parametrize("suffix", [".joblib", ".skops"])
def test_train_save_evaluate_predict(capsys, tmp_path, suffix, digit_images):
    if suffix == ".skops":
        pytest.importorskip("skops")
    trust = ["--trust-pickle"] if suffix == ".joblib" else []
    model = tmp_path / f"model{suffix}"
    status, out, err = run(capsys, ["train", *FAST, "--save", str(model)])
    assert status == 0, err
    assert model.is_file() and f"Saved the model to {model}" in out
    accuracy = re.search(r"^Test accuracy: (\S+)", out, re.M).group(1)

    status, out, err = run(capsys, ["evaluate", str(model), *trust])
    assert status == 0, err
    # The same fixed split: evaluate scores the images train held out.
    assert re.search(r"^Test accuracy: (\S+)", out, re.M).group(1) == accuracy

    files, X_test = digit_images
    argv = ["predict", str(model), *(str(f) for f, _ in files), *trust]
    status, out, err = run(capsys, argv)
    assert status == 0, err
    lines = out.strip().splitlines()
    assert len(lines) == len(files)
    clf = load_model(model, trust_pickle=True)
    normalizer = DigitImageNormalizer(layout=clf).fit()
    for line, (path, _) in zip(lines, files):
        expected = clf.predict(normalizer.transform([path]))[0]
        assert re.fullmatch(rf"{re.escape(str(path))}: {expected}  \(.*%\)", line)
        assert line.count("%") == 3  # top three


def test_saved_file_keeps_the_permissions_of_the_one_it_replaces(capsys, tmp_path):
    model = tmp_path / "m.joblib"
    model.write_bytes(b"old")
    model.chmod(0o640)
    status, _, err = run(capsys, ["train", *FAST, "--save", str(model)])
    assert status == 0, err
    assert stat.S_IMODE(model.stat().st_mode) == 0o640
    assert isinstance(joblib.load(model), MLPDigitClassifier)
    fresh = tmp_path / "fresh.joblib"
    status, _, err = run(capsys, ["train", *FAST, "--save", str(fresh)])
    assert status == 0, err
    umask = os.umask(0)
    os.umask(umask)
    # As open() would create it, not mkstemp's owner-only 0o600.
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask


@pytest.mark.parametrize("points_to", ["a file", "nothing"])
def test_save_to_a_symbolic_link_is_refused_before_training(
    capsys, tmp_path, points_to
):
    """Issue 29 (1): a link at the --save path is never followed (it was, to
    overwrite whatever it pointed to) nor replaced: one line, before
    training."""
    real = tmp_path / "models" / "m.joblib"
    real.parent.mkdir()
    if points_to == "a file":
        real.write_bytes(b"old")
    link = tmp_path / "current.joblib"
    link.symlink_to(real)
    status, out, err = run(capsys, ["train", *FAST, "--save", str(link)])
    assert status == 1
    assert_one_line_error(err)
    assert (
        f"cannot save the model to {link}: it is a symbolic link; skmlp never "
        "writes through a link nor replaces one" in err
    )
    assert out == ""  # nothing trained
    assert link.is_symlink() and os.readlink(link) == str(real)
    if points_to == "a file":
        assert real.read_bytes() == b"old"
    assert sorted(p.name for p in real.parent.iterdir()) == (
        ["m.joblib"] if points_to == "a file" else []
    )


def test_a_link_planted_during_training_is_one_line_and_plots_go_on(
    capsys, tmp_path, monkeypatch
):
    """The check before training cannot stop a link planted while the model
    trains: the save refuses it then, and the plots are still written."""
    pytest.importorskip("matplotlib")
    from skmlp.cli import _train

    victim = tmp_path / "victim"
    victim.write_bytes(b"the user's file")
    target = tmp_path / "m.joblib"
    fit = _train._fit

    def fit_then_plant(*args):
        result = fit(*args)
        target.symlink_to(victim)
        return result

    monkeypatch.setattr(_train, "_fit", fit_then_plant)
    plots = tmp_path / "plots"
    argv = ["train", *FAST, "--save", str(target), "--plots", str(plots)]
    status, out, err = run(capsys, argv)
    assert status == 1
    assert_one_line_error(err)
    assert f"cannot save the model to {target}: it is a symbolic link" in err
    assert victim.read_bytes() == b"the user's file"
    assert "Wrote 5 plots" in out


# ------------------------------------------------------------- .skops trust


def test_trusted_types_are_exact_class_names():
    assert "skmlp._classifier.MLPDigitClassifier" in TRUSTED_SKOPS_TYPES
    for name in TRUSTED_SKOPS_TYPES:
        module, _, qualname = name.rpartition(".")
        obj = getattr(importlib.import_module(module), qualname)
        assert isinstance(obj, type), name  # a class, never a function
        assert f"{obj.__module__}.{obj.__qualname__}" == name


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_skops_file_with_foreign_types_is_refused(capsys, tmp_path):
    sio = pytest.importorskip("skops.io")
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

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


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_skops_model_with_augmentation_settings_loads_and_refits_checked(tmp_path):
    """A model whose ``augment`` is a DigitAugmentation loads (the class is
    reviewed); settings a file forged past its checks are refused when a
    refit would use them, never used."""
    sio = pytest.importorskip("skops.io")
    from skmlp.augmentation import DigitAugmentation

    X = np.random.RandomState(0).rand(40, 16)
    y = np.arange(40) % 2
    augmentation = DigitAugmentation(rotation=5, elastic_alpha=0)
    model = MLPDigitClassifier((4,), max_iter=2, augment=augmentation).fit(X, y)
    augmentation.rotation = 1e9  # what a forged file could hold
    path = tmp_path / "augmented.skops"
    sio.dump(model, path)
    loaded = load_model(path)
    assert isinstance(loaded.augment, DigitAugmentation)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    with pytest.raises(ValueError, match="augment.*rotation"):
        loaded.fit(X, y)


def _digits_pipeline_with_whitening():
    """ZCAWhitening then a small network, fitted on load_digits' pixels as
    the command line scales them (the data evaluate reads by default)."""
    from sklearn.datasets import load_digits
    from sklearn.pipeline import make_pipeline

    from skmlp.preprocessing import ZCAWhitening

    X, y = load_digits(return_X_y=True)
    pipe = make_pipeline(ZCAWhitening(), MLPDigitClassifier((16,), max_iter=30))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return pipe.fit(X / 16.0, y)


def assert_refused(capsys, argv, message):
    """``skmlp argv`` fails (status 1) with one line holding ``message``;
    returns its stdout."""
    status, out, err = run(capsys, argv)
    assert status == 1
    assert_one_line_error(err)
    assert message in err, err
    return out


def test_skops_pipeline_with_zca_whitening_is_trusted(capsys, tmp_path):
    sio = pytest.importorskip("skops.io")
    path = tmp_path / "whitened.skops"
    sio.dump(_digits_pipeline_with_whitening(), path)
    assert "skmlp._whitening.ZCAWhitening" in sio.get_untrusted_types(file=path)
    status, out, err = run(capsys, ["evaluate", str(path)])
    assert status == 0, err
    accuracy = float(re.search(r"^Test accuracy: (\S+)", out, re.M).group(1))
    assert accuracy > 0.8


@pytest.mark.parametrize(
    "attribute, forged",
    [
        ("whitening_", np.zeros((3, 3))),
        ("mean_", np.full(64, np.nan)),
        ("components_", np.zeros((64, 64), dtype=np.float32)),
    ],
)
def test_forged_whitening_arrays_are_a_one_line_error(
    capsys, tmp_path, digit_images, attribute, forged
):
    sio = pytest.importorskip("skops.io")
    pipe = _digits_pipeline_with_whitening()
    setattr(pipe[0], attribute, forged)
    path = tmp_path / "forged.skops"
    sio.dump(pipe, path)
    message = f"cannot classify the test images: {attribute} must be"
    out = assert_refused(capsys, ["evaluate", str(path)], message)
    assert "Test accuracy" not in out

    files, _ = digit_images
    message = f"cannot classify images: {attribute} must be"
    argv = ["predict", str(path), str(files[0][0])]
    assert assert_refused(capsys, argv, message) == ""


@pytest.mark.parametrize("forged", ["64", 63.5, -1, None, [64]])
@pytest.mark.parametrize("bare", [False, True], ids=["pipeline", "classifier"])
def test_forged_n_features_in_is_a_one_line_error(
    capsys, tmp_path, digit_images, forged, bare
):
    # evaluate and predict size their messages and images by n_features_in_
    # (math.isqrt, a dict lookup) before any transform could refuse it.
    sio = pytest.importorskip("skops.io")
    pipe = _digits_pipeline_with_whitening()
    model = pipe[-1] if bare else pipe
    (model if bare else pipe[0]).n_features_in_ = forged
    path = tmp_path / "forged.skops"
    sio.dump(model, path)
    files, _ = digit_images
    for argv in (["evaluate", str(path)], ["predict", str(path), str(files[0][0])]):
        status, out, err = run(capsys, argv)
        assert status == 1
        assert_one_line_error(err)
        assert "n_features_in_" in err and "not a positive integer" in err
        assert "Test accuracy" not in out


def _forge_three_item_step(pipe):
    pipe.steps[0] = (*pipe.steps[0], "extra")


@pytest.mark.parametrize(
    "forge, message",
    [
        (lambda pipe: setattr(pipe[-1], "coefs_", []), r"coefs_ is \[\], not a"),
        (lambda pipe: setattr(pipe[-1], "coefs_", [1, 2]), r"coefs_ is \[1, 2\]"),
        (
            lambda pipe: setattr(pipe[-1], "out_activation_", ["softmax"]),
            r"out_activation_ is \['softmax'\], not one of",
        ),
        (_forge_three_item_step, r"step 0 of the Pipeline is \('zcawhitening', "),
    ],
    ids=["coefs-empty", "coefs-ints", "out-activation-list", "three-item-step"],
)
def test_trusted_types_with_forged_attributes_are_one_line(
    capsys, tmp_path, digit_images, forge, message
):
    """Issue 29 (5): .skops files holding only trusted types but attributes
    fit never makes ended evaluate and predict in IndexError,
    AttributeError or TypeError tracebacks."""
    sio = pytest.importorskip("skops.io")
    pipe = _digits_pipeline_with_whitening()
    forge(pipe)
    path = tmp_path / "forged.skops"
    sio.dump(pipe, path)
    files, _ = digit_images
    for argv in (["evaluate", str(path)], ["predict", str(path), str(files[0][0])]):
        status, out, err = run(capsys, argv)
        assert status == 1
        assert_one_line_error(err)
        assert re.search(f"^skmlp: error: {re.escape(str(path))}.*{message}", err), err
        assert "Test accuracy" not in out and str(files[0][0]) not in out


@pytest.mark.parametrize("attribute", ["mean_", "whitening_"])
def test_whitening_array_missing_from_the_file_is_a_one_line_error(
    capsys, tmp_path, attribute
):
    sio = pytest.importorskip("skops.io")
    pipe = _digits_pipeline_with_whitening()
    delattr(pipe[0], attribute)
    path = tmp_path / "incomplete.skops"
    sio.dump(pipe, path)
    message = f"cannot classify the test images: {attribute} must be"
    assert_refused(capsys, ["evaluate", str(path)], message)


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_whitening_that_overflows_float32_is_one_line_without_warnings(
    capsys, tmp_path
):
    # Finite in float64, infinite once cast to the float32 test images: the
    # error names the whitening, not "Input X contains NaN" from the network,
    # and no RuntimeWarning reaches stderr before it.
    sio = pytest.importorskip("skops.io")
    pipe = _digits_pipeline_with_whitening()
    pipe[0].whitening_ = np.full((64, 64), 1e300)
    path = tmp_path / "overflowing.skops"
    sio.dump(pipe, path)
    message = "ZCAWhitening's output overflows float32"
    assert_refused(capsys, ["evaluate", str(path)], message)


def _skops_file_bytes(sio, content, schema_of):
    """A .skops zip whose top object is ``schema_of(state)``, ``state`` being
    the schema skops writes for ``content``."""
    import skops

    with zipfile.ZipFile(io.BytesIO(sio.dumps(content))) as archive:
        state = json.loads(archive.read("schema.json"))
    protocol = state.pop("protocol")
    state.pop("_skops_version")
    schema = {**schema_of(state), "protocol": protocol}
    schema["_skops_version"] = skops.__version__
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("schema.json", json.dumps(schema))
    return buffer.getvalue()


def write_self_loading_skops(path, marker):
    """The attack of issue 13: skops is asked to call
    ``skmlp.datasets.load_mnist(path)`` on the file itself, which unpickles
    the pickle placed before the zip (zip readers skip leading bytes)."""
    sio = pytest.importorskip("skops.io")

    def call_load_mnist(arguments):
        return {
            "__class__": "load_mnist",
            "__module__": "skmlp.datasets",
            "__loader__": "ConstructorFromReduceNode",
            "content": arguments,
        }

    payload = pickle.dumps(CreatesFile(marker), protocol=2)
    zip_bytes = _skops_file_bytes(sio, (str(path),), call_load_mnist)
    path.write_bytes(payload + zip_bytes)
    assert sio.get_untrusted_types(file=path) == ["skmlp.datasets.load_mnist"]
    return path


@pytest.mark.parametrize("command", ["evaluate", "predict"])
def test_skops_file_calling_an_skmlp_function_runs_nothing(tmp_path, command):
    marker = tmp_path / "code-ran"
    model = write_self_loading_skops(tmp_path / "model.skops", marker)
    argv = [command, model] + (["image.png"] if command == "predict" else [])
    result = run_subprocess(argv)
    assert result.returncode == 1
    assert_one_line_error(result.stderr)
    assert "refusing to load" in result.stderr
    assert "skmlp.datasets.load_mnist" in result.stderr
    assert not marker.exists()


def test_the_self_loading_file_reaches_load_mnist_when_trusted(tmp_path):
    # What the allow-list prevents: trusting the skmlp. prefix (as skmlp did)
    # lets skops call load_mnist on the file itself. Its restricted unpickler
    # is the second line of defence: it refuses the pickle's payload.
    sio = pytest.importorskip("skops.io")
    marker = tmp_path / "code-ran"
    model = write_self_loading_skops(tmp_path / "model.skops", marker)
    with pytest.raises(ValueError, match="refused to load"):
        sio.load(model, trusted=["skmlp.datasets.load_mnist"])
    assert not marker.exists()


def test_skops_type_that_merely_starts_with_skmlp_is_refused(capsys, tmp_path):
    sio = pytest.importorskip("skops.io")

    def unreviewed_class(attributes):
        return {
            "__class__": "TrainingCurveDisplay",
            "__module__": "skmlp.plotting",
            "__loader__": "ObjectNode",
            "content": attributes,
        }

    path = tmp_path / "display.skops"
    path.write_bytes(_skops_file_bytes(sio, {}, unreviewed_class))
    assert sio.get_untrusted_types(file=path) == ["skmlp.plotting.TrainingCurveDisplay"]
    status, _, err = run(capsys, ["evaluate", str(path)])
    assert status == 1
    assert_one_line_error(err)
    assert "refusing to load" in err and "skmlp.plotting.TrainingCurveDisplay" in err


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_model_holding_an_skmlp_function_is_refused(capsys, tmp_path, digits):
    sio = pytest.importorskip("skops.io")
    from skmlp.datasets import load_mnist

    X, y = digits
    clf = MLPDigitClassifier((4,), max_iter=1).fit(X, y)
    clf.loader_ = load_mnist  # skops would hand the file a callable of skmlp
    path = tmp_path / "model.skops"
    sio.dump(clf, path)
    status, _, err = run(capsys, ["evaluate", str(path)])
    assert status == 1
    assert_one_line_error(err)
    assert "skmlp.datasets.load_mnist" in err
    assert "MLPDigitClassifier" not in err.split("reviewed:")[1]


# ----------------------------------------------------------- .joblib trust


@pytest.mark.parametrize("command", ["evaluate", "predict"])
def test_joblib_needs_trust_pickle(tmp_path, command):
    marker = tmp_path / "code-ran"
    model = tmp_path / "model.joblib"
    joblib.dump(CreatesFile(marker), model)
    argv = [command, model] + (["image.png"] if command == "predict" else [])
    result = run_subprocess(argv)
    assert result.returncode == 2
    assert_one_line_error(result.stderr)
    assert "is a pickle" in result.stderr and "--trust-pickle" in result.stderr
    assert not marker.exists()
    # The file is hostile indeed: trusting it runs its code.
    result = run_subprocess([*argv, "--trust-pickle"])
    assert result.returncode == 1
    assert_one_line_error(result.stderr)
    assert marker.exists()


def test_bad_model_file(capsys, tmp_path):
    bad = tmp_path / "model.joblib"
    bad.write_bytes(b"garbage")
    status, _, err = run(capsys, ["evaluate", str(bad), "--trust-pickle"])
    assert status == 1
    assert_one_line_error(err)
    assert "not a readable .joblib file" in err


def test_skops_zip_declaring_too_much_content_is_refused_unread(
    capsys, tmp_path, monkeypatch
):
    """A zip bomb: two members whose central directory declares 3 GiB each
    (6 GiB in all) in a file of a few hundred bytes. It is refused from the
    directory alone: skops never sees it. (The cap itself, for honest
    compressed sizes, is tested in test_untrusted_files.py.)"""
    sio = pytest.importorskip("skops.io")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("schema.json", "{}")
        archive.writestr("a.npy", b"0")
    data = bytearray(buffer.getvalue())
    directory = 0
    while (directory := data.find(b"PK\x01\x02", directory)) != -1:
        data[directory + 24 : directory + 28] = (3 * 2**30).to_bytes(4, "little")
        directory += 4
    path = tmp_path / "bomb.skops"
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as archive:
        assert sum(info.file_size for info in archive.infolist()) == 6 * 2**30

    def must_not_run(*args, **kwargs):
        raise AssertionError("skops read the file")

    monkeypatch.setattr(sio, "get_untrusted_types", must_not_run)
    monkeypatch.setattr(sio, "load", must_not_run)
    status, _, err = run(capsys, ["evaluate", str(path)])
    assert status == 1
    assert_one_line_error(err)
    # The directory declares more than its few compressed bytes can hold.
    assert "its contents would take 6.0 GiB once decompressed" in err
    assert "more than the 3 bytes of zip data can hold" in err


def test_model_file_that_is_a_fifo_is_refused_without_opening_it(tmp_path):
    fifo = tmp_path / "model.skops"
    os.mkfifo(fifo)
    result = run_subprocess(["evaluate", fifo], timeout=30)
    assert result.returncode == 1
    assert_one_line_error(result.stderr)
    assert "a FIFO (named pipe), not a regular file" in result.stderr


# ------------------------------------------------------------ atomic save


@pytest.fixture
def previous_model(tmp_path):
    path = tmp_path / "model.joblib"
    path.write_bytes(b"the previous model")
    return path


def _partial_dump(model, file):
    file.write(b"half a mod")
    raise OSError(28, "No space left on device")


def _interrupted_dump(model, file):
    file.write(b"half a mod")
    raise KeyboardInterrupt


@pytest.mark.parametrize("dump, status", [(_partial_dump, 1), (_interrupted_dump, 130)])
def test_failed_save_leaves_the_previous_model(
    capsys, monkeypatch, previous_model, dump, status
):
    monkeypatch.setattr(joblib, "dump", dump)
    got, out, err = run(capsys, ["train", *FAST, "--save", str(previous_model)])
    assert got == status
    assert previous_model.read_bytes() == b"the previous model"
    assert list(previous_model.parent.iterdir()) == [previous_model]  # no temp
    assert "Saved" not in out
    if status == 1:
        assert_one_line_error(err)
        assert "No space left on device" in err
    else:
        assert err == "skmlp: interrupted\n"


# -------------------------------------------- outputs checked before training


@pytest.fixture
def unwritable_folder(tmp_path):
    """A folder no file can be created in, for this user (root included)."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    candidates = [folder, "/sys", "/proc/self"]
    try:
        for candidate in map(Path, candidates):
            if candidate.is_dir() and not _can_create_file_in(candidate):
                yield candidate
                return
        pytest.skip("no folder here refuses to create files")
    finally:
        folder.chmod(0o755)


def _can_create_file_in(folder):
    try:
        descriptor, probe = tempfile.mkstemp(dir=folder)
    except OSError:
        return False
    os.close(descriptor)
    os.unlink(probe)
    return True


def test_unwritable_save_folder_fails_before_training(capsys, unwritable_folder):
    target = unwritable_folder / "m.joblib"
    status, out, err = run(capsys, ["train", *FAST, "--save", str(target)])
    assert status == 1
    assert_one_line_error(err)
    assert f"cannot write the model to {target}" in err
    assert out == ""  # nothing loaded, nothing trained


def test_unwritable_plots_folder_fails_before_training(capsys, unwritable_folder):
    pytest.importorskip("matplotlib")
    target = unwritable_folder / "plots"
    status, out, err = run(capsys, ["train", *FAST, "--plots", str(target)])
    assert status == 1
    assert_one_line_error(err)
    assert f"cannot write the plots to {target}" in err
    assert out == ""


def test_save_target_that_is_a_folder_fails_before_training(capsys, tmp_path):
    target = tmp_path / "m.joblib"
    target.mkdir()
    status, out, err = run(capsys, ["train", *FAST, "--save", str(target)])
    assert status == 1
    assert_one_line_error(err)
    assert f"cannot save the model to {target}: it is a folder" in err
    assert out == ""


@pytest.mark.parametrize("where", ["plots", "file/plots"])
def test_plots_target_under_a_file_fails_before_training(capsys, tmp_path, where):
    pytest.importorskip("matplotlib")
    (tmp_path / where.split("/")[0]).write_text("not a folder")
    target = tmp_path / where
    status, out, err = run(capsys, ["train", *FAST, "--plots", str(target)])
    assert status == 1
    assert_one_line_error(err)
    assert "is not a folder" in err
    assert out == ""
