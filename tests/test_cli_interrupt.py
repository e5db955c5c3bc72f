"""Ctrl-C: ``skmlp train`` stops with status 130 and writes nothing."""

import os
import signal
import subprocess
import sys

import pytest


def test_ctrl_c_during_training_exits_130_and_writes_nothing(tmp_path):
    pytest.importorskip("matplotlib")
    model = tmp_path / "m.joblib"
    model.write_bytes(b"the previous model")
    plots = tmp_path / "plots"
    argv = ["--data", "digits", "--epochs", "100000", "--hidden", "500"]
    argv += ["--save", str(model), "--plots", str(plots)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "OPENBLAS_NUM_THREADS": "1"}
    child = subprocess.Popen(
        [sys.executable, "-m", "skmlp", "train", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        # Not a terminal: one line per epoch. Interrupt once training runs.
        lines = []
        for line in child.stdout:
            lines.append(line)
            if line.startswith("Epoch"):
                break
        assert lines and lines[-1].startswith("Epoch"), "".join(lines)
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
    finally:
        child.kill()
        child.wait()
    assert child.returncode == 130
    assert err == "skmlp: interrupted\n"
    assert "Test accuracy" not in out and "Saved" not in out
    assert model.read_bytes() == b"the previous model"
    assert not plots.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.joblib"]
