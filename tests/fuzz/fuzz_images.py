"""Fuzz target: reading image files (skmlp._images.read_image) and normalising
digit images (skmlp.preprocessing.DigitImageNormalizer) on any bytes.

The first byte of an input chooses what the rest is:

- even: the bytes of an image file, read by ``read_image`` (through Pillow,
  the formats it allows); an image that is read is then normalised;
- odd: a small array of pixels, its shape, type, polarity and layout taken
  from the next bytes, normalised directly.

Any input must either give the documented result (float32 pixels in [0, 1];
rows of 784 or 64 float32 values in [0, 1]) or a ``ValueError`` naming the
file or the image.

Run it: ``python tests/fuzz/fuzz_images.py -max_total_time=600`` (see
run_fuzzers.py).
"""

import io

import numpy as np
from _harness import atheris, fuzz, fuzzing, instrumented_imports

with instrumented_imports():
    from skmlp import _images, preprocessing

if fuzzing():
    # Pillow's format plugins are Python: let atheris see their branches too.
    with atheris.instrument_imports(include=["PIL"]):
        from PIL import Image

        Image.init()

NAME = "<fuzz input>"
NORMALIZERS = {
    (layout, polarity): preprocessing.DigitImageNormalizer(
        layout=layout, polarity=polarity
    ).fit()
    for layout in ("mnist", "digits")
    for polarity in ("auto", "dark_on_light", "light_on_dark")
}
DTYPES = (np.uint8, np.uint16, np.float32, np.bool_)
CHANNELS = (None, 2, 3, 4)


def TestOneInput(data: bytes) -> None:
    if not data:
        return
    if data[0] & 1:
        check_array_input(data[1:])
    else:
        check_file_input(data[1:])


def check_file_input(content):
    file = io.BytesIO(content)
    file.name = NAME
    try:
        pixels = _images.read_image(file)
    except ValueError as exc:
        assert str(exc).startswith(f"{NAME}: "), exc
        assert "\n" not in str(exc) and str(exc).isprintable(), exc
        return
    assert pixels.dtype == np.float32
    assert pixels.ndim == 2 or (pixels.ndim == 3 and pixels.shape[2] in (2, 3, 4))
    assert pixels.shape[0] * pixels.shape[1] <= _images.MAX_PIXELS
    assert np.isfinite(pixels).all() and pixels.min() >= 0 and pixels.max() <= 1
    check_normalized(pixels, ("mnist", "auto"))


def check_array_input(data):
    """An array of up to 24x24 pixels (and channels) described by ``data``."""
    if len(data) < 4:
        return
    height, width = data[0] % 24 + 1, data[1] % 24 + 1
    channels = CHANNELS[data[2] % 4]
    dtype = DTYPES[(data[2] >> 2) % 4]
    layout = ("mnist", "digits")[data[3] & 1]
    polarity = ("auto", "dark_on_light", "light_on_dark")[(data[3] >> 1) % 3]
    shape = (height, width) if channels is None else (height, width, channels)
    values = np.frombuffer(data[4:], dtype=np.uint8)
    if values.size == 0:
        return
    values = np.resize(values, shape)  # repeated to fill the shape
    if dtype is np.float32:
        pixels = values.astype(np.float32) / 255
    elif dtype is np.bool_:
        pixels = values > 127
    else:
        pixels = values.astype(dtype)
    check_normalized(pixels, (layout, polarity))


def check_normalized(pixels, key):
    normalizer = NORMALIZERS[key]
    try:
        rows = normalizer.transform([pixels])
    except ValueError as exc:
        assert str(exc).startswith("image 0: "), exc
        return
    n_features = 784 if key[0] == "mnist" else 64
    assert rows.shape == (1, n_features) and rows.dtype == np.float32
    assert np.isfinite(rows).all() and rows.min() >= 0 and rows.max() <= 1
    assert rows.max() > 0  # a digit was found, so some ink is left


def digit_drawing(size=20):
    """A "7" of ``size`` x ``size`` pixels: dark ink on white, uint8."""
    from PIL import Image

    canvas = np.full((20, 20), 255, dtype=np.uint8)
    canvas[3:6, 4:16] = 0
    for row in range(6, 18):
        column = 15 - (row - 6) // 2
        canvas[row, column - 1 : column + 2] = 0
    return np.asarray(Image.fromarray(canvas).resize((size, size)))


def image_file(image, format, **options):
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


def seed_corpus():
    """The "7" in every format and mode read_image handles (even first
    byte), and a few arrays (odd first byte)."""
    from PIL import Image, features

    grey = Image.fromarray(digit_drawing())
    ink = 255 - digit_drawing()
    rgba = np.zeros((*ink.shape, 4), dtype=np.uint8)
    rgba[..., 2], rgba[..., 3] = 200, ink
    files = [
        image_file(grey, "PNG"),
        image_file(grey, "PNG", transparency=255),
        image_file(Image.fromarray(rgba), "PNG"),
        image_file(grey.convert("LA"), "PNG"),
        image_file(grey.convert("RGB"), "PNG"),
        image_file(grey.convert("P"), "PNG"),
        image_file(Image.fromarray(digit_drawing().astype(np.uint16) * 257), "PNG"),
        image_file(grey, "PPM"),  # binary PGM (P5)
        b"P2\n4 4\n15\n15 15 15 15\n15 0 0 15\n15 15 0 15\n15 15 0 15\n",
        image_file(Image.fromarray(digit_drawing() / np.float32(255)), "TIFF"),
        image_file(grey, "TIFF", compression="tiff_lzw"),
        image_file(grey, "BMP"),
        image_file(grey, "GIF"),
        image_file(grey, "JPEG", quality=90),
    ]
    if features.check("webp"):
        files.append(image_file(grey, "WEBP"))
    seeds = [b"\x00" + content for content in files]
    arrays = [
        bytes([27, 27, 0, 0]) + digit_drawing(28).tobytes(),
        bytes([19, 19, 3 | 8, 2]) + np.repeat(digit_drawing(), 4).tobytes(),
        bytes([7, 7, 0 | 12, 1]) + (255 - digit_drawing(8)).tobytes(),
    ]
    seeds += [b"\x01" + array for array in arrays]
    return seeds


if __name__ == "__main__":
    fuzz(TestOneInput, seed_corpus)
