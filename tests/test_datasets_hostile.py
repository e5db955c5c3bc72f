"""skmlp.datasets on files written to break it.

Every file here is built by the test itself: data pickles whose payload would
run code, pickles that misuse the NumPy globals a data pickle may name, gzip
bombs, IDX headers that lie about their size, and FIFOs, devices, sockets and
folders where a file is expected. Nothing may run, memory must stay bounded by
what the file declares, and every error is a ValueError naming the file.

Memory and special files are tested in subprocesses (with an address-space
limit, so that a regression fails instead of exhausting the machine, and a
timeout, so that it fails instead of hanging).
"""

import codecs
import gzip
import io
import json
import os
import pickle
import re
import socket
import struct
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from skmlp.datasets import load_idx, load_mnist

try:  # NumPy 2
    from numpy._core.multiarray import _reconstruct
except ImportError:  # NumPy 1.x
    from numpy.core.multiarray import _reconstruct

MB = 2**20
IMAGES_47MB = (60000, 28, 28)  # MNIST's training images: 47,040,000 bytes


# ----------------------------------------------------------------- helpers


class Reduce:
    """Pickles as ``func(*args)``, followed by ``BUILD(state)`` if a state is
    given: how a hostile pickle calls whatever it names."""

    def __init__(self, func, args, state=None):
        self.func, self.args, self.state = func, args, state

    def __reduce__(self):
        if self.state is None:
            return self.func, self.args
        return self.func, self.args, self.state


