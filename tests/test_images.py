"""read_image: every format through Pillow, and hostile files refused with
one line naming the file, before memory is spent on them."""

import io
import os
import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest
from PIL import Image

from skmlp._images import FORMATS, MAX_PIXELS, read_image


def save(tmp_path, name, image, **options):
    path = tmp_path / name
    image.save(path, **options)
    return path


def png_bytes(width, height, idat, *, colour_type=0):
    """A PNG of 8-bit pixels whose IHDR declares ``width`` x ``height``,
    with ``idat`` as its compressed data and valid CRCs throughout."""

    def chunk(kind, data):
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", idat)
        + chunk(b"IEND", b"")
    )


def zeros_deflated(n_bytes, block=1 << 20):
    """zlib data inflating to ``n_bytes`` zeros, made without holding them."""
    compressor = zlib.compressobj(9)
    zeros = bytes(block)
    parts = [compressor.compress(zeros) for _ in range(n_bytes // block)]
    parts.append(compressor.compress(bytes(n_bytes % block)))
    return b"".join(parts) + compressor.flush()


# --------------------------------------------------------------- formats


def test_grey_formats(tmp_path):
    pixels = np.array([[0, 64, 255], [128, 32, 16]], dtype=np.uint8)
    expected = pixels / 255.0
    grey = Image.fromarray(pixels)
    for name, options in [
        ("a.png", {}),
        ("a.pgm", {}),
        ("a.tiff", {}),
        ("a.bmp", {}),
        ("a.gif", {}),
    ]:
        read = read_image(save(tmp_path, name, grey, **options))
        assert read.dtype == np.float32 and read.shape == (2, 3), name
        np.testing.assert_allclose(read, expected, atol=1e-6, err_msg=name)
    plain = tmp_path / "plain.pgm"
    plain.write_bytes(b"P2\n# a comment\n3 2\n4\n0 1 4\n2 3 4\n")
    # Pillow widens the maximum (4) to 255: levels come within 1/255.
    np.testing.assert_allclose(
        read_image(plain), [[0, 0.25, 1], [0.5, 0.75, 1]], atol=1 / 255
    )
    jpeg = read_image(save(tmp_path, "a.jpg", grey.resize((30, 20)), quality=95))
    assert jpeg.shape == (20, 30)


def test_wide_and_float_images(tmp_path):
    wide = np.array([[0, 65535], [257, 32768]], dtype=np.uint16)
    np.testing.assert_allclose(
        read_image(save(tmp_path, "w.png", Image.fromarray(wide))), wide / 65535
    )
    sixteen_bit_pgm = tmp_path / "w.pgm"
    sixteen_bit_pgm.write_bytes(b"P5\n2 1\n1000\n" + struct.pack(">HH", 0, 1000))
    np.testing.assert_allclose(read_image(sixteen_bit_pgm), [[0.0, 1.0]])
    floats = np.array([[0.0, 0.25], [0.5, 1.0]], dtype=np.float32)
    np.testing.assert_array_equal(
        read_image(save(tmp_path, "f.tiff", Image.fromarray(floats))), floats
    )


def test_colour_becomes_grey_and_transparency_is_kept(tmp_path):
    rgb = Image.new("RGB", (4, 3), (255, 0, 51))
    luma = (0.299 * 255 + 0.114 * 51) / 255  # ITU-R 601, as Pillow's "L"
    read = read_image(save(tmp_path, "c.png", rgb))
    assert read.shape == (3, 4)
    np.testing.assert_allclose(read, luma, atol=1 / 255)
    rgba = Image.new("RGBA", (4, 3), (255, 0, 51, 128))
    read = read_image(save(tmp_path, "t.png", rgba))
    assert read.shape == (3, 4, 2)
    np.testing.assert_allclose(read[..., 0], luma, atol=1 / 255)
    np.testing.assert_allclose(read[..., 1], 128 / 255)
    la = Image.new("LA", (4, 3), (0, 255))
    np.testing.assert_array_equal(
        read_image(save(tmp_path, "la.png", la)), [[[0, 1]] * 4] * 3
    )
    # A transparent colour (tRNS) in a grey PNG becomes an alpha channel.
    grey = Image.fromarray(np.array([[0, 255]], dtype=np.uint8))
    read = read_image(save(tmp_path, "trns.png", grey, transparency=255))
    np.testing.assert_array_equal(read, [[[0, 1], [1, 0]]])
    # So does a palette's transparent entry.
    palette = Image.frombytes("P", (2, 2), bytes([0, 1, 1, 1]))
    palette.putpalette([0, 0, 0, 255, 0, 0])
    read = read_image(save(tmp_path, "p.gif", palette, transparency=0))
    np.testing.assert_allclose(read[0], [[0, 0], [0.299, 1]], atol=1 / 255)


def test_file_objects():
    buffer = io.BytesIO()
    Image.new("L", (3, 2), 255).save(buffer, format="PNG")
    buffer.seek(0)
    np.testing.assert_array_equal(read_image(buffer), np.ones((2, 3)))
    with pytest.raises(ValueError, match="^<file object>: not an image"):
        read_image(io.BytesIO(b"nothing"))


# ------------------------------------------------------------ orientation

# What a viewer does with a stored image of each EXIF orientation, in NumPy:
# Pillow's exif_transpose, ``Image.Transpose`` by ``Image.Transpose``.
SHOWN = {
    1: lambda a: a,
    2: lambda a: a[:, ::-1],  # FLIP_LEFT_RIGHT
    3: lambda a: a[::-1, ::-1],  # ROTATE_180
    4: lambda a: a[::-1],  # FLIP_TOP_BOTTOM
    5: lambda a: a.T,  # TRANSPOSE
    6: lambda a: np.rot90(a, -1),  # ROTATE_270: a quarter turn clockwise
    7: lambda a: a[::-1, ::-1].T,  # TRANSVERSE
    8: lambda a: np.rot90(a, 1),  # ROTATE_90: a quarter turn anticlockwise
}


def with_orientation(image, orientation, format, **options):
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation
    buffer = io.BytesIO()
    image.save(buffer, format=format, exif=exif, **options)
    buffer.seek(0)
    return buffer


@pytest.mark.parametrize("format", ["PNG", "TIFF", "WEBP"])
@pytest.mark.parametrize("orientation", sorted(SHOWN))
def test_images_come_out_as_a_viewer_shows_them(format, orientation):
    """Issue 29 (2): EXIF orientation was never applied."""
    stored = np.random.default_rng(orientation).integers(0, 256, (5, 8), np.uint8)
    options = {"lossless": True} if format == "WEBP" else {}
    file = with_orientation(Image.fromarray(stored), orientation, format, **options)
    expected = SHOWN[orientation](stored) / np.float32(255)
    np.testing.assert_array_equal(read_image(file), expected.astype(np.float32))


def test_a_photo_taken_sideways_reads_as_the_upright_one(tmp_path):
    """A phone's JPEG of an upright digit, stored as the sensor saw it (a
    quarter turn anticlockwise) with Orientation=6, reads as the same digit
    stored upright (up to JPEG's own losses), and is normalised alike."""
    from skmlp.preprocessing import DigitImageNormalizer

    upright = np.full((120, 80), 255, dtype=np.uint8)
    upright[10:110, 35:45] = 0  # a "1"
    upright[10:20, 25:40] = 0  # its flag
    sideways = np.rot90(upright, 1)  # as stored: the viewer turns it back
    upright_file = save(tmp_path, "upright.jpg", Image.fromarray(upright), quality=95)
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(
        with_orientation(Image.fromarray(sideways), 6, "JPEG", quality=95).getvalue()
    )
    read = read_image(photo)
    assert read.shape == (120, 80)
    np.testing.assert_allclose(read, read_image(upright_file), atol=0.1)
    normalizer = DigitImageNormalizer(layout="mnist").fit()
    rows = normalizer.transform([photo, upright_file])
    # A 1 and the same 1 turned on its side are far apart: this is the 1.
    assert np.abs(rows[0] - rows[1]).max() < 0.2
    turned = normalizer.transform([save(tmp_path, "t.png", Image.fromarray(sideways))])
    assert np.abs(rows[0] - turned[0]).max() > 0.5


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize(
    "exif",
    [
        # Orientation 9, which no viewer knows, and an IFD past the end.
        b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00"
        b"\x00\x00\x01\x00\x09\x00\x00",
        b"Exif\x00\x00MM\x00*\xff\xff\xff\xff",
    ],
    ids=["orientation-9", "damaged"],
)
def test_unknown_or_damaged_orientation_leaves_the_image_as_stored(exif):
    stored = np.eye(8, 16, dtype=np.uint8) * 255
    buffer = io.BytesIO()
    Image.fromarray(stored).save(buffer, format="PNG", exif=exif)
    buffer.seek(0)
    np.testing.assert_array_equal(read_image(buffer), stored / np.float32(255))


def test_a_failed_turn_is_one_line_naming_the_file(tmp_path, monkeypatch):
    from PIL import ImageOps

    def fails(image, in_place):
        raise SyntaxError("bad EXIF\nsecond line")

    monkeypatch.setattr(ImageOps, "exif_transpose", fails)
    path = save(tmp_path, "photo.png", Image.new("L", (4, 4)))
    with pytest.raises(
        ValueError,
        match=r"photo\.png: corrupt, truncated or unsupported image \(bad EXIF "
        r"second line\)$",
    ):
        read_image(path)


# ---------------------------------------------------------- hostile files


def test_png_claiming_30000x30000_is_one_line_naming_the_file(tmp_path):
    bomb = tmp_path / "huge.png"
    bomb.write_bytes(png_bytes(30000, 30000, zlib.compress(b"\0" * 30001)))
    with pytest.raises(ValueError, match="the image declares more than") as caught:
        read_image(bomb)
    message = str(caught.value)
    assert message.startswith(f"{bomb}: the image declares more than")
    assert "\n" not in message and f"{MAX_PIXELS:,}" in message


def test_sizes_over_the_cap_are_refused_before_decoding(tmp_path):
    over = tmp_path / "over.png"
    over.write_bytes(png_bytes(8000, 5001, b"not even zlib"))
    with pytest.raises(ValueError, match=f"^{over}: the image declares 8000x5001"):
        read_image(over)


def test_decompression_bomb_keeps_memory_bounded(tmp_path):
    """A 92 KB PNG that inflates to 95 megapixels is refused from its
    header: reading it costs a few MB, not the ~1.2 GB of decoding it."""
    width, height = 10_000, 9_500
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_bytes(width, height, zeros_deflated(height * (width + 1))))
    assert bomb.stat().st_size < 200_000
    code = (
        "import resource, sys\n"
        "from skmlp._images import read_image\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "try:\n"
        "    read_image(sys.argv[1])\n"
        "except ValueError as exc:\n"
        "    print(exc)\n"
        "after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print((after - before) // 1024)\n"  # ru_maxrss is in KB on Linux
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(bomb)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert out[0].startswith(f"{bomb}: the image declares more than")
    assert int(out[1]) < 20  # MB of peak memory spent reading the file


def test_nan_float_tiff(tmp_path):
    pixels = np.array([[0.0, np.nan], [0.5, 1.0]], dtype=np.float32)
    path = save(tmp_path, "nan.tiff", Image.fromarray(pixels))
    with pytest.raises(
        ValueError, match=f"^{path}: the image holds pixels that are NaN"
    ):
        read_image(path)
    over = np.full((2, 2), 300, dtype=np.float32)
    outside = save(tmp_path, "big.tiff", Image.fromarray(over))
    with pytest.raises(ValueError, match=r"range from 300 to 300, outside \[0, 1\]"):
        read_image(outside)


@pytest.mark.parametrize(
    "content",
    [
        b"P2\n2 2\n255\n0 1 99999999999999999999999999999 2\n",  # huge pixel
        b"P2\n2 2\n255\n0 1 300 2\n",  # a pixel over the maximum
        b"P2\n2 2\n99999999999999999999999\n0 1 2 3\n",  # huge maximum
        b"P2\n2 2\n0\n0 0 0 0\n",  # zero maximum
        b"P2\n2 2\n255\n0 1\n",  # too few pixels
        b"P5\n4 4\n255\n\x00\x01",  # truncated binary
        b"P2\n99999999999999999 2\n255\n0\n",  # huge width
    ],
)
def test_bad_pgm_files(tmp_path, content):
    path = tmp_path / "bad.pgm"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="bad.pgm: ") as caught:
        read_image(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and "\n" not in message


def test_truncated_and_corrupt_png(tmp_path):
    buffer = io.BytesIO()
    Image.fromarray(np.arange(10_000, dtype=np.uint8).reshape(100, 100)).save(
        buffer, format="PNG"
    )
    data = buffer.getvalue()
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=f"^{truncated}: corrupt, truncated"):
        read_image(truncated)
    bad_crc = bytearray(data)
    bad_crc[40] ^= 0xFF  # inside the image data: its CRC no longer matches
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(bytes(bad_crc))
    with pytest.raises(ValueError, match=f"^{corrupt}: "):
        read_image(corrupt)


def test_zero_sized_image(tmp_path):
    path = tmp_path / "empty.png"
    path.write_bytes(png_bytes(0, 5, zlib.compress(b"")))
    with pytest.raises(ValueError, match=f"^{path}: "):
        read_image(path)


def test_formats_outside_the_list_are_not_read(tmp_path):
    """EPS would be handed to Ghostscript: it is not even identified."""
    eps = tmp_path / "digit.eps"
    eps.write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n")
    with pytest.raises(
        ValueError, match=f"^{eps}: not an image in a format skmlp reads"
    ):
        read_image(eps)
    assert "EPS" not in FORMATS


def test_non_regular_files_are_refused_before_reading(tmp_path):
    fifo = tmp_path / "fifo.png"
    os.mkfifo(fifo)
    # In a child with a timeout: opening a FIFO must not wait for a writer.
    code = "import sys; from skmlp._images import read_image; read_image(sys.argv[1])"
    result = subprocess.run(
        [sys.executable, "-c", code, str(fifo)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (
        f"ValueError: {fifo}: a FIFO (named pipe), not a regular file; skmlp reads "
        "images only from regular files." in result.stderr
    )
    for path in ("/dev/zero", tmp_path):
        with pytest.raises(ValueError, match="not a regular file"):
            read_image(path)
    with pytest.raises(FileNotFoundError, match="missing.png"):
        read_image(tmp_path / "missing.png")


def test_control_characters_from_the_file_are_not_echoed():
    """A decoder's message may quote the file: it is printed as one plain line."""
    hostile = b"P2\n2 2\n255\n0 1 \x1b[2J99999999999999999999999999 2\n"
    with pytest.raises(ValueError, match="<file object>: ") as caught:
        read_image(io.BytesIO(hostile))
    assert caught.value.args[0].isprintable()
