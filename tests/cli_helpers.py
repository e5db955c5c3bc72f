"""Helpers shared by the tests of the command line (tests/test_cli*.py)."""

import os
import subprocess
import sys

import numpy as np
import pytest

from skmlp.cli import main

# Small and quick: the tests check the plumbing, not the accuracy.
FAST = ["--hidden", "32", "--epochs", "3", "--quiet"]


def run(capsys, argv):
    """Exit status, stdout and stderr of ``skmlp argv``, run in-process."""
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def run_subprocess(argv, timeout=60, **kwargs):
    """``python -m skmlp argv`` in a child process: its CompletedProcess."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "skmlp", *map(str, argv)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        **kwargs,
    )


def assert_one_line_error(err):
    """stderr holds a single ``skmlp: error:`` line and no traceback."""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("skmlp: error: ")
    assert "Traceback" not in err


def write_png(path, pixels):
    Image = pytest.importorskip("PIL.Image")
    Image.fromarray(pixels.astype(np.uint8)).save(path)
    return path


class CreatesFile:
    """Unpickling it creates the file ``path``: the stand-in for an attack.

    Any code a pickle names runs when it is loaded; creating a file is code
    whose effect a test can see.
    """

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))
