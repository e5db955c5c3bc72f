"""Reading image files into arrays, with memory bounded before decoding.

:func:`read_image` decodes a file with Pillow and returns its grey levels
(and transparency) as a float32 array in [0, 1], for
:class:`skmlp.preprocessing.DigitImageNormalizer`. Every file is treated as
hostile: only regular files are read, only a few raster formats are tried,
the size in the header is checked against :data:`MAX_PIXELS` before any
pixel is decoded, and pixels that are not finite or lie outside the range of
their type are refused. Images come out as a viewer shows them: turned as
their EXIF orientation says. Whatever goes wrong with the content is a one-line
``ValueError`` that names the file.
"""

import os
import warnings

import numpy as np

from ._untrusted_files import open_regular_file

__all__ = ["FORMAT_NAMES", "FORMATS", "IMAGE_SUFFIXES", "MAX_PIXELS", "read_image"]

#: Largest image read, in pixels (width x height), checked against the
#: header before decoding: more than a phone camera's photo of a digit.
#: Reading an image this large takes about 250 MB (grey) or 550 MB (with
#: transparency) at its peak.
MAX_PIXELS = 40_000_000

#: The image formats skmlp reads, in the order Pillow tries them: Pillow's
#: name of each, the name people know it by, and the file suffixes that
#: ``skmlp predict`` takes from a folder. Others are refused unread: some
#: (EPS) would hand the file to an external program. Every list of formats
#: (the reader's errors, ``skmlp predict --help``, the documentation, whose
#: lists tests/test_documentation.py compares) is made from this one.
IMAGE_FORMATS = (
    ("PNG", "PNG", (".png",)),
    ("JPEG", "JPEG", (".jpg", ".jpeg", ".jpe", ".jfif")),
    ("PPM", "PGM/PPM/PBM", (".pgm", ".ppm", ".pbm", ".pnm")),
    ("TIFF", "TIFF", (".tif", ".tiff")),
    ("BMP", "BMP", (".bmp",)),
    ("GIF", "GIF", (".gif",)),
    ("WEBP", "WebP", (".webp",)),
)

#: Pillow's names of the formats that are tried, in this order.
FORMATS = tuple(pillow_name for pillow_name, _, _ in IMAGE_FORMATS)

#: The formats as messages and the documentation list them:
#: ``"PNG, JPEG, PGM/PPM/PBM, TIFF, BMP, GIF, WebP"``.
FORMAT_NAMES = ", ".join(name for _, name, _ in IMAGE_FORMATS)

#: The suffixes (lower case) of the files of those formats.
IMAGE_SUFFIXES = frozenset(
    suffix for _, _, suffixes in IMAGE_FORMATS for suffix in suffixes
)

# Pillow's 16-bit grey modes and its 32-bit integer mode hold 0..65535 (the
# PPM reader widens a PGM's maximum value to 65535); "F" holds floats.
_WIDE_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I")
_ALPHA_MODES = ("LA", "La", "PA", "RGBA", "RGBa")


def read_image(file):
    """Read an image file as a float32 array of pixels in [0, 1].

    The file is decoded by Pillow, in any of the formats :data:`FORMATS`
    (PNG, JPEG, PGM/PPM/PBM, TIFF, BMP, GIF, WebP; the PGM family in its plain
    and binary forms); a multi-frame file gives its first frame.

    Parameters
    ----------
    file : str, path-like or binary file object
        The image. A path must name a regular file: FIFOs, devices and
        directories are refused before anything is read from them.

    Returns
    -------
    pixels : ndarray of shape (height, width) or (height, width, 2)
        The image as a viewer shows it: turned or mirrored as its EXIF
        orientation says (a phone's photo taken sideways comes out
        upright), then float32 values in [0, 1]: grey levels, and the alpha
        channel as
        ``pixels[..., 1]`` if the image has transparency. Colour becomes
        grey as Pillow's ``convert("L")`` makes it (ITU-R 601 luma), which is
        what :class:`~skmlp.preprocessing.DigitImageNormalizer` does with
        colour too. 16-bit images are divided by 65535, 8-bit ones by 255;
        float images must already lie in [0, 1].

    Raises
    ------
    ValueError
        If the file is not a regular file, is not an image in one of
        :data:`FORMATS`, is truncated or corrupt, declares more than
        :data:`MAX_PIXELS` pixels, or holds pixels that are not finite or
        lie outside the range of their type. The message names the file.
    OSError
        If the file cannot be opened (it does not exist, permission denied).
    ImportError
        If Pillow is not installed.

    Examples
    --------
    >>> import io
    >>> from PIL import Image
    >>> png = io.BytesIO()
    >>> Image.new("L", (3, 2), color=255).save(png, format="PNG")
    >>> read_image(png)
    array([[1., 1., 1.],
           [1., 1., 1.]], dtype=float32)
    """
    Image = _import_pillow()
    if isinstance(file, (str, os.PathLike)):
        name = os.fspath(file)
        with open_regular_file(name, "images") as stream:
            return _decode(Image, stream, name)
    return _decode(Image, file, getattr(file, "name", "<file object>"))


