"""skmlp._untrusted_files: the one policy for opening, decompressing and
sizing the files skmlp reads (data sets, images, model files)."""

import gzip
import io
import os
import socket
import zipfile

import numpy as np
import pytest

from skmlp import _untrusted_files
from skmlp._untrusted_files import (
    DEFLATE_MAX_RATIO,
    MAX_DECOMPRESSED_BYTES,
    BoundedReader,
    check_decompressed_size,
    check_zip_content,
    content_limit,
    file_kind,
    gzip_stream,
    open_regular_file,
    read_into,
    read_up_to,
)


def test_one_decompression_cap_of_4_gib():
    assert MAX_DECOMPRESSED_BYTES == 4 * 2**30
    assert DEFLATE_MAX_RATIO == 1032


# ------------------------------------------------------------------ opening


def test_regular_file_opens_for_binary_reading(tmp_path):
    path = tmp_path / "data"
    path.write_bytes(b"\x00\x01")
    with open_regular_file(path) as file:
        assert file.read() == b"\x00\x01"


@pytest.mark.parametrize(
    "make, kind",
    [
        (lambda path: path.mkdir(), "a folder"),
        (os.mkfifo, r"a FIFO \(named pipe\)"),
    ],
    ids=["folder", "fifo"],
)
def test_other_kinds_of_file_are_refused_naming_them(tmp_path, make, kind):
    # A FIFO without a writer would block open() without O_NONBLOCK: the
    # check happens before any read.
    path = tmp_path / "thing"
    make(path)
    with pytest.raises(
        ValueError,
        match=rf"thing: {kind}, not a regular file; skmlp reads images only from "
        r"regular files\.$",
    ):
        open_regular_file(path, "images")


def test_devices_and_sockets_are_refused(tmp_path):
    with pytest.raises(ValueError, match=r"/dev/zero: a character device, not a"):
        open_regular_file("/dev/zero")
    path = tmp_path / "sock"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        with pytest.raises(ValueError, match=r"sock: a socket, not a regular file"):
            open_regular_file(path)


def test_file_kinds_are_named_alike_for_readers_and_writers(tmp_path):
    (tmp_path / "file").write_bytes(b"")
    (tmp_path / "link").symlink_to(tmp_path / "file")
    os.mkfifo(tmp_path / "fifo")
    kinds = {
        name: file_kind(os.lstat(tmp_path / name).st_mode)
        for name in ("file", "link", "fifo")
    }
    assert kinds == {
        "file": "a regular file",
        "link": "a symbolic link",
        "fifo": "a FIFO (named pipe)",
    }
    assert file_kind(os.stat(tmp_path).st_mode) == "a folder"
    assert file_kind(os.stat("/dev/null").st_mode) == "a character device"


def test_missing_file_is_the_os_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing"):
        open_regular_file(tmp_path / "missing")


def test_file_swapped_after_the_check_is_refused_on_the_descriptor(
    tmp_path, monkeypatch
):
    # What a race would do: the path passes the first check, then is a FIFO
    # when opened. The descriptor's own check refuses it, and it is closed.
    path = tmp_path / "swapped"
    os.mkfifo(path)
    calls = []
    real_check = _untrusted_files.check_regular

    def first_check_passes(name, mode, what="files"):
        calls.append(mode)
        if len(calls) > 1:
            real_check(name, mode, what)

    monkeypatch.setattr(_untrusted_files, "check_regular", first_check_passes)
    with pytest.raises(ValueError, match=r"a FIFO \(named pipe\)"):
        open_regular_file(path)
    assert len(calls) == 2


# ------------------------------------------------------------- decompression


def test_gzip_stream_recognises_gzip_by_its_content():
    payload = b"the content"
    with gzip_stream(io.BytesIO(gzip.compress(payload))) as (stream, compressed):
        assert compressed and stream.read() == payload
    with gzip_stream(io.BytesIO(payload)) as (stream, compressed):
        assert not compressed and stream.read() == payload


def test_content_limit_is_the_least_of_the_file_the_ratio_and_the_cap(monkeypatch):
    assert content_limit(100, compressed=False) == (100, "the 100-byte file")
    limit, what = content_limit(100, compressed=True)
    assert limit == 100 * DEFLATE_MAX_RATIO and "100 bytes of gzip data" in what
    monkeypatch.setattr(_untrusted_files, "MAX_DECOMPRESSED_BYTES", 5000)
    limit, what = content_limit(100, compressed=True)
    assert limit == 5000 and "skmlp decompresses from one file" in what


