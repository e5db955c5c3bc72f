"""Run every fuzz target in this folder with atheris for a bounded time.

Usage::

    pip install 'atheris>=2.3'          # or: pip install -e ".[fuzz]"
    python tests/fuzz/run_fuzzers.py --seconds 15           # every target
    python tests/fuzz/run_fuzzers.py --seconds 600 idx      # a longer run

Each target (``fuzz_<name>.py``) runs in its own process with libFuzzer's
``-max_total_time``, a memory limit (``-rss_limit_mb``: a reader that lets an
input blow its memory up is a crash) and a per-input time limit
(``-timeout``), starting from the seeds it builds. The script prints, per
target, how many inputs it ran and its peak memory, and exits 1 if any target
crashed; the input that crashed it is kept and printed, and
``python tests/fuzz/fuzz_<name>.py <that file>`` replays it.

CI gives all targets about a minute in all; before a release, run each for ten
minutes or more (``--seconds 600``).
"""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

FUZZ_DIR = Path(__file__).resolve().parent


def discover_targets():
    """``{name: path}`` of every fuzz_<name>.py in this folder."""
    return {
        path.stem.removeprefix("fuzz_"): path
        for path in sorted(FUZZ_DIR.glob("fuzz_*.py"))
    }


def parse_stats(output):
    """``(inputs run, peak RSS in MB)`` from libFuzzer's output; None where it
    says nothing (a crash cuts the final statistics short)."""

    def last_int(pattern):
        matches = re.findall(pattern, output, flags=re.MULTILINE)
        return int(matches[-1]) if matches else None

    runs = last_int(r"^stat::number_of_executed_units:\s*(\d+)")
    if runs is None:
        runs = last_int(r"^Done (\d+) runs")
    if runs is None:
        runs = last_int(r"^#(\d+)\s")  # the last progress line
    return runs, last_int(r"^stat::peak_rss_mb:\s*(\d+)")


def crash_inputs(output):
    """The files libFuzzer wrote the crashing inputs to."""
    return re.findall(r"Test unit written to (\S+)", output)


def run_target(name, path, seconds, rss_limit_mb, timeout, workdir):
    """Fuzz one target; ``(ok, runs, peak_rss_mb, output)``."""
    corpus = workdir / f"corpus-{name}"
    command = [
        sys.executable,
        str(path),
        str(corpus),
        f"-max_total_time={seconds}",
        f"-rss_limit_mb={rss_limit_mb}",
        f"-timeout={timeout}",
        "-print_final_stats=1",
        f"-artifact_prefix={workdir}/{name}-",
    ]
    try:
        completed = subprocess.run(
            command,
            capture_output=True,
            text=True,
            errors="replace",
            # Startup (importing scikit-learn) and the last slow input on top.
            timeout=seconds + timeout + 120,
        )
        output, ok = completed.stdout + completed.stderr, completed.returncode == 0
    except subprocess.TimeoutExpired as exc:
        output = f"{exc.stdout or ''}{exc.stderr or ''}\n(killed: did not stop in time)"
        ok = False
    runs, peak_rss_mb = parse_stats(output)
    return ok, runs, peak_rss_mb, output


def main(argv=None):
    targets = discover_targets()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "targets", nargs="*", help=f"targets to run (default: all of {list(targets)})"
    )
    parser.add_argument("--seconds", type=int, required=True, help="per target")
    parser.add_argument("--rss-limit-mb", type=int, default=1024)
    parser.add_argument("--timeout", type=int, default=30, help="per input, in s")
    args = parser.parse_args(argv)
    unknown = [
        name for name in args.targets if name.removeprefix("fuzz_") not in targets
    ]
    if unknown:
        parser.error(f"unknown targets {unknown}; known: {list(targets)}")
    chosen = [name.removeprefix("fuzz_") for name in args.targets] or list(targets)

    workdir = Path(tempfile.mkdtemp(prefix="skmlp-fuzz-"))
    failed = []
    for name in chosen:
        ok, runs, peak, output = run_target(
            name, targets[name], args.seconds, args.rss_limit_mb, args.timeout, workdir
        )
        status = "ok" if ok else "CRASHED"
        print(
            f"{name}: {status}, {runs if runs is not None else '?'} inputs in "
            f"{args.seconds} s, peak RSS {peak if peak is not None else '?'} MB",
            flush=True,
        )
        if not ok:
            failed.append(name)
            print("\n".join(output.splitlines()[-60:]), file=sys.stderr)
            for path in crash_inputs(output):
                print(f"  crashing input kept: {path}", file=sys.stderr)
    if failed:
        print(f"crashed: {', '.join(failed)} (inputs in {workdir})", file=sys.stderr)
        return 1
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
