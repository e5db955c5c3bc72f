"""The fuzz targets of tests/fuzz, run without atheris.

Every target gets its seeds and a few hundred mutations of them from a fixed
random seed, so that the targets (and the readers behind them) are exercised
by the normal suite; tests/fuzz/run_fuzzers.py runs them under atheris. Also
tests the runner's parsing of libFuzzer's output.
"""

import importlib
import random
import sys
from pathlib import Path

import pytest

FUZZ_DIR = Path(__file__).parent / "fuzz"
TARGETS = sorted(path.stem for path in FUZZ_DIR.glob("fuzz_*.py"))
N_MUTATIONS = 300


@pytest.fixture(scope="module", autouse=True)
def fuzz_dir_on_path():
    sys.path.insert(0, str(FUZZ_DIR))
    yield
    sys.path.remove(str(FUZZ_DIR))


def mutate(data, other, rng):
    """One random mutation of ``data`` in the style of libFuzzer's."""
    data = bytearray(data)
    kind = rng.randrange(8)
    position = rng.randrange(len(data) + 1)
    if kind == 0 and data:  # flip a bit
        index = min(position, len(data) - 1)
        data[index] ^= 1 << rng.randrange(8)
    elif kind == 1 and data:  # an interesting byte
        index = min(position, len(data) - 1)
        data[index] = rng.choice([0, 1, 0x7F, 0x80, 0xFF])
    elif kind == 2 and len(data) >= 4:  # an interesting 32-bit integer
        index = min(position, len(data) - 4)
        value = rng.choice([0, 1, 2**31 - 1, 2**31, 2**32 - 1, len(data)])
        data[index : index + 4] = value.to_bytes(4, rng.choice(["big", "little"]))
    elif kind == 3:  # insert random bytes
        data[position:position] = rng.randbytes(rng.randrange(1, 9))
    elif kind == 4:  # erase a run of bytes
        del data[position : position + rng.randrange(1, 17)]
    elif kind == 5:  # truncate
        del data[position:]
    elif kind == 6:  # splice with another input
        data = data[:position] + other[rng.randrange(len(other) + 1) :]
    else:  # duplicate a run of bytes
        data[position:position] = data[position : position + rng.randrange(1, 65)]
    return bytes(data)


def inputs(seeds, rng):
    """The seeds, then mutations of them (one to four stacked), then a few
    random byte strings."""
    yield from seeds
    for _ in range(N_MUTATIONS):
        data = rng.choice(seeds)
        for _ in range(rng.randrange(1, 5)):
            data = mutate(data, rng.choice(seeds), rng)
        yield data
    for size in (0, 1, 2, 4, 16, 100):
        yield rng.randbytes(size)


def test_every_target_is_found():
    assert {
        "fuzz_idx",
        "fuzz_mnist_pickle",
        "fuzz_zip_content",
        "fuzz_checkpoint",
    } <= set(TARGETS)


@pytest.mark.parametrize("name", TARGETS)
def test_fuzz_target_survives_seeds_and_mutations(name):
    target = importlib.import_module(name)
    seeds = target.seed_corpus()
    assert seeds, f"{name} has no seeds"
    rng = random.Random(0)
    for data in inputs(seeds, rng):
        try:
            target.TestOneInput(data)
        except Exception as exc:
            pytest.fail(f"{name} raised {exc!r} on the input {data!r:.300}")


def test_side_effect_guard_catches_a_forbidden_event():
    from _harness import _SideEffectGuard

    guard = _SideEffectGuard()

    def runs_a_command(data):
        try:
            guard("os.system", (b"touch x",))  # as the audit hook would
        except RuntimeError:
            raise ValueError("swallowed by the reader") from None

    guarded = guard.guard(runs_a_command)
    with pytest.raises(ValueError, match="swallowed by the reader"):
        guarded(b"")
    assert guard.events == ["os.system"]
    guard.guard(lambda data: guard("import", ("codecs",)))(b"")  # allowed


LIBFUZZER_DONE = """\
INFO: Seed: 1
#2\tINITED cov: 10 ft: 10 corp: 1/1b exec/s: 0 rss: 170Mb
#4096\tpulse  cov: 12 ft: 14 corp: 2/2b lim: 4 exec/s: 2048 rss: 172Mb
#8192\tDONE   cov: 12 ft: 14 corp: 2/2b lim: 4 exec/s: 4096 rss: 173Mb
Done 8192 runs in 2 second(s)
stat::number_of_executed_units: 8192
stat::average_exec_per_sec:     4096
stat::peak_rss_mb:              173
"""

LIBFUZZER_CRASH = """\
#300\tNEW    cov: 12 ft: 14 corp: 2/2b lim: 4 exec/s: 0 rss: 172Mb
 === Uncaught Python exception: ===
AssertionError: boom
==1== ERROR: libFuzzer: deadly signal
artifact_prefix='/tmp/x/idx-'; Test unit written to /tmp/x/idx-crash-abc
"""


def test_runner_parses_libfuzzer_output():
    import run_fuzzers

    assert run_fuzzers.parse_stats(LIBFUZZER_DONE) == (8192, 173)
    assert run_fuzzers.parse_stats(LIBFUZZER_CRASH) == (300, None)
    assert run_fuzzers.crash_inputs(LIBFUZZER_CRASH) == ["/tmp/x/idx-crash-abc"]
    assert set(run_fuzzers.discover_targets()) >= {"idx", "mnist_pickle"}
