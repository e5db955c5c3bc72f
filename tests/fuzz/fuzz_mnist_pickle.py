"""Fuzz target: skmlp's restricted unpickler for mnist.pkl.gz (load_mnist).

The first byte of an input chooses how the rest is presented to the reader:
odd, gzip-compressed first; even, as the file's bytes themselves. Any input
must either give three (X, y) splits of arrays of the tutorials' layout, or a
ValueError naming the file, and must never run anything (the harness's audit
hook watches for commands, exec and the like).

Run it: ``python tests/fuzz/fuzz_mnist_pickle.py -max_total_time=600`` (see
run_fuzzers.py).
"""

import gzip
import io
import pickle
import struct

import numpy as np
from _harness import fuzz, instrument, instrumented_imports

with instrumented_imports():
    from skmlp import datasets

# The unpickler's own branches, which decide what an input reaches.
instrument(pickle._Unpickler, pickle._Unframer)

NAME = "<fuzz input>"


def file_content(data):
    """The file the reader sees for the fuzzer's ``data``."""
    if data[:1] and data[0] & 1:
        return gzip.compress(data[1:], compresslevel=1, mtime=0)
    return data[1:]


def TestOneInput(data: bytes) -> None:
    content = file_content(data)
    try:
        splits = datasets._read_pickle_file(io.BytesIO(content), len(content), NAME)
    except ValueError as exc:
        assert str(exc).startswith(NAME), exc
        return
    assert len(splits) == 3
    for X, y in splits:
        assert type(X) is np.ndarray and type(y) is np.ndarray
        assert X.ndim == 2 and X.dtype.kind in "fiu" and not X.dtype.hasobject
        assert y.ndim == 1 and y.dtype.kind in "iu" and not y.dtype.hasobject
        assert X.shape[0] == y.shape[0] and X.shape[1] == splits[0][0].shape[1]
        assert X.size == 0 or (X.min() >= 0 and X.max() <= 1)
        assert X.flags.writeable and y.flags.writeable


class Python2Pickler(pickle._Pickler):
    """Writes bytes as Python 2 pickled its str (BINSTRING), as in the
    tutorials' mnist.pkl.gz."""

    def save_bytes(self, obj):
        self.write(pickle.BINSTRING + struct.pack("<i", len(obj)) + obj)
        self.memoize(obj)

    dispatch = dict(pickle._Pickler.dispatch)
    dispatch[bytes] = save_bytes


def seed_corpus():
    """The tutorials' layout with tiny 2 x 2 images, in Python 2's form and in
    every protocol of Python 3, each plain and to be gzipped."""
    rng = np.random.RandomState(0)
    splits = tuple(
        (
            rng.uniform(0, 1, size=(n, 4)).astype(np.float32),
            rng.randint(0, 10, size=n).astype(np.int64),
        )
        for n in (3, 2, 1)
    )
    python2 = io.BytesIO()
    Python2Pickler(python2, protocol=2).dump(splits)
    pickles = [python2.getvalue()]
    pickles += [
        pickle.dumps(splits, protocol=p) for p in range(pickle.HIGHEST_PROTOCOL + 1)
    ]
    odd = ((splits[0][0].astype(">f8"), splits[0][1].astype(">i4")), *splits[1:])
    pickles.append(pickle.dumps(odd, protocol=2))
    return [b"\x00" + p for p in pickles] + [b"\x01" + p for p in pickles]


if __name__ == "__main__":
    fuzz(TestOneInput, seed_corpus)
