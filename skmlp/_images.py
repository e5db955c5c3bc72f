"""Reading image files into arrays, with memory bounded before decoding.

:func:`read_image` decodes a file with Pillow and returns its pixels as a
float32 array in [0, 1], keeping colour and transparency for
:class:`skmlp.preprocessing.DigitImageNormalizer`. Every file is treated as
hostile: only regular files are read, only a few raster formats are tried,
the size in the header is checked against :data:`MAX_PIXELS` before any
pixel is decoded, and pixels that are not finite or lie outside the range of
their type are refused. Whatever goes wrong with the content is a one-line
``ValueError`` that names the file.
"""

import os
import stat
import warnings

import numpy as np

__all__ = ["FORMATS", "MAX_PIXELS", "read_image"]

#: Largest image read, in pixels (width x height), checked against the
#: header before decoding. 40 megapixels is more than any phone camera takes
#: for a digit; the float32 array of an RGBA image of this size takes 640 MB.
MAX_PIXELS = 40_000_000

#: Pillow formats that are tried, in this order. Others are refused unread:
#: some (EPS) would hand the file to an external program.
FORMATS = ("PNG", "JPEG", "PPM", "TIFF", "BMP", "GIF", "WEBP")

# Pillow's 16-bit grey modes and its 32-bit integer mode hold 0..65535 (the
# PPM reader widens a PGM's maximum value to 65535); "F" holds floats.
_WIDE_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I")
_GREY_MODES = ("1", "L", "LA", "La")
_ALPHA_MODES = ("LA", "La", "PA", "RGBA", "RGBa")


def read_image(file):
    """Read an image file as a float32 array of pixels in [0, 1].

    The file is decoded by Pillow, in any of the formats :data:`FORMATS`
    (PNG, JPEG, PGM/PPM/PBM in their plain and binary forms, TIFF, BMP, GIF,
    WebP); a multi-frame file gives its first frame.

    Parameters
    ----------
    file : str, path-like or binary file object
        The image. A path must name a regular file: FIFOs, devices and
        directories are refused before anything is read from them.

    Returns
    -------
    pixels : ndarray of shape (height, width) or (height, width, channels)
        float32 values in [0, 1]: ``(height, width)`` for grey images,
        ``channels`` 2 for grey with transparency (LA), 3 for colour (RGB)
        and 4 for colour with transparency (RGBA). 16-bit images are divided
        by 65535, 8-bit ones by 255; float images must already lie in [0, 1].

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
        with _open_regular_file(name) as stream:
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


def _open_regular_file(path):
    """``path`` opened for binary reading, refused unless a regular file.

    The check is made on the open descriptor, so the file cannot be swapped
    between check and read; ``O_NONBLOCK`` keeps opening a FIFO from
    waiting for a writer.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError(f"{path}: not a regular file")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _decode(Image, stream, name):
    """Pixels of the first frame of the image in ``stream``."""
    with warnings.catch_warnings():
        # Pillow warns, then raises, above its own limit (89 megapixels by
        # default, or None); ours is lower and checked before decoding.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(stream, formats=FORMATS)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ValueError(
                f"{name}: the image declares more than {Image.MAX_IMAGE_PIXELS:,} "
                f"pixels (Pillow's limit); skmlp reads at most {MAX_PIXELS:,}"
            ) from None
        except Image.UnidentifiedImageError:
            raise ValueError(
                f"{name}: not an image in a format skmlp reads ({', '.join(FORMATS)})"
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
            return _pixels(image, name)


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
    """float32 pixels in [0, 1] of a decoded Pillow image."""
    if image.mode in _WIDE_MODES:
        return _scaled(np.asarray(image), 65535, name)
    if image.mode == "F":
        return _scaled(np.asarray(image), 1, name)
    has_alpha = image.mode in _ALPHA_MODES or "transparency" in image.info
    grey = image.mode in _GREY_MODES or _has_grey_palette(image)
    target = {
        (True, False): "L",
        (True, True): "LA",
        (False, False): "RGB",
        (False, True): "RGBA",
    }[grey, has_alpha]
    try:
        pixels = np.asarray(image.convert(target))
    except Exception as exc:  # a corrupt palette, an unknown raw mode
        raise _unreadable(name, exc) from None
    return _scaled(pixels, 255, name)


def _has_grey_palette(image):
    """Whether ``image`` is a palette image whose colours are all grey (as
    GIF stores grey images)."""
    if image.mode not in ("P", "PA"):
        return False
    colours = np.asarray(image.getpalette() or [], dtype=np.uint8).reshape(-1, 3)
    return bool((colours == colours[:, :1]).all())


def _scaled(pixels, maximum, name):
    """``pixels / maximum`` as float32, refused if outside [0, maximum]."""
    pixels = pixels.astype(np.float32)
    if not np.isfinite(pixels).all():
        raise ValueError(f"{name}: the image holds pixels that are NaN or infinite")
    low, high = float(pixels.min()), float(pixels.max())
    if low < 0 or high > maximum:
        raise ValueError(
            f"{name}: pixel values range from {low:g} to {high:g}, outside "
            f"[0, {maximum}] for an image of this type"
        )
    if maximum != 1:
        pixels /= maximum
    return pixels
