"""Fuzz target: skmlp's IDX reader (skmlp.datasets.load_idx) on any bytes.

The first byte of an input chooses how the rest is presented to the reader:
odd, gzip-compressed first, so that mutations reach the IDX logic behind the
gzip layer (mutated gzip data seldom pass its CRC); even, as the file's bytes
themselves, which also fuzzes the gzip layer. Any input must either give the
array the header declares, or a ValueError naming the file.

Run it: ``python tests/fuzz/fuzz_idx.py -max_total_time=600`` (see
run_fuzzers.py).
"""

import gzip
import io

import numpy as np
from _harness import fuzz, instrumented_imports

with instrumented_imports():
    from skmlp import _untrusted_files, datasets

NAME = "<fuzz input>"


def file_content(data):
    """The file the reader sees for the fuzzer's ``data``."""
    if data[:1] and data[0] & 1:
        return gzip.compress(data[1:], compresslevel=1, mtime=0)
    return data[1:]


def TestOneInput(data: bytes) -> None:
    content = file_content(data)
    try:
        array = datasets._read_idx_file(io.BytesIO(content), len(content), NAME)
    except ValueError as exc:
        assert str(exc).startswith(NAME), exc
        return
    # What was read is what the file holds, in native byte order and writable.
    assert array.flags.writeable and array.flags.c_contiguous
    assert array.dtype.isnative and array.size > 0
    raw = gzip.decompress(content) if content[:2] == b"\x1f\x8b" else content
    assert raw[2] in datasets._IDX_DTYPES and raw[3] == array.ndim
    shape = tuple(
        int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(raw[3])
    )
    assert array.shape == shape
    items = raw[4 + 4 * array.ndim :]
    assert array.astype(array.dtype.newbyteorder(">")).tobytes() == items
    assert len(items) <= len(content) * _untrusted_files.DEFLATE_MAX_RATIO


def idx_bytes(array, type_code):
    header = bytes([0, 0, type_code, array.ndim])
    header += b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def seed_corpus():
    """Valid IDX files of every type, each plain (even first byte) and to be
    gzipped (odd), and one already gzipped."""
    rng = np.random.RandomState(0)
    arrays = [
        (rng.randint(0, 256, size=(3, 5, 5)).astype(np.uint8), 0x08),
        (np.arange(10, dtype=np.uint8), 0x08),
        (np.array([-128, -1, 0, 127], dtype=np.int8), 0x09),
        (np.array([[-300, 2], [7, 32000]], dtype=np.int16), 0x0B),
        (np.array([-70000, 0, 2**31 - 1], dtype=np.int32), 0x0C),
        (np.array([[0.5, -1.25, 3e10]], dtype=np.float32), 0x0D),
        (np.array([np.pi, -0.0], dtype=np.float64), 0x0E),
    ]
    files = [idx_bytes(array, type_code) for array, type_code in arrays]
    seeds = [b"\x00" + content for content in files]
    seeds += [b"\x01" + content for content in files]
    seeds.append(b"\x00" + gzip.compress(files[0], mtime=0))
    return seeds


if __name__ == "__main__":
    fuzz(TestOneInput, seed_corpus)
