"""Fuzz target: the zip directory check of model files
(skmlp._untrusted_files.check_zip_content, which ``skmlp evaluate`` and
``skmlp predict`` run on a .skops file before skops reads it).

Any input must either give the total its directory declares, within skmlp's
decompression policy, or a ValueError naming the file; nothing is
decompressed.

Run it: ``python tests/fuzz/fuzz_zip_content.py -max_total_time=600`` (see
run_fuzzers.py).
"""

import io
import zipfile

from _harness import fuzz, instrumented_imports

with instrumented_imports():
    from skmlp import _untrusted_files

NAME = "<fuzz input>"


def TestOneInput(data: bytes) -> None:
    try:
        total = _untrusted_files.check_zip_content(io.BytesIO(data), NAME)
    except ValueError as exc:
        assert str(exc).startswith(NAME), exc
        return
    # What passed is within the cap and what its compressed sizes can hold.
    members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    assert total == sum(info.file_size for info in members)
    assert 0 <= total <= _untrusted_files.MAX_DECOMPRESSED_BYTES
    compressed = max(sum(info.compress_size for info in members), 1)
    assert total <= compressed * _untrusted_files.DEFLATE_MAX_RATIO


def seed_corpus():
    """Small zips as skops writes them (deflated and stored members), and an
    empty one."""
    seeds = []
    for method in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", method) as archive:
            archive.writestr("schema.json", '{"__class__": "MLPDigitClassifier"}')
            archive.writestr("0.npy", bytes(200))
        seeds.append(buffer.getvalue())
    buffer = io.BytesIO()
    zipfile.ZipFile(buffer, "w").close()
    seeds.append(buffer.getvalue())
    return seeds


if __name__ == "__main__":
    fuzz(TestOneInput, seed_corpus)