def test_declared_size_beyond_what_deflate_can_expand_is_corrupt():
    check_decompressed_size("f", "it declares", 1032, 1)
    with pytest.raises(
        ValueError,
        match=r"^f: corrupt IDX file: it declares, more than the 1 bytes of gzip "
        r"data can hold \(DEFLATE expands data at most 1032 times\)\.$",
    ):
        check_decompressed_size("f", "it declares", 1033, 1, kind="IDX file")


def test_declared_size_beyond_the_cap_is_refused_with_the_hint():
    check_decompressed_size("f", "it declares", MAX_DECOMPRESSED_BYTES, 2**30)
    with pytest.raises(
        ValueError,
        match=r"^f: it declares, more than the 4294967296 bytes skmlp decompresses "
        r"from one file \(4 GiB\)\. Gunzip it\.$",
    ):
        check_decompressed_size(
            "f", "it declares", MAX_DECOMPRESSED_BYTES + 1, 2**30, hint=" Gunzip it."
        )


def _zip_declaring(sizes):
    """A small zip whose central directory declares members of ``sizes``
    bytes, compressed and decompressed alike (stored members)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for n in range(len(sizes)):
            archive.writestr(f"m{n}", b"0")
    data = bytearray(buffer.getvalue())
    position = 0
    for size in sizes:
        position = data.find(b"PK\x01\x02", position)
        data[position + 20 : position + 28] = size.to_bytes(4, "little") * 2
        position += 4
    return io.BytesIO(bytes(data))


def test_zip_content_is_the_declared_total():
    assert check_zip_content(_zip_declaring([10, 20]), "z") == 30


def test_zip_declaring_more_than_the_cap_is_refused_from_its_directory():
    # Stored members (no compression) of 3 GiB each, as the directory says:
    # each within what its compressed size can hold, 6 GiB in all.
    with pytest.raises(
        ValueError,
        match=r"^z: its contents would take 6\.0 GiB once decompressed "
        r"\(6442450944 bytes\), more than the 4294967296 bytes skmlp decompresses",
    ):
        check_zip_content(_zip_declaring([3 * 2**30, 3 * 2**30]), "z")


def test_not_a_zip_is_one_value_error():
    with pytest.raises(ValueError, match=r"^z: not a readable zip file \("):
        check_zip_content(io.BytesIO(b"not a zip"), "z")


# ------------------------------------------------------------------ streams


def test_read_into_fills_by_chunks_and_counts(monkeypatch):
    monkeypatch.setattr(_untrusted_files, "_READ_CHUNK_BYTES", 3)
    buffer = np.zeros(8, dtype=np.uint8)
    assert read_into(io.BytesIO(bytes(range(5))), buffer, "f") == 5
    assert buffer.tolist() == [0, 1, 2, 3, 4, 0, 0, 0]


def test_corrupt_gzip_is_a_value_error_naming_the_file():
    corrupt = bytearray(gzip.compress(b"x" * 100))
    corrupt[-8] ^= 0xFF  # the CRC
    with gzip_stream(io.BytesIO(bytes(corrupt))) as (stream, _):
        with pytest.raises(ValueError, match=r"^f: corrupt or truncated gzip data"):
            read_up_to(stream, 1000, "f")
    with gzip_stream(io.BytesIO(bytes(corrupt))) as (stream, _):
        with pytest.raises(ValueError, match=r"^f: corrupt or truncated gzip data"):
            read_into(stream, np.zeros(1000, dtype=np.uint8), "f")


class Refused(Exception):
    pass


def test_bounded_reader_refuses_to_read_past_its_limit():
    reader = BoundedReader(io.BytesIO(b"abcdef"), 4, "the 4 bytes", Refused, "pickle")
    assert reader.read(3) == b"abc"
    with pytest.raises(
        Refused,
        match=r"^truncated or corrupt pickle: it reads past the end of the 4 bytes$",
    ):
        reader.read(2)
    with pytest.raises(Refused, match="reads past the end"):
        reader.read(-1)
    assert reader.read(1) == b"d"
    assert reader.readline() == b""  # at the limit, lines stop too
    assert not reader.at_end()  # the stream itself goes on


def test_bounded_reader_reports_corrupt_gzip_as_its_error():
    stream = gzip.GzipFile(fileobj=io.BytesIO(gzip.compress(b"abc")[:-4]))
    reader = BoundedReader(stream, 100, "the file", Refused)
    with pytest.raises(Refused, match=r"^corrupt or truncated gzip data"):
        reader.read(100)
