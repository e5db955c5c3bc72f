"""``--data``: what the command line refuses to read, and how it says so."""

import gzip
import os
import pickle

import pytest
from cli_helpers import CreatesFile, assert_one_line_error, run, run_subprocess


def test_bad_data_file(capsys, tmp_path):
    bad = tmp_path / "mnist.pkl.gz"
    bad.write_bytes(b"not a pickle")
    status, _, err = run(capsys, ["train", "--data", str(bad)])
    assert status == 1
    assert_one_line_error(err)
    assert "not a readable pickle" in err


def test_single_idx_file_points_to_the_folder(capsys, tmp_path):
    idx = tmp_path / "train-images-idx3-ubyte"
    idx.write_bytes(b"\x00\x00\x08\x03")
    status, _, err = run(capsys, ["train", "--data", str(idx)])
    assert status == 1
    assert_one_line_error(err)
    assert "pass the folder" in err


@pytest.mark.parametrize("command", ["train", "evaluate"])
def test_fifo_data_is_refused_without_blocking(tmp_path, command):
    fifo = tmp_path / "mnist.pkl.gz"
    os.mkfifo(fifo)
    argv = ["train"] if command == "train" else ["evaluate", tmp_path / "m.skops"]
    if command == "evaluate":
        _save_small_model(tmp_path / "m.skops")
    # Opening a FIFO with no writer blocks forever: the timeout would fail it.
    result = run_subprocess([*argv, "--data", fifo], timeout=60)
    assert result.returncode == 1
    assert_one_line_error(result.stderr)
    assert f"--data {fifo} is a FIFO (named pipe)" in result.stderr


def test_device_data_is_refused():
    # /dev/zero never ends: reading it used to end in "out of memory".
    result = run_subprocess(["train", "--data", "/dev/zero"], timeout=60)
    assert result.returncode == 1
    assert_one_line_error(result.stderr)
    assert "--data /dev/zero is a character device" in result.stderr
    assert "memory" not in result.stderr


def test_fifo_idx_file_in_a_data_folder_is_refused(tmp_path):
    os.mkfifo(tmp_path / "t10k-images-idx3-ubyte")
    result = run_subprocess(["train", "--data", tmp_path], timeout=60)
    assert result.returncode == 1
    assert_one_line_error(result.stderr)
    assert "t10k-images-idx3-ubyte is a FIFO (named pipe)" in result.stderr


def test_data_pickle_runs_no_code_under_a_safe_model(tmp_path):
    # The user chose .skops to be safe; --data must not unpickle code either.
    model = _save_small_model(tmp_path / "m.skops")
    marker = tmp_path / "code-ran"
    data = tmp_path / "mnist.pkl.gz"
    data.write_bytes(gzip.compress(pickle.dumps(CreatesFile(marker), protocol=2)))
    result = run_subprocess(["evaluate", model, "--data", data])
    assert result.returncode == 1
    assert_one_line_error(result.stderr)
    assert not marker.exists()


def _save_small_model(path):
    from skmlp.cli import main

    pytest.importorskip("skops")
    argv = ["train", "--hidden", "8", "--epochs", "1", "--quiet", "--save", path]
    assert main([str(a) for a in argv]) == 0
    return path


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("data", [[], ["--data", "digits"]])
def test_evaluating_an_mnist_model_on_load_digits_names_the_option(
    capsys, tmp_path, data
):
    """--data defaults to load_digits: a 784-pixel model evaluated without it
    is told which option brings its own test images."""
    import joblib
    import numpy as np

    from skmlp import MLPDigitClassifier

    X = np.random.default_rng(0).random((20, 784))
    model = tmp_path / "mnist.joblib"
    clf = MLPDigitClassifier((4,), max_iter=1).fit(X, np.arange(20) % 10)
    joblib.dump(clf, model)
    status, out, err = run(capsys, ["evaluate", str(model), *data, "--trust-pickle"])
    assert status == 1 and out == ""
    assert_one_line_error(err)
    assert (
        f"{model} takes 784 pixels (28x28 images), but load_digits has 64 (8x8 "
        "images): pass its test images with --data, the folder of MNIST's (or "
        "Fashion-MNIST's) four IDX files or an mnist.pkl.gz, as in 'skmlp "
        "evaluate MODEL --data ~/data/mnist'"
    ) in err
