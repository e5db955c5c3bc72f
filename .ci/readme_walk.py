"""CI: follow the README as a newcomer would, in a fresh virtual environment.

A copy of the checkout (its tracked files and the untracked ones git does not
ignore: a newcomer's fresh clone) and a fresh virtual environment, then every
command of the README's ``bash`` blocks, in the README's order, each in the
copy's root, and the README's ``python`` blocks at their place, run from a
folder of their own as the README says (from the checkout's root Python would
import the uncompiled source folder). Each command's exit status is printed,
and the walk fails on the first one that is not 0: a flow that needs a
package its install line did not bring fails here.

What a newcomer has and CI has not stands in for it:

- ``~/data/mnist`` (MNIST's four files, which the README tells the reader to
  download): ``HOME`` is a temporary folder whose ``data/mnist`` holds a small
  MNIST-format folder made from scikit-learn's digits
  (``tests/small_mnist.py``), written with the walk's own environment when a
  command first names it;
- ``drawn_digit.png`` (the reader's drawing): the README's own picture,
  ``docs/gallery/drawn_digit.png``, a 7 drawn in a paint program.

pip keeps the user's cache and configuration. Usage, from the repository
root (``.ci/run`` runs it)::

    python3 .ci/readme_walk.py
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from doc_blocks import code_blocks  # noqa: E402

SHELL = ("bash", "sh", "shell", "console")
# How much of a command's output the log shows: all of a failing one's.
TAIL_LINES = 12


def copy_checkout(target):
    """The checkout's files as a fresh clone (plus uncommitted work) has them."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, listed):
        source = ROOT / os.fsdecode(name)
        if not source.is_file():  # deleted in the work tree, not yet committed
            continue
        destination = target / os.fsdecode(name)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination, follow_symlinks=False)


def readme_steps(text):
    """The README's steps in order: ('shell', command) for each command of a
    shell block (continued lines joined), ('python', [blocks]) for each run of
    python blocks with no shell command between them."""
    steps = []
    for block in code_blocks(text):
        if block.language in SHELL:
            command = ""
            for line in block.source.splitlines():
                command += line
                if command.endswith("\\"):
                    command = command[:-1] + " "
                    continue
                if command.strip() and not command.strip().startswith("#"):
                    steps.append(("shell", command.strip()))
                command = ""
        elif block.is_python and block.skip_reason is None:
            if steps and steps[-1][0] == "python":
                steps[-1][1].append(block)
            else:
                steps.append(("python", [block]))
    return steps


class Walk:
    """The fresh environment and the folders the README's commands see."""

    def __init__(self, base):
        self.checkout = base / "checkout"
        self.venv = base / "venv"
        self.home = base / "home"
        self.work = base / "work"  # where a reader's Python session starts
        for folder in (self.checkout, self.home, self.work):
            folder.mkdir()
        copy_checkout(self.checkout)
        subprocess.run([sys.executable, "-m", "venv", str(self.venv)], check=True)
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
        }
        # pip's cache and configuration stay the user's, under the real HOME.
        env.setdefault(
            "PIP_CACHE_DIR",
            os.environ.get("XDG_CACHE_HOME", str(Path.home() / ".cache")) + "/pip",
        )
        env.update(
            HOME=str(self.home),
            VIRTUAL_ENV=str(self.venv),
            PATH=f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
            MPLBACKEND="Agg",
        )
        self.env = env
        self.statuses = []

    def prepare(self, text):
        """Put in place what a command names and a newcomer would have."""
        mnist = self.home / "data" / "mnist"
        if re.search(r"~/data/mnist|\$HOME/data/mnist", text) and not mnist.exists():
            self.run_step(
                "(stand-in) ~/data/mnist: a small MNIST-format folder of load_digits",
                [str(self.venv / "bin" / "python"), "tests/small_mnist.py", str(mnist)],
                cwd=self.checkout,
            )
        drawing = self.checkout / "drawn_digit.png"
        if "drawn_digit.png" in text and not drawing.exists():
            shutil.copy(self.checkout / "docs" / "gallery" / "drawn_digit.png", drawing)
            shutil.copy(drawing, self.work / "drawn_digit.png")
            print("== (stand-in) drawn_digit.png: docs/gallery/drawn_digit.png, a 7")

    def run_step(self, title, argv, cwd, stdin=None):
        print(f"== {title}", flush=True)
        started = time.monotonic()
        result = subprocess.run(
            argv,
            cwd=cwd,
            env=self.env,
            input=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        lines = result.stdout.rstrip("\n").splitlines()
        shown = lines if result.returncode else lines[-TAIL_LINES:]
        if len(shown) < len(lines):
            print(f"   ... ({len(lines) - len(shown)} lines above)")
        for line in shown:
            print(f"   {line}")
        seconds = time.monotonic() - started
        print(f"   exit {result.returncode} ({seconds:.0f} s)", flush=True)
        self.statuses.append((result.returncode, title))
        if result.returncode:
            raise SystemExit(self.summary())

    def shell(self, command):
        self.prepare(command)
        self.run_step(f"$ {command}", ["bash", "-c", command], cwd=self.checkout)

    def python(self, blocks):
        source = "".join(block.source for block in blocks)
        self.prepare(source)
        lines = ", ".join(str(block.line) for block in blocks)
        self.run_step(
            f">>> the python block(s) at README.md line(s) {lines}, pasted into "
            "python started in a folder of its own",
            [str(self.venv / "bin" / "python"), "-"],
            cwd=self.work,
            stdin=source,
        )

    def summary(self):
        lines = ["", "README walk, each command's exit status:"]
        lines += [f"  {status:3d}  {title}" for status, title in self.statuses]
        failed = sum(1 for status, _ in self.statuses if status)
        lines.append(
            f"{len(self.statuses) - failed} passed, {failed} failed"
            if failed
            else f"all {len(self.statuses)} exited 0"
        )
        print("\n".join(lines), flush=True)
        return 1 if failed else 0


def main():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    steps = readme_steps(readme)
    with tempfile.TemporaryDirectory(prefix="readme-walk-") as base:
        walk = Walk(Path(base))
        print(f"== fresh virtual environment {walk.venv}; checkout copied")
        for kind, what in steps:
            if kind == "shell":
                walk.shell(what)
            else:
                walk.python(what)
        return walk.summary()


if __name__ == "__main__":
    sys.exit(main())
