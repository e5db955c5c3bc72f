"""A fit killed with SIGKILL and resumed from its checkpoint ends with the
bits of one never interrupted: sgd, Nesterov and Adam, with augmentation
and dropout on.

Each fit runs in a process of its own (tests/checkpoint_child.py), with
BLAS on one thread: the three processes run the same products on the same
kernels. The killed one writes a checkpoint after every epoch; the test
waits until one of epoch K or later exists, then sends SIGKILL at once, so
that the process dies wherever it is (in an epoch, or writing the next
checkpoint), and resumes from what is on disk.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from skmlp._checkpoint_file import read_checkpoint

pytestmark = [
    pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL"),
]
pytest.importorskip("sklearn.callback")  # set_callbacks: scikit-learn >= 1.9

CHILD = Path(__file__).with_name("checkpoint_child.py")
KILL_AFTER_EPOCH = 3


def _command(config, mode, checkpoint, result):
    return [sys.executable, str(CHILD), config, mode, str(checkpoint), str(result)]


def _environment():
    return {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


def _run(config, mode, checkpoint, result):
    subprocess.run(
        _command(config, mode, checkpoint, result),
        env=_environment(),
        check=True,
        timeout=300,
    )
    return json.loads(Path(result).read_text())


def _epoch_on_disk(checkpoint):
    try:
        return read_checkpoint(checkpoint).n_iter
    except (FileNotFoundError, ValueError):
        return 0


def _kill_after_epoch(config, checkpoint, result, epoch):
    """Start the checkpointed fit, SIGKILL it as soon as a checkpoint of
    ``epoch`` or later is on disk; return the epoch of the checkpoint left."""
    child = subprocess.Popen(
        _command(config, "checkpointed", checkpoint, result), env=_environment()
    )
    try:
        deadline = time.monotonic() + 240
        while _epoch_on_disk(checkpoint) < epoch:
            assert child.poll() is None, "the fit ended before it was killed"
            assert time.monotonic() < deadline, "no checkpoint in time"
            time.sleep(0.002)
        child.send_signal(signal.SIGKILL)
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    assert not Path(result).exists()  # it never finished
    return read_checkpoint(checkpoint).n_iter


@pytest.mark.parametrize("config", ["sgd", "nesterov", "adam"])
def test_a_fit_killed_and_resumed_ends_with_the_same_bits(tmp_path, config):
    sys.path.insert(0, str(CHILD.parent))
    try:
        from checkpoint_child import MAX_ITER
    finally:
        sys.path.pop(0)
    checkpoint = tmp_path / "fit.ckpt"
    whole = _run(config, "whole", tmp_path / "none.ckpt", tmp_path / "whole.json")
    killed_at = _kill_after_epoch(
        config, checkpoint, tmp_path / "killed.json", KILL_AFTER_EPOCH
    )
    assert KILL_AFTER_EPOCH <= killed_at < MAX_ITER
    # Only the checkpoint is left: no temporary file of an interrupted write
    # but at most the one being written when the process died.
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".fit.ckpt")]
    assert len(leftovers) <= 1
    resumed = _run(config, "resume", checkpoint, tmp_path / "resumed.json")
    print(f"{config}: killed after epoch {killed_at}; {whole} {resumed}")
    assert whole["n_iter"] == resumed["n_iter"] == MAX_ITER
    assert resumed["digest"] == whole["digest"]