def _import_pillow():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            "reading image files needs Pillow: pip install pillow"
        ) from None
    return Image


def _decode(Image, stream, name):
    """Pixels of the first frame of the image in ``stream``."""
    with warnings.catch_warnings():
        # Pillow warns, then raises, above its own limit (89 megapixels by
        # default, or None); ours is lower and checked before decoding.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        # Pillow warns about damage it can read past ("Corrupt EXIF data"):
        # the pixels are checked below, and a reader prints one line or none.
        warnings.filterwarnings("ignore", category=UserWarning, module="PIL")
        try:
            image = Image.open(stream, formats=FORMATS)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ValueError(
                f"{name}: the image declares more than {Image.MAX_IMAGE_PIXELS:,} "
                f"pixels (Pillow's limit); skmlp reads at most {MAX_PIXELS:,}"
            ) from None
        except Image.UnidentifiedImageError:
            raise ValueError(
                f"{name}: not an image in a format skmlp reads ({FORMAT_NAMES})"
            ) from None
        except Exception as exc:  # Pillow's parsers raise many types
            raise _unreadable(name, exc) from None
        with image:
            _check_size(image, name)
            try:
                image.load()
            except Exception as exc:
                raise _unreadable(name, exc) from None
            _check_size(image, name)  # a few formats learn their size on load
            try:
                _apply_orientation(image)
            except Exception as exc:
                raise _unreadable(name, exc) from None
            return _pixels(image, name)


def _apply_orientation(image):
    """Turn ``image`` in place as its EXIF orientation says a viewer shows
    it (``PIL.ImageOps.exif_transpose``): a phone stores a photo as its
    sensor saw it and records the turn in the EXIF data. An orientation
    outside 1 to 8 leaves the image as stored, as viewers do."""
    from PIL import ImageOps

    ImageOps.exif_transpose(image, in_place=True)


def _unreadable(name, exc):
    """A one-line ValueError for a file Pillow failed to decode."""
    reason = exc.args[0] if exc.args else ""
    if isinstance(reason, bytes):  # some of Pillow's decoders report bytes
        reason = reason.decode("ascii", "replace")
    # One short printable line: the message may quote the file's own bytes.
    reason = "".join(
        c if c.isprintable() else "?" for c in " ".join(str(reason).split())
    )
    reason = reason[:200] or type(exc).__name__
    return ValueError(f"{name}: corrupt, truncated or unsupported image ({reason})")


def _check_size(image, name):
    width, height = image.size
    if width < 1 or height < 1:
        raise ValueError(f"{name}: the image is empty ({width}x{height} pixels)")
    if width * height > MAX_PIXELS:
        raise ValueError(
            f"{name}: the image declares {width}x{height} pixels, more than "
            f"skmlp reads ({MAX_PIXELS:,})"
        )


def _pixels(image, name):
    """float32 pixels in [0, 1] of a decoded Pillow image: grey, or grey and
    alpha. The Pillow images are closed as soon as their pixels are copied,
    so that at most one copy of the image is held besides the result."""
    if image.mode in _WIDE_MODES:
        return _scaled(_take_pixels(image), 65535, name)
    if image.mode == "F":
        return _scaled(_take_pixels(image), 1, name)
    has_alpha = image.mode in _ALPHA_MODES or "transparency" in image.info
    mode = "LA" if has_alpha else "L"
    if image.mode != mode:
        try:
            converted = image.convert(mode)  # colour to ITU-R 601 luma
        except Exception as exc:  # a corrupt palette, an unknown raw mode
            raise _unreadable(name, exc) from None
        image.close()
        image = converted
    return _scaled(_take_pixels(image), 255, name)


def _take_pixels(image):
    """The pixels of ``image`` as an array; the image is closed."""
    with image:
        return np.asarray(image)


def _scaled(pixels, maximum, name):
    """``pixels / maximum`` as float32, refused if outside [0, maximum]."""
    low, high = float(pixels.min()), float(pixels.max())  # NaN if any is
    if not (np.isfinite(low) and np.isfinite(high)):
        raise ValueError(f"{name}: the image holds pixels that are NaN or infinite")
    if low < 0 or high > maximum:
        raise ValueError(
            f"{name}: pixel values range from {low:g} to {high:g}, outside "
            f"[0, {maximum}] for an image of this type"
        )
    if maximum == 1:
        return pixels.astype(np.float32, copy=False)
    return np.divide(pixels, np.float32(maximum), dtype=np.float32)
