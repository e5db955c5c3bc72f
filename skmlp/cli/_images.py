"""Reading an image file and turning it into a model's input (``predict``).

Moved here unchanged from ``skmlp/__main__.py``; to be replaced by
``skmlp._images.read_image`` and ``skmlp.preprocessing.DigitImageNormalizer``.
"""

import re

import numpy as np

from ._errors import CommandError

_PGM_TOKEN = re.compile(rb"(?:\s|#[^\r\n]*)*([0-9]+)")


def read_image(path):
    """The image in ``path`` as a 2-D float array of grey levels in [0, 1].

    PGM (P2 and P5) is parsed here; other formats go to Pillow (or, without
    it, matplotlib). Transparent pixels count as white.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror}") from None
    if data[:2] in (b"P2", b"P5"):
        return _parse_pgm(data, path)
    return _read_with_pillow(path)


def _parse_pgm(data, path):
    """Grey levels of a plain (P2) or binary (P5) PGM file."""
    fields, position = [], 2
    for _ in range(3):
        match = _PGM_TOKEN.match(data, position)
        if match is None:
            raise CommandError(f"{path}: not a valid PGM file (bad header)")
        fields.append(int(match.group(1)))
        position = match.end()
    width, height, max_value = fields
    if width < 1 or height < 1 or not 1 <= max_value <= 65535:
        raise CommandError(
            f"{path}: not a valid PGM file ({width}x{height}, maximum {max_value})"
        )
    n_pixels = width * height
    if data[:2] == b"P5":
        dtype = np.dtype("u1") if max_value < 256 else np.dtype(">u2")
        position += 1  # the single whitespace character after the maximum
        if len(data) - position < n_pixels * dtype.itemsize:
            raise CommandError(f"{path}: truncated PGM file")
        pixels = np.frombuffer(data, dtype=dtype, count=n_pixels, offset=position)
    else:
        values = re.sub(rb"#[^\r\n]*", b"", data[position:]).split()
        if len(values) < n_pixels:
            raise CommandError(f"{path}: truncated PGM file")
        try:
            pixels = np.array(values[:n_pixels], dtype=np.int64)
        except ValueError:
            raise CommandError(f"{path}: not a valid PGM file") from None
    return np.clip(pixels.reshape(height, width) / max_value, 0.0, 1.0)


def _read_with_pillow(path):
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:
        return _read_with_matplotlib(path)
    try:
        with Image.open(path) as image:
            return _pillow_grey(image)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise CommandError(
            f"{path}: not an image skmlp can read (PNG, PGM or another format "
            "Pillow reads)"
        ) from None


def _pillow_grey(image):
    """Grey levels in [0, 1] of a Pillow image, transparency over white."""
    if image.mode.startswith("I;16") or image.mode in ("I", "F"):
        pixels = np.asarray(image, dtype=float)
        return pixels / (65535.0 if image.mode != "F" else max(pixels.max(), 1.0))
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        from PIL import Image

        white = Image.new("RGBA", image.size, "white")
        image = Image.alpha_composite(white, image.convert("RGBA"))
    return np.asarray(image.convert("L"), dtype=float) / 255.0


def _read_with_matplotlib(path):
    try:
        import matplotlib.image
    except ImportError:
        raise CommandError(
            f"{path}: reading PNG images needs Pillow (pip install pillow); PGM "
            "files need nothing"
        ) from None
    try:
        pixels = np.asarray(matplotlib.image.imread(path), dtype=float)
    except Exception:
        raise CommandError(f"{path}: not an image skmlp can read") from None
    if pixels.max() > 1.0:  # 8-bit formats come as 0..255
        pixels = pixels / 255.0
    if pixels.ndim == 3 and pixels.shape[2] == 4:  # transparency over white
        alpha = pixels[..., 3:]
        pixels = pixels[..., :3] * alpha + (1.0 - alpha)
    if pixels.ndim == 3:  # ITU-R 601 luma, as Pillow's convert("L")
        pixels = pixels[..., :3] @ np.array([0.299, 0.587, 0.114])
    return pixels


def image_to_features(grey, side):
    """A grey image as a model input: light digit on dark, [0, 1], side x side.

    The background is the median of the border pixels: a light one is
    inverted, since the digits MNIST and load_digits hold are light on dark.
    Grey levels are then stretched from the background to the darkest ink
    (so that a photo's grey paper becomes 0), the image is padded to a square
    (keeping the digit's proportions) and resized by area averaging.
    """
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    background = float(np.median(border))
    if background > 0.5:
        grey, background = 1.0 - grey, 1.0 - background
    ink = float(grey.max())
    if ink - background < 1e-3:
        raise CommandError("the image is blank: no digit to classify")
    grey = np.clip((grey - background) / (ink - background), 0.0, 1.0)
    return area_resize(_pad_to_square(grey), side, side).ravel()


def _pad_to_square(image):
    rows, columns = image.shape
    size = max(rows, columns)
    top, left = (size - rows) // 2, (size - columns) // 2
    square = np.zeros((size, size))
    square[top : top + rows, left : left + columns] = image
    return square


def area_resize(image, rows, columns):
    """``image`` resized to rows x columns, each new pixel the mean of the area
    of the old ones it covers (exact for any ratio, up or down)."""
    return (
        _area_weights(image.shape[0], rows)
        @ image
        @ _area_weights(image.shape[1], columns).T
    )


def _area_weights(n_in, n_out):
    """(n_out, n_in) matrix: the share of each old pixel in each new one."""
    new_edges = np.linspace(0.0, n_in, n_out + 1)
    old_edges = np.arange(n_in + 1.0)
    overlap = np.minimum(new_edges[1:, None], old_edges[None, 1:]) - np.maximum(
        new_edges[:-1, None], old_edges[None, :-1]
    )
    overlap = np.clip(overlap, 0.0, None)
    return overlap / overlap.sum(axis=1, keepdims=True)
