"""What every fuzz target shares: coverage with atheris, seeds, a side-effect guard.

A target is a script ``fuzz_<name>.py`` in this folder that defines

- ``TestOneInput(data: bytes) -> None``, which feeds ``data`` to one of
  skmlp's readers and raises nothing but an ``AssertionError`` for a bug: the
  reader's documented exceptions are caught and checked inside;
- ``seed_corpus() -> list[bytes]``, a few valid inputs built in code;

and ends with::

    if __name__ == "__main__":
        fuzz(TestOneInput, seed_corpus)

It imports skmlp inside ``with instrumented_imports():`` so that atheris sees
which branches of skmlp an input reaches. ``tests/test_fuzz_targets.py`` runs
every target without atheris; ``run_fuzzers.py`` runs them with it.
"""

import contextlib
import hashlib
import os
import sys
from pathlib import Path

try:
    import atheris
except ImportError:  # the test suite runs the targets without atheris
    atheris = None

# Things a reader of untrusted data must never do, as Python audit events.
FORBIDDEN_EVENTS = frozenset(
    [
        "exec",
        "os.system",
        "os.exec",
        "os.posix_spawn",
        "os.spawn",
        "os.fork",
        "os.forkpty",
        "subprocess.Popen",
        "ctypes.dlopen",
        "socket.connect",
        "shutil.rmtree",
        "os.remove",
    ]
)


def fuzzing():
    """Whether a fuzz target is running as a script (under atheris)."""
    main_file = getattr(sys.modules.get("__main__"), "__file__", None) or ""
    return atheris is not None and Path(main_file).name.startswith("fuzz_")


def instrumented_imports():
    """Instrument skmlp's modules imported inside, when fuzzing."""
    if not fuzzing():
        return contextlib.nullcontext()
    return atheris.instrument_imports(include=["skmlp"])


def instrument(*objects):
    """Instrument the functions of modules or classes already imported (such
    as the pure-Python unpickler), when fuzzing."""
    if not fuzzing():
        return
    for obj in objects:
        for value in vars(obj).values():
            if callable(value) and hasattr(value, "__code__"):
                atheris.instrument_func(value)


class _SideEffectGuard:
    """An audit hook that blocks and records forbidden events while a target
    runs (audit hooks cannot be removed: it is installed once, when fuzzing)."""

    def __init__(self):
        self.active = False
        self.events = []

    def __call__(self, event, args):
        if event == "exec" and getattr(args[0], "co_name", None) == "<module>":
            return  # a module's code run by an import (e.g. of a codec)
        if self.active and event in FORBIDDEN_EVENTS:
            self.events.append(event)
            raise RuntimeError(f"a fuzz target triggered {event}")

    def guard(self, test_one_input):
        def guarded(data):
            self.active, self.events = True, []
            try:
                test_one_input(data)
            finally:
                self.active = False
            # The reader may have turned the hook's RuntimeError into a
            # ValueError: check what happened, not what was raised.
            assert not self.events, f"the input triggered {self.events}"

        return guarded


def write_seeds(seed_corpus, folder):
    """Write the seeds into ``folder`` (created if need be), one file each."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for seed in seed_corpus():
        name = "seed-" + hashlib.sha1(seed).hexdigest()
        (folder / name).write_bytes(seed)


def fuzz(test_one_input, seed_corpus, argv=None):
    """Fuzz ``test_one_input`` with atheris (libFuzzer), starting from the seeds.

    ``argv`` holds libFuzzer's options (``-max_total_time=60``, ...) and
    corpus folders; the seeds are written into the first folder, or into a new
    ``fuzz-corpus-<target>`` folder in the working directory if none is given.
    A single file instead of a folder runs just that input (to reproduce a
    crash).
    """
    if atheris is None:
        sys.exit("atheris is not installed: pip install 'atheris>=2.3'")
    argv = list(sys.argv if argv is None else argv)
    paths = [arg for arg in argv[1:] if not arg.startswith("-")]
    if not paths:
        target = Path(argv[0]).stem
        paths = [f"fuzz-corpus-{target.removeprefix('fuzz_')}"]
        argv.append(paths[0])
    if not os.path.isfile(paths[0]):
        write_seeds(seed_corpus, paths[0])
    guard = _SideEffectGuard()
    sys.addaudithook(guard)
    atheris.Setup(argv, guard.guard(test_one_input))
    atheris.Fuzz()