def idx_header(shape, type_code=0x08):
    return bytes([0, 0, type_code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape)


def tutorial_splits(n_pixels=16, dtype=np.float32):
    """The layout of the tutorials' mnist.pkl.gz, with small arrays."""
    rng = np.random.RandomState(0)
    return tuple(
        (
            rng.uniform(0, 1, size=(n, n_pixels)).astype(dtype),
            rng.randint(0, 10, size=n).astype(np.int64),
        )
        for n in (5, 3, 2)
    )


def with_X(X):
    """Tutorial splits whose train X is replaced by ``X``."""
    (_, y), valid, test = tutorial_splits()
    return ((X, y), valid, test)


def write_pickle(path, obj, protocol=2, compress=True):
    content = pickle.dumps(obj, protocol=protocol)
    path.write_bytes(gzip.compress(content) if compress else content)
    return path


def gzip_of_zeros(prefix, n_zero_bytes, block=16 * MB):
    """gzip data decompressing to ``prefix`` and ``n_zero_bytes`` zeros, built in
    a fraction of a second: one member holding the prefix, then the same
    compressed block of zeros repeated as further members (valid gzip)."""
    first = min(n_zero_bytes, block)
    members = [gzip.compress(prefix + bytes(first), 1)]
    n_blocks, rest = divmod(n_zero_bytes - first, block)
    members += [gzip.compress(bytes(block), 1)] * n_blocks
    if rest:
        members.append(gzip.compress(bytes(rest), 1))
    return b"".join(members)


# Runs loaders in a fresh interpreter, under an address-space limit, and prints
# for each case the error and how much the peak resident memory grew. Cases run
# in order of increasing bound: the peak only grows, so a case that exceeds its
# bound is caught at its own check.
WORKER = textwrap.dedent(
    """
    import json, resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, resource.RLIM_INFINITY))
    from skmlp.datasets import load_idx, load_mnist

    def peak_mb():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    cases, warm_up = json.loads(sys.argv[1])
    load_idx(warm_up)  # first-call allocations belong to the baseline
    baseline = peak_mb()
    results = {}
    for case_id, loader, path in cases:
        try:
            {"load_idx": load_idx, "load_mnist": load_mnist}[loader](path)
            error = None
        except BaseException as exc:
            error = [type(exc).__name__, str(exc)]
        results[case_id] = {"error": error, "rss_mb": peak_mb() - baseline}
        print(json.dumps(results), flush=True)
    """
)


def run_worker(cases, warm_up, timeout=120):
    """``{case_id: {"error": [type, message] or None, "rss_mb": float}}``."""
    try:
        completed = subprocess.run(
            [sys.executable, "-c", WORKER, json.dumps([cases, str(warm_up)])],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the loaders did not return within {timeout} s: {exc.stdout}")
    lines = completed.stdout.strip().splitlines()
    assert lines, completed.stderr
    return json.loads(lines[-1])


@pytest.fixture(scope="module")
def warm_up_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("warm") / "labels-idx1-ubyte"
    path.write_bytes(idx_header((3,), 0x08) + bytes(3))
    return path


# ---------------------------------------------- pickles whose payload runs


@pytest.mark.parametrize("protocol", [0, 2, 4])
@pytest.mark.parametrize("payload", ["os.system", "open", "numpy-runstring"])
def test_pickle_payload_never_runs(tmp_path, payload, protocol):
    marker = tmp_path / "created-by-the-pickle"
    from numpy.testing._private.utils import runstring

    attack = {
        "os.system": Reduce(os.system, (f"touch '{marker}'",)),
        "open": Reduce(open, (str(marker), "w")),
        # A global inside numpy, whose whole module a prefix rule would trust.
        "numpy-runstring": Reduce(runstring, (f"open({str(marker)!r}, 'w')", {})),
    }[payload]
    path = write_pickle(tmp_path / "mnist.pkl.gz", with_X(attack), protocol)

    with pytest.raises(ValueError, match=r"refused to load \S+") as excinfo:
        load_mnist(path)
    assert str(path) in str(excinfo.value)
    assert not marker.exists()


def test_pickle_payload_is_refused_before_anything_runs(tmp_path):
    # The payload comes first; the refusal names the global it asked for.
    marker = tmp_path / "created"
    path = write_pickle(
        tmp_path / "data.pkl", Reduce(os.system, (f"touch '{marker}'",)), 2, False
    )
    with pytest.raises(ValueError, match=r"refused to load posix\.system: a data"):
        load_mnist(path)
    assert not marker.exists()


# ----------------------------------- pickles that misuse the allowed names


def array_state(shape, dtype, data, version=1):
    state = (shape, dtype, False, data)
    return (version, *state) if version is not None else state


def reconstruct(state, subtype=np.ndarray):
    return Reduce(_reconstruct, (subtype, (0,), b"b"), state)


def dtype_with_state(code, state):
    return Reduce(np.dtype, (code, False, True), state)


PLAIN_F4_STATE = (3, "<", None, None, None, -1, -1, 0)

MISUSED_PICKLES = {
    "object-array": (
        with_X(np.array([[None, 1]], dtype=object)),
        r"asks for dtype 'O8'; a data pickle holds only booleans, integers",
    ),
    # NumPy's own dtype.__setstate__ would mark this float64 as holding
    # object pointers.
    "dtype-flags": (
        with_X(
            reconstruct(
                array_state(
                    (1, 16),
                    dtype_with_state("f8", (3, "<", None, None, None, -1, -1, 63)),
                    bytes(128),
                )
            )
        ),
        r"the state of dtype 'f8' is not a plain number type's",
    ),
    "structured-dtype": (
        with_X(np.zeros((1, 16), dtype=[("a", "f4")])),
        r"asks for dtype 'V4'",
    ),
    "subclass": (
        with_X(np.zeros((1, 16), np.float32).view(np.recarray)),
        r"refused to load numpy[.\w]*\.recarray",
    ),
    "reconstruct-of-a-dtype": (
        with_X(reconstruct(None, subtype=np.dtype)),
        r"_reconstruct is asked for a function",
    ),
    "huge-shape": (
        with_X(
            reconstruct(
                array_state((2**40, 2**40), dtype_with_state("f4", PLAIN_F4_STATE), b"")
            )
        ),
        r"shape \(1099511627776, 1099511627776\) and dtype 'f4' needs \d+ bytes "
        r"of data; the pickle gives 0",
    ),
    "negative-shape": (
        with_X(
            reconstruct(
                array_state((-1, 16), dtype_with_state("f4", PLAIN_F4_STATE), b"")
            )
        ),
        r"an array's shape is not a tuple of sizes",
    ),
    "object-data": (
        with_X(
            reconstruct(
                array_state((1, 2), dtype_with_state("f4", PLAIN_F4_STATE), [1.0, 2.0])
            )
        ),
        r"an array's data are a list of length 2, not bytes",
    ),
    "codecs-rot13": (
        with_X(Reduce(codecs.encode, ("x", "rot13"))),
        r"calls _codecs.encode other than for latin-1 text",
    ),
    "dict": ({"train": 1}, r"opcode EMPTY_DICT"),
    "set": ({1, 2}, r"opcode EMPTY_SET"),
}


@pytest.mark.parametrize("protocol", [2, 4])
@pytest.mark.parametrize("case", sorted(MISUSED_PICKLES))
def test_pickle_misusing_allowed_names_is_refused(tmp_path, case, protocol):
    obj, match = MISUSED_PICKLES[case]
    if case == "set" and protocol == 2:  # no set opcodes before protocol 4
        match = r"refused to load __builtin__\.set"
    path = write_pickle(tmp_path / "mnist.pkl.gz", obj, protocol=protocol)
    with pytest.raises(ValueError, match=match) as excinfo:
        load_mnist(path)
    assert str(path) in str(excinfo.value)


def raw_pickle(*parts):
    return b"".join(parts)


PROTO2 = b"\x80\x02"
MALFORMED_PICKLES = {
    # Lengths the file cannot hold: refused before allocating them.
    "bytearray8-of-1TB": (
        raw_pickle(b"\x80\x05\x96", struct.pack("<Q", 2**40), b"."),
        r"truncated or corrupt pickle: it reads past the end of the \d+-byte file",
    ),
    "binstring-of-2GB": (
        raw_pickle(PROTO2, b"T", struct.pack("<i", 2**31 - 1), b"."),
        r"it reads past the end",
    ),
    "frame-of-1TB": (
        raw_pickle(b"\x80\x04\x95", struct.pack("<Q", 2**40), b"."),
        r"it reads past the end",
    ),
    "newobj": (
        raw_pickle(PROTO2, b"cnumpy\nndarray\n)\x81."),
        r"opcode NEWOBJ, which a data pickle of arrays never needs",
    ),
    "persistent-id": (raw_pickle(b"Pfile\n."), r"opcode PERSID"),
    "build-on-a-tuple": (raw_pickle(PROTO2, b")Nb."), r"sets the state of a tuple"),
    "too-many-opcodes": (
        raw_pickle(PROTO2, b"N0" * 60000, b"N."),
        r"runs more than 100000 opcodes",
    ),
    "trailing-data": (
        pickle.dumps(tutorial_splits(), protocol=2) + b"more",
        r"unexpected data after the end of the pickle",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED_PICKLES))
def test_malformed_pickle_is_refused(tmp_path, case):
    content, match = MALFORMED_PICKLES[case]
    path = tmp_path / "mnist.pkl"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=match) as excinfo:
        load_mnist(path)
    assert str(path) in str(excinfo.value)


def test_bytes_of_a_size_is_refused(tmp_path):
    # Protocol 2 writes b"" as __builtin__.bytes(); nothing else may call it.
    path = write_pickle(tmp_path / "mnist.pkl.gz", with_X(Reduce(bytes, (10**12,))))
    with pytest.raises(ValueError, match=r"calls bytes\(\) with arguments"):
        load_mnist(path)


def test_pickle_of_lists_is_not_an_array(tmp_path):
    path = write_pickle(tmp_path / "mnist.pkl.gz", with_X([[0.5] * 16] * 5))
    with pytest.raises(ValueError, match=r"X is a list of length 5, not an array"):
        load_mnist(path)


# ------------------------------------------ pickles that must still load


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_tutorial_pickle_loads_in_every_protocol(tmp_path, protocol):
    # Protocols 0-2 write bytes through _codecs.encode; 5 uses _frombuffer.
    splits = tutorial_splits()
    path = write_pickle(tmp_path / "mnist.pkl.gz", splits, protocol)
    X, y = load_mnist(path, subset="all", return_X_y=True)
    assert_array_equal(X, np.concatenate([X for X, _ in splits]))
    assert_array_equal(y, np.concatenate([y for _, y in splits]))
    assert X.flags.writeable and y.flags.writeable


def test_pickle_arrays_keep_their_values_in_any_byte_order_and_layout(tmp_path):
    splits = tutorial_splits(dtype=np.float64)
    (X, y), valid, test = splits
    odd = ((np.asfortranarray(X).astype(">f8"), y.astype(">i4")), valid, test)
    path = write_pickle(tmp_path / "mnist.pkl", odd, protocol=2, compress=False)
    X_loaded, y_loaded = load_mnist(path, return_X_y=True)
    assert_array_equal(X_loaded, X.astype(np.float32))
    assert_array_equal(y_loaded, y)


def test_pickle_with_an_empty_split_loads(tmp_path):
    # Protocol 2 writes the empty data of an empty array as __builtin__.bytes().
    (X, y), valid, test = tutorial_splits()
    path = write_pickle(tmp_path / "mnist.pkl.gz", ((X, y), valid, (X[:0], y[:0])))
    X_test, y_test = load_mnist(path, subset="test", return_X_y=True)
    assert X_test.shape == (0, 16) and y_test.shape == (0,)


# ------------------------------------------------------- hostile IDX files


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
@pytest.mark.parametrize(
    "header, match",
    [
        (idx_header((0, 2**32 - 1, 2**32 - 1)), r"zero dimension"),
        (idx_header((5, 0)), r"shape \(5, 0\), with a zero dimension"),
        (idx_header((1,) * 65), r"declares 65 dimensions; skmlp reads at most 32"),
        (
            idx_header((2**32 - 1, 2**32 - 1, 2)),
            r"the header declares shape \(4294967295, 4294967295, 2\)",
        ),
    ],
    ids=["zero-first", "zero-last", "too-many-dims", "absurd-size"],
)
def test_idx_header_is_checked_before_reading(tmp_path, header, match, compress):
    content = header + bytes(10)
    path = tmp_path / "data-idx"
    path.write_bytes(gzip.compress(content) if compress else content)
    with pytest.raises(ValueError, match=match) as excinfo:
        load_idx(path)
    assert str(path) in str(excinfo.value)


def test_idx_absurd_gzip_header_names_the_bound(tmp_path):
    path = tmp_path / "data-idx.gz"
    path.write_bytes(gzip.compress(idx_header((2**32 - 1, 2**32 - 1, 2))))
    with pytest.raises(
        ValueError, match=r"more than the \d+ bytes of gzip data can hold"
    ):
        load_idx(path)


def test_idx_larger_than_the_decompression_cap_is_refused(tmp_path, monkeypatch):
    from skmlp import _untrusted_files

    monkeypatch.setattr(_untrusted_files, "MAX_DECOMPRESSED_BYTES", 1000)
    path = tmp_path / "labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(idx_header((2000,)) + bytes(2000)))
    with pytest.raises(ValueError, match=r"more than the 1000 bytes skmlp decompr"):
        load_idx(path)
    path.write_bytes(gzip.compress(idx_header((900,)) + bytes(900)))
    assert load_idx(path).shape == (900,)


def test_big_endian_idx_is_returned_in_native_order(tmp_path):
    values = np.array([[-70000, 1], [2**31 - 1, -(2**31)]], dtype=np.int32)
    path = tmp_path / "ints-idx2-int"
    path.write_bytes(idx_header(values.shape, 0x0C) + values.astype(">i4").tobytes())
    array = load_idx(path)
    assert array.dtype == np.dtype("=i4") and array.flags.writeable
    assert_array_equal(array, values)


# ------------------------------------------------------- bounded memory


@pytest.fixture(scope="module")
def memory_results(tmp_path_factory, warm_up_file):
    """Each hostile file loaded once in a subprocess: its error and how much the
    peak memory grew, in MB. Cases in order of increasing bound."""
    folder = tmp_path_factory.mktemp("bombs")

    def write(name, content):
        (folder / name).write_bytes(content)
        return str(folder / name)

    def memo_bomb():
        # LONG_BINPUT of index 2**25: CPython's C unpickler grows its memo
        # table to 2**26 pointers (512 MB) for these 8 bytes.
        return PROTO2 + b"N" + b"r" + struct.pack("<I", 2**25) + b"."

    amplified = pickle.dumps(with_X([[0.5] * 1000] * 1_000_000), protocol=2)
    cases = [
        # Header declares 7,840 bytes; the stream goes on for 1 GiB.
        (
            "idx-bomb",
            "load_idx",
            write("bomb-idx3-ubyte.gz", gzip_of_zeros(idx_header((10, 28, 28)), 2**30)),
            50,
        ),
        (
            "idx-absurd-header",
            "load_idx",
            write(
                "absurd-idx3-ubyte.gz",
                gzip_of_zeros(idx_header((2**32 - 1, 2**32 - 1, 2)), 256 * MB),
            ),
            50,
        ),
        (
            "pickle-zeros",
            "load_mnist",
            write("zeros.pkl.gz", gzip_of_zeros(b"", 2**30)),
            50,
        ),
        ("pickle-memo", "load_mnist", write("memo.pkl", memo_bomb()), 50),
        (
            "pickle-lists",
            "load_mnist",
            write("lists.pkl.gz", gzip.compress(amplified)),
            50,
        ),
        # Header declares MNIST's 47 MB of images; the stream is 200 MB longer.
        (
            "idx-47MB-longer",
            "load_idx",
            write(
                "long-idx3-ubyte.gz",
                gzip_of_zeros(idx_header(IMAGES_47MB), 47_040_000 + 200 * MB),
            ),
            47 + 50,
        ),
    ]
    results = run_worker([case[:3] for case in cases], warm_up_file)
    return {case[0]: (results.get(case[0]), case[3], case[2]) for case in cases}


@pytest.mark.parametrize(
    "case, match",
    [
        ("idx-bomb", r"too long IDX file: the header declares shape \(10, 28, 28\)"),
        ("idx-absurd-header", r"more than the \d+ bytes of gzip data can hold"),
        ("pickle-zeros", r"not a readable pickle"),
        ("pickle-memo", r"expected a pickle of .* got an object of type NoneType"),
        ("pickle-lists", r"runs more than 100000 opcodes"),
        ("idx-47MB-longer", r"too long IDX file: the header declares shape \(60000,"),
    ],
)
def test_hostile_file_is_refused_within_bounded_memory(memory_results, case, match):
    result, bound_mb, path = memory_results[case]
    assert result is not None, "the worker stopped before this case"
    assert result["error"] is not None, "the file was loaded"
    error_type, message = result["error"]
    assert error_type == "ValueError", message
    assert re.search(match, message), message
    assert path in message
    assert result["rss_mb"] < bound_mb, f"peak memory grew by {result['rss_mb']} MB"


# ------------------------------------------------------- special files


def test_fifo_and_devices_fail_at_once(tmp_path, warm_up_file):
    fifo = tmp_path / "mnist.pkl.gz"
    os.mkfifo(fifo)
    folder = tmp_path / "mnist"
    folder.mkdir()
    os.mkfifo(folder / "train-images-idx3-ubyte")
    (folder / "train-labels-idx1-ubyte").write_bytes(idx_header((1,)) + b"\x00")
    cases = [
        ("fifo-pickle", "load_mnist", str(fifo)),
        ("fifo-idx", "load_idx", str(fifo)),
        ("fifo-in-folder", "load_mnist", str(folder)),
        ("dev-zero-pickle", "load_mnist", "/dev/zero"),
        ("dev-zero-idx", "load_idx", "/dev/zero"),
    ]
    # A regression blocks on the FIFO or reads /dev/zero until the memory
    # limit: either way the worker fails within the timeout.
    results = run_worker(cases, warm_up_file, timeout=60)
    expected = {
        "fifo-pickle": (fifo, "a FIFO (named pipe)"),
        "fifo-idx": (fifo, "a FIFO (named pipe)"),
        "fifo-in-folder": (folder / "train-images-idx3-ubyte", "a FIFO (named pipe)"),
        "dev-zero-pickle": ("/dev/zero", "a character device"),
        "dev-zero-idx": ("/dev/zero", "a character device"),
    }
    for case_id, (path, kind) in expected.items():
        assert results[case_id]["error"] == [
            "ValueError",
            f"{path}: {kind}, not a regular file; skmlp reads data sets only "
            "from regular files.",
        ], case_id


def test_folder_given_as_a_file_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r": a folder, not a regular file"):
        load_idx(tmp_path)


def test_socket_given_as_a_file_is_refused(tmp_path):
    path = tmp_path / "sock"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        with pytest.raises(ValueError, match=r"sock: a socket, not a regular file"):
            load_idx(path)
        with pytest.raises(ValueError, match=r"sock: a socket, not a regular file"):
            load_mnist(path)


def test_io_bytes_reader_matches_the_file_reader(tmp_path):
    # The fuzz targets read from memory through the same internal functions.
    from skmlp import datasets

    values = np.arange(12, dtype=np.uint8).reshape(3, 4)
    content = gzip.compress(idx_header(values.shape) + values.tobytes())
    array = datasets._read_idx_file(io.BytesIO(content), len(content), "<bytes>")
    assert_array_equal(array, values)
