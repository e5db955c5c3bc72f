"""``skmlp train --checkpoint PATH [--checkpoint-every N] [--resume]``."""

import os
import signal
import subprocess
import sys
import time

import joblib
import pytest
from cli_helpers import FAST, assert_one_line_error, run, run_subprocess

from skmlp._checkpoint_file import read_checkpoint

pytest.importorskip("sklearn.callback")  # set_callbacks: scikit-learn >= 1.9


def test_checkpoints_are_written_every_n_epochs(capsys, tmp_path):
    path = tmp_path / "digits.ckpt"
    argv = ["train", *FAST, "--epochs", "5", "--checkpoint", str(path)]
    status, out, err = run(capsys, [*argv, "--checkpoint-every", "2"])
    assert status == 0, err
    assert f"Checkpoints: {path}, every 2 epochs" in out
    assert read_checkpoint(path).n_iter == 4


def test_a_checkpoint_is_never_overwritten_without_resume(capsys, tmp_path):
    path = tmp_path / "digits.ckpt"
    path.write_bytes(b"a checkpoint of a long training")
    status, out, err = run(capsys, ["train", *FAST, "--checkpoint", str(path)])
    assert status == 1 and out == ""
    assert_one_line_error(err)
    assert "digits.ckpt exists: pass --resume" in err
    assert path.read_bytes() == b"a checkpoint of a long training"


@pytest.mark.parametrize(
    "argv, status, message",
    [
        (["--resume"], 2, "--resume needs --checkpoint PATH"),
        (["--checkpoint-every", "3"], 2, "--checkpoint-every needs --checkpoint"),
        (["--checkpoint-every", "0"], 2, "expected a positive integer, got '0'"),
        (["--solver", "lbfgs", "--checkpoint", "{p}"], 2, "needs a minibatch solver"),
        (["--checkpoint", "{p}", "--resume"], 1, "--resume: there is no checkpoint"),
        (["--checkpoint", "{d}/no/such/x.ckpt"], 1, "folder .* does not exist"),
    ],
)
def test_options_that_cannot_work_are_one_line(capsys, tmp_path, argv, status, message):
    argv = [a.format(p=tmp_path / "x.ckpt", d=tmp_path) for a in argv]
    code, out, err = run(capsys, ["train", *FAST, *argv])
    assert code == status
    assert_one_line_error(err)
    assert pytest.importorskip("re").search(message, err), err
    assert "Epoch" not in out and "Test accuracy" not in out


def test_a_link_at_the_path_is_refused_before_training(capsys, tmp_path):
    target = tmp_path / "precious"
    target.write_text("keep")
    link = tmp_path / "x.ckpt"
    link.symlink_to(target)
    code, out, err = run(capsys, ["train", *FAST, "--checkpoint", str(link)])
    assert code == 1 and "symbolic link" in err and out == ""
    assert target.read_text() == "keep"


def test_resuming_with_other_options_names_them(capsys, tmp_path):
    path = tmp_path / "x.ckpt"
    assert run(capsys, ["train", *FAST, "--checkpoint", str(path)])[0] == 0
    argv = ["train", *FAST, "--checkpoint", str(path), "--resume"]
    code, out, err = run(capsys, [*argv, "--epochs", "4", "--learning-rate", "0.02"])
    assert code == 1
    assert_one_line_error(err)
    assert "--learning-rate 0.01 then, 0.02 now; --epochs 3 then, 4 now" in err
    code, out, err = run(capsys, [*argv, "--data", "digits", "--hidden", "33"])
    assert code == 1 and "--hidden 32 then, 33 now" in err
    damaged = tmp_path / "damaged.ckpt"
    damaged.write_bytes(b"garbage")
    code, out, err = run(
        capsys, ["train", *FAST, "--checkpoint", str(damaged), "--resume"]
    )
    assert code == 1 and "cannot resume: " in err and "not a readable zip" in err
    assert_one_line_error(err)


def test_ctrl_c_then_resume_gives_the_model_of_a_training_never_stopped(tmp_path):
    """A training interrupted (SIGINT) once a checkpoint exists says where it
    can go on from; the same command with --resume ends with the model,
    bit for bit, of the same training never interrupted."""
    path = tmp_path / "digits.ckpt"
    options = ["--hidden", "256", "--epochs", "300", "--augment", "rotation=5"]
    options += ["--checkpoint", str(path), "--checkpoint-every", "2", "--quiet"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "OPENBLAS_NUM_THREADS": "1"}
    whole = run_subprocess(
        ["train", *options[:-5], "--quiet", "--save", tmp_path / "whole.joblib"],
        timeout=600,
    )
    assert whole.returncode == 0, whole.stderr
    child = subprocess.Popen(
        [sys.executable, "-m", "skmlp", "train", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 300
        while not path.exists():
            assert child.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=120)
    finally:
        child.kill()
        child.wait()
    assert child.returncode == 130, err
    epoch = read_checkpoint(path).n_iter
    assert epoch % 2 == 0 and 2 <= epoch < 300
    assert err.splitlines() == [
        f"skmlp: the checkpoint at {path} holds epoch {epoch}: run the same "
        "command with --resume to go on from there",
        "skmlp: interrupted",
    ]
    resumed = run_subprocess(
        ["train", *options, "--resume", "--save", tmp_path / "resumed.joblib"],
        timeout=600,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"Resuming from the checkpoint of epoch {epoch} (of 300)" in resumed.stdout
    ours = joblib.load(tmp_path / "resumed.joblib")
    theirs = joblib.load(tmp_path / "whole.joblib")
    assert not hasattr(ours, "_skl_callbacks")  # the model carries no callback
    assert ours.n_iter_ == theirs.n_iter_
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        assert a.tobytes() == b.tobytes()
