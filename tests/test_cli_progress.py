"""The progress bar of ``skmlp train`` in a terminal: on Ctrl-C it stays at
the epochs training finished, instead of filling to 100 % before the
command says ``interrupted`` (skmlp/cli/_progress.py)."""

import os
import re
import select
import signal
import subprocess
import sys
import time

import pytest

from skmlp.cli._progress import _interrupted, noting_interrupts

pty = pytest.importorskip("pty")

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _train_in_a_terminal_and_interrupt():
    """Run ``skmlp train`` on a pseudo-terminal, send Ctrl-C once its bar
    shows some progress; return the exit status and the text it showed."""
    master, slave = pty.openpty()
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "COLUMNS": "100"}
    env.pop("NO_COLOR", None)
    child = subprocess.Popen(
        [sys.executable, "-m", "skmlp", "train", "--hidden", "200", "--epochs", "5000"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
    )
    os.close(slave)
    shown, interrupted = b"", False
    give_up = time.monotonic() + 300  # a guard against hanging, not a timing
    try:
        while time.monotonic() < give_up:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the child closed the terminal
                    chunk = b""
                if not chunk:
                    break
                shown += chunk
            text = ANSI.sub("", shown.decode("utf-8", "replace"))
            if not interrupted and any(
                int(p) >= 1 for p in re.findall(r"(\d+)%", text)
            ):
                child.send_signal(signal.SIGINT)
                interrupted = True
            if child.poll() is not None and not ready:
                break
        status = child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        os.close(master)
    assert interrupted, ANSI.sub("", shown.decode("utf-8", "replace"))
    return status, ANSI.sub("", shown.decode("utf-8", "replace"))


def test_ctrl_c_leaves_the_bar_where_training_stopped():
    pytest.importorskip("rich")
    pytest.importorskip("sklearn.callback")
    status, text = _train_in_a_terminal_and_interrupt()
    assert status == 130, text
    assert text.rstrip().endswith("skmlp: interrupted"), text
    percentages = [int(p) for p in re.findall(r"(\d+)%", text)]
    assert percentages, text
    # The bar as it was left: some epochs done, far from all 5000.
    assert 1 <= percentages[-1] < 100, text
    assert "100%" not in text


def test_noting_interrupts_notes_ctrl_c_and_still_raises():
    before = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt, match=r"^$"):
        with noting_interrupts():
            assert not _interrupted.is_set()
            os.kill(os.getpid(), signal.SIGINT)
            # The handler runs at the next bytecode boundaries.
            for _ in range(1000):
                time.sleep(0.001)
            pytest.fail("Ctrl-C did not interrupt")  # pragma: no cover
    assert signal.getsignal(signal.SIGINT) is before
    assert not _interrupted.is_set()  # cleared for the next fit


def test_noting_interrupts_leaves_an_ignored_ctrl_c_ignored():
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with noting_interrupts():
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
            os.kill(os.getpid(), signal.SIGINT)  # ignored: nothing happens
        assert not _interrupted.is_set()
    finally:
        signal.signal(signal.SIGINT, before)
