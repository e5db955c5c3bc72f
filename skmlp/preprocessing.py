"""Preparing images for a digit classifier.

:class:`DigitImageNormalizer` turns pictures of digits into rows a digit
classifier was trained on: it finds the ink in an image of any size, colour
and polarity and lays it out the way the digits of MNIST or of scikit-learn's
``load_digits`` were made, so that a model trained on those data sets reads
a digit drawn in a paint program, scanned or photographed.
:class:`ZCAWhitening` decorrelates the pixels of such rows and keeps them
images.
"""

import math
import os
import reprlib
from numbers import Integral

import numpy as np
from scipy import ndimage
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import HasMethods, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._images import read_image
from ._whitening import ZCAWhitening

__all__ = ["DigitImageNormalizer", "ZCAWhitening"]

# Side of the output image, in pixels, for each layout.
_SIDES = {"mnist": 28, "digits": 8}

# The layout of a classifier's input, from its number of features.
_LAYOUTS_BY_N_FEATURES = {28 * 28: "mnist", 8 * 8: "digits"}

# MNIST: the ink's bounding box is scaled so that its longer side is 20
# pixels, then placed so that its centre of mass falls on this pixel (row and
# column), where MNIST's own digits have theirs (measured: 14.0 +- 0.3).
_MNIST_BOX = 20
_MNIST_CENTRE = 14.0

# load_digits: the digit is scaled into a 32x32 bitmap (longer side 32, its
# bounding box centred), whose ink is counted in 4x4 blocks (0..16).
_BITMAP_SIDE = 32
_BLOCK = 4

# Ink must stand out from the background by this much (on a 0..1 scale) and
# by this many times the background's noise; fainter pixels belong to the
# digit if they stand out by the weak limits and touch such ink.
_MIN_CONTRAST = 0.2
_STRONG_NOISE = 6.0
_FAINTEST = 0.02
_WEAK_NOISE = 3.0
_SPECK = 0.02

# Images with more pixels are reduced (means of blocks of pixels) before the
# ink is sought: 20 or 32 pixels come out, and memory stays bounded.
_WORK_PIXELS = 2_000_000

# ITU-R 601 luma, as Pillow's convert("L").
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


class DigitImageNormalizer(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
):
    """Normalise pictures of digits the way MNIST or ``load_digits`` was made.

    Each image is reduced to its ink (a light digit on a dark background,
    whatever its colours were), cropped to the ink's bounding box and laid out
    as the digits of the chosen data set were:

    - ``'mnist'`` (LeCun's recipe): the bounding box is scaled, keeping its
      aspect ratio and anti-aliased, so that its longer side is 20 pixels,
      then placed in a 28x28 field with its centre of mass at the centre.
      Values lie in [0, 1]: divide MNIST's bytes by 255 to match.
    - ``'digits'`` (scikit-learn's ``load_digits``, the UCI "optdigits"
      recipe): the digit is scaled into a 32x32 bitmap (longer side 32,
      centred) and the ink pixels are counted in 4x4 blocks, giving 8x8
      counts from 0 to 16, returned divided by 16: divide ``load_digits``'s
      ``X`` by 16 to match.

    The ink is found without assuming a clean background: the background
    level is the median of a band along the image's edges, and its noise
    the spread of that band on the ink's side. Ink must stand out from the
    background by at least 0.2 (on a 0..1 scale) and by 6 times the noise;
    fainter pixels (by 0.02 and 3 times the noise) count only where they
    touch such ink, which keeps the anti-aliased edges of strokes and drops
    specks of noise. Ink is then stretched so that the median of its strong
    pixels is 1: a pencil digit on grey paper comes out as bright as a
    marker on white.

    Read more in the :doc:`user guide </user_guide/own_digits>`.

    Parameters
    ----------
    layout : {'mnist', 'digits'} or estimator, default='mnist'
        The data set whose digits the output looks like. An estimator must
        be a fitted classifier trained on one of them: the layout is chosen
        by its ``n_features_in_`` (784 for MNIST, 64 for ``load_digits``)
        at ``fit``. Cloning (as ``GridSearchCV`` does) clones such an
        estimator unfitted: wrap it in
        :class:`sklearn.frozen.FrozenEstimator` to keep it fitted.

    polarity : {'auto', 'dark_on_light', 'light_on_dark'}, default='auto'
        How the digit differs from its background. ``'auto'`` takes the
        median grey level as the background and the extreme farther from it
        as the ink. Transparent pixels are background in every case; if
        every visible pixel has the same colour, the visible pixels are the
        ink, whatever that colour.

    Attributes
    ----------
    layout_ : {'mnist', 'digits'}
        The layout chosen at ``fit``.

    image_shape_ : tuple of int
        Shape of an output image: ``(28, 28)`` or ``(8, 8)``.

    See Also
    --------
    skmlp.MLPDigitClassifier : The classifier that usually follows.

    Notes
    -----
    ``transform`` accepts, in a list (or tuple):

    - paths (str or path-like) of image files, read by Pillow (PNG, JPEG,
      PGM/PPM/PBM, TIFF, BMP, GIF, WebP); errors then name the file;
    - arrays of shape ``(height, width)`` (grey), ``(height, width, 2)``
      (grey and alpha), ``(height, width, 3)`` (RGB) or
      ``(height, width, 4)`` (RGBA).

    or an array of shape ``(n_images, height, width)`` or
    ``(n_images, height, width, channels)``. Float pixels must lie in
    [0, 1]; ``bool`` pixels are 0 or 1; integer pixels are divided by 255,
    or by 65535 for ``uint16``.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import ndimage
    >>> from skmlp.preprocessing import DigitImageNormalizer
    >>> canvas = np.ones((200, 300))  # white paper
    >>> canvas[40:160, 100:130] = 0.0  # a black "1", 120 px tall, off centre
    >>> normalizer = DigitImageNormalizer(layout="mnist").fit([canvas])
    >>> rows = normalizer.transform([canvas])
    >>> rows.shape, rows.dtype
    ((1, 784), dtype('float32'))
    >>> digit = rows[0].reshape(28, 28)
    >>> int((digit > 0.5).any(axis=1).sum())  # the longer side, in pixels
    20
    >>> bool(np.abs(np.subtract(ndimage.center_of_mass(digit), 14)).max() <= 0.5)
    True

    In a pipeline, in front of a classifier trained on MNIST-like rows:

    >>> from sklearn.pipeline import make_pipeline
    >>> from skmlp import MLPDigitClassifier
    >>> model = make_pipeline(DigitImageNormalizer(), MLPDigitClassifier())
    """

    _parameter_constraints: dict = {
        "layout": [StrOptions({"mnist", "digits"}), HasMethods(["predict"])],
        "polarity": [StrOptions({"auto", "dark_on_light", "light_on_dark"})],
    }

    def __init__(self, layout="mnist", polarity="auto"):
        self.layout = layout
        self.polarity = polarity

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X=None, y=None):
        """Choose the output layout; the images themselves are not read.

        Parameters
        ----------
        X : list of images, ndarray or None
            Ignored: the normalisation of an image does not depend on the
            others.

        y : None
            Ignored.

        Returns
        -------
        self : DigitImageNormalizer
            The fitted normalizer.
        """
        self.layout_ = _layout_of(self.layout)
        side = _SIDES[self.layout_]
        self.image_shape_ = (side, side)
        return self

    def transform(self, X):
        """Normalise each image into one row of the chosen layout.

        Parameters
        ----------
        X : list of images or paths, or ndarray of 3 or 4 dimensions
            The images, as described in the class's Notes.

        Returns
        -------
        rows : ndarray of shape (n_images, 784) or (n_images, 64)
            float32 values in [0, 1], one row per image, the image's pixels
            row by row.

        Raises
        ------
        ValueError
            If an image is blank (no ink stands out from its background),
            has pixels out of range or not finite, or is a file that cannot
            be read as an image. The message names the image: its file, or
            its position in ``X``.
        """
        check_is_fitted(self)
        images = _image_sources(X)
        rows = np.empty((len(images), self._n_features_out), dtype=np.float32)
        for row, (name, load) in zip(rows, images):
            row[:] = self._normalize(load(), name).ravel()
        return rows

    def _normalize(self, image, name):
        """One image (grey, LA, RGB or RGBA) in the fitted layout."""
        grey, alpha = _grey_and_alpha(image, name)
        ink = _ink_map(grey, alpha, self.polarity)
        digit = _isolate_ink(ink, name)
        if self.layout_ == "mnist":
            return _mnist_layout(digit)
        return _digits_layout(digit)

    @property
    def _n_features_out(self):
        """Number of pixels of an output image (for get_feature_names_out)."""
        rows, columns = self.image_shape_
        return rows * columns

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Images are lists of 2-D arrays or files, or 3-D arrays: a 2-D
        # (n_samples, n_features) array is not a set of images, so
        # scikit-learn's common checks (which feed one) do not apply.
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


# ------------------------------------------------------------------ layout


def _layout_of(layout):
    """'mnist' or 'digits', from the parameter or a fitted classifier."""
    if isinstance(layout, str):
        return layout
    try:
        check_is_fitted(layout)
        n_features = layout.n_features_in_
    except (NotFittedError, AttributeError, TypeError):
        raise ValueError(
            f"layout: {type(layout).__name__} is not a fitted classifier with "
            "n_features_in_ (a clone forgets its fit: wrap a fitted one in "
            "sklearn.frozen.FrozenEstimator)"
        ) from None
    # A loaded model may hold anything in n_features_in_ (a list is not even
    # hashable): only the known integers name a layout.
    known = isinstance(n_features, Integral) and not isinstance(n_features, bool)
    if not known or int(n_features) not in _LAYOUTS_BY_N_FEATURES:
        raise ValueError(
            f"layout: the classifier takes {reprlib.repr(n_features)} features; "
            "only 784 (28x28, MNIST) and 64 (8x8, load_digits) are known layouts"
        )
    return _LAYOUTS_BY_N_FEATURES[int(n_features)]


# ------------------------------------------------------------------ inputs


def _image_sources(X):
    """(name, load) for each image of ``X``; files are read only when loaded."""
    if isinstance(X, np.ndarray):
        if X.ndim not in (3, 4):
            raise ValueError(
                "X must be a list of images (arrays or file paths) or an array "
                "of shape (n_images, height, width[, channels]); got an array "
                f"of shape {X.shape}. To normalise one image, pass [image]."
            )
        return [(f"image {i}", lambda image=image: image) for i, image in enumerate(X)]
    if not isinstance(X, (list, tuple)):
        raise TypeError(
            "X must be a list of images (arrays or file paths) or an array of "
            f"shape (n_images, height, width[, channels]); got {type(X).__name__}"
        )
    sources = []
    for i, item in enumerate(X):
        if isinstance(item, (str, os.PathLike)):
            sources.append((os.fspath(item), lambda path=item: read_image(path)))
        else:
            sources.append((f"image {i}", lambda image=item: image))
    return sources


def _grey_and_alpha(image, name):
    """float32 grey levels and alpha (None if opaque) in [0, 1] of an image,
    reduced by block means if it has more than ``_WORK_PIXELS`` pixels."""
    pixels, maximum = _checked_pixels(image, name)
    rows, columns = pixels.shape[:2]
    factor = math.ceil(math.sqrt(rows * columns / _WORK_PIXELS))
    if factor <= 1 or factor > min(rows, columns):
        return _grey_alpha(pixels, maximum)
    return _reduced_grey_alpha(pixels, maximum, factor)


def _checked_pixels(image, name):
    """The pixels of ``image`` as an array, and the value that stands for
    full intensity in it; refused unless in range. No copy is made of an
    array: the checks are minima and maxima."""
    try:
        pixels = np.asarray(image)
    except ValueError:  # a ragged nested list
        raise ValueError(f"{name}: not an array of pixels") from None
    if pixels.ndim < 2 or 0 in pixels.shape:
        raise ValueError(f"{name}: the image is empty (shape {pixels.shape})")
    if pixels.ndim > 3 or (pixels.ndim == 3 and pixels.shape[2] not in (2, 3, 4)):
        raise ValueError(
            f"{name}: an image must have shape (height, width) or (height, "
            f"width, channels) with 2, 3 or 4 channels; got shape {pixels.shape}"
        )
    kind = pixels.dtype.kind
    if kind == "b":
        return pixels, 1
    if kind in "iu":
        maximum = 65535 if pixels.dtype == np.uint16 else 255
        low, high = pixels.min(), pixels.max()
        if low < 0 or high > maximum:
            raise ValueError(
                f"{name}: {pixels.dtype} pixels must lie in [0, {maximum}]; got "
                f"{low} to {high}"
            )
        return pixels, maximum
    if kind != "f":
        raise ValueError(f"{name}: pixels must be numbers, not {pixels.dtype}")
    low, high = float(pixels.min()), float(pixels.max())  # NaN if any is
    if not (np.isfinite(low) and np.isfinite(high)):
        raise ValueError(f"{name}: the image holds pixels that are NaN or infinite")
    if low < 0 or high > 1:
        raise ValueError(
            f"{name}: float pixels must lie in [0, 1]; got {low:g} to {high:g} "
            "(divide 8-bit grey levels by 255)"
        )
    return pixels, 1


def _grey_alpha(pixels, maximum):
    """float32 grey levels and alpha (None if there is none) of checked
    pixels in which ``maximum`` is full intensity; colour becomes ITU-R 601
    luma, as in Pillow's convert("L")."""
    scale = np.float32(maximum)
    if pixels.ndim == 2:
        return np.divide(pixels, scale, dtype=np.float32), None
    channels = pixels.shape[2]
    alpha = None
    if channels in (2, 4):
        alpha = np.divide(pixels[..., -1], scale, dtype=np.float32)
    if channels >= 3:
        grey = np.divide(pixels[..., :3] @ _LUMA, scale, dtype=np.float32)
    else:
        grey = np.divide(pixels[..., 0], scale, dtype=np.float32)
    return grey, alpha


def _reduced_grey_alpha(pixels, maximum, factor):
    """As :func:`_grey_alpha`, in means of ``factor`` x ``factor`` blocks,
    computed band by band so that no full-size copy is made. Grey levels are
    averaged weighted by alpha: the colour of transparent pixels (often
    arbitrary) does not count."""
    rows, columns = pixels.shape[0] // factor, pixels.shape[1] // factor
    grey = np.empty((rows, columns), dtype=np.float32)
    has_alpha = pixels.ndim == 3 and pixels.shape[2] in (2, 4)
    alpha = np.empty_like(grey) if has_alpha else None
    for row in range(rows):
        band = pixels[row * factor : (row + 1) * factor, : columns * factor]
        band_grey, band_alpha = _grey_alpha(band, maximum)
        if has_alpha:
            band_grey *= band_alpha
            alpha[row] = _block_means(band_alpha, factor)
        grey[row] = _block_means(band_grey, factor)
    if has_alpha:  # back from alpha-weighted sums to grey levels
        grey = np.divide(grey, alpha, out=np.zeros_like(grey), where=alpha > 0)
        np.clip(grey, 0.0, 1.0, out=grey)
    return grey, alpha


def _block_means(band, factor):
    """Means of the ``factor`` x ``factor`` blocks of a band of ``factor``
    rows."""
    return band.reshape(factor, -1, factor).mean(axis=(0, 2))


# --------------------------------------------------------------------- ink


def _ink_map(grey, alpha, polarity):
    """How much ink each pixel holds, in [0, 1] (0 where transparent)."""
    if alpha is None:
        return _inkness(grey, polarity, grey, _border(grey))
    opaque = alpha > 0.5
    visible = grey[opaque]
    if polarity == "auto" and (visible.size == 0 or np.ptp(visible) < _MIN_CONTRAST):
        return alpha.astype(np.float32)  # one colour on transparency: all ink
    border = _border(grey)[_border(opaque)]
    return _inkness(grey, polarity, visible, border if border.size else visible) * alpha


def _inkness(grey, polarity, visible, border):
    """``grey`` as ink (0 for background) given the polarity, or one read
    from the image: the background is the median of the ``border`` pixels
    and the ink the extreme of the ``visible`` ones farther from it."""
    if polarity == "auto":
        background = float(np.median(border))
        dark_ink = background - visible.min() > visible.max() - background
        polarity = "dark_on_light" if dark_ink else "light_on_dark"
    return 1.0 - grey if polarity == "dark_on_light" else grey


def _border(image):
    """The pixels of the band along the edges of ``image``, 1/16 of its
    shorter side wide (at least one pixel)."""
    return np.concatenate([side.ravel() for side in _sides(image)])


def _sides(image):
    """The four strips (top, bottom, left, right) of the border band."""
    width = max(1, min(image.shape) // 16)
    return (
        image[:width],
        image[-width:],
        image[width:-width, :width],
        image[width:-width, -width:],
    )


def _noise(image):
    """The background noise of ``image``, as a normal's sigma, measured on
    the side the ink lies (upper quartile minus median, which a background
    clipped at white or black does not hide). Ink can only raise this
    estimate: each side of the border gives one, and the lowest is kept,
    so that ink covering a side (a digit filling the image's height) does
    not pass for noise."""
    spreads = [
        np.subtract(*np.percentile(side, [75, 50]))
        for side in _sides(image)
        if side.size
    ]
    return min(spreads) / 0.6745


def _isolate_ink(ink, name):
    """The digit's ink, stretched to [0, 1], with the background at 0.

    The background level is the median of the border band, its noise
    measured by :func:`_noise`. Strong ink stands out from the
    background by ``_MIN_CONTRAST`` and by ``_STRONG_NOISE`` times the
    noise; weak pixels (by ``_FAINTEST`` and ``_WEAK_NOISE`` times the noise)
    count only where connected to strong ones (hysteresis), which keeps the
    anti-aliased edges of strokes and drops faint noise. Pieces with fewer
    than ``_SPECK`` times the strong pixels of the largest one are specks
    of dust or noise, not the digit.
    """
    background = float(np.median(_border(ink)))
    noise = _noise(ink)
    strong = ink > background + max(_MIN_CONTRAST, _STRONG_NOISE * noise)
    if not strong.any():
        raise ValueError(
            f"{name}: the image is blank: no ink stands out from the background"
        )
    weak = ink > background + max(_FAINTEST, _WEAK_NOISE * noise)
    labels, _ = ndimage.label(weak, structure=np.ones((3, 3)))
    strong_pixels = np.bincount(labels[strong], minlength=labels.max() + 1)
    digit = (strong_pixels >= _SPECK * strong_pixels.max())[labels]
    peak = float(np.median(ink[strong]))
    stretched = np.clip((ink - background) / (peak - background), 0, 1)
    return np.where(digit, stretched, 0).astype(np.float32)


# ----------------------------------------------------------------- layouts


def _cropped(digit):
    """``digit`` cropped to its bounding box."""
    rows = np.flatnonzero(digit.any(axis=1))
    columns = np.flatnonzero(digit.any(axis=0))
    return digit[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1]


def _fitted_into(image, box):
    """``image`` resized, keeping its aspect ratio, so its longer side is
    ``box`` pixels."""
    scale = box / max(image.shape)
    shape = tuple(max(1, round(side * scale)) for side in image.shape)
    return np.clip(_resize(image, shape), 0.0, 1.0)


def _mnist_layout(digit):
    """28x28, the bounding box 20 px on its longer side, centre of mass at
    the centre (LeCun's recipe)."""
    small = _fitted_into(_cropped(digit), _MNIST_BOX)
    centre = np.array(ndimage.center_of_mass(small))
    top, left = np.round(_MNIST_CENTRE - centre).astype(int)
    return _pasted(small, top, left, _SIDES["mnist"])


def _digits_layout(digit):
    """8x8 counts / 16 of ink in 4x4 blocks of a centred 32x32 bitmap (the
    optdigits recipe of load_digits)."""
    bitmap = _fitted_into(_cropped(digit), _BITMAP_SIDE) >= 0.5
    rows, columns = bitmap.shape
    top, left = (_BITMAP_SIDE - rows) // 2, (_BITMAP_SIDE - columns) // 2
    field = _pasted(bitmap.astype(np.float32), top, left, _BITMAP_SIDE)
    blocks = _BITMAP_SIDE // _BLOCK
    counts = field.reshape(blocks, _BLOCK, blocks, _BLOCK).sum(axis=(1, 3))
    return counts / np.float32(_BLOCK * _BLOCK)


def _pasted(image, top, left, side):
    """``image`` placed at (top, left) in a side x side black field, the
    parts outside it cut off."""
    field = np.zeros((side, side), dtype=np.float32)
    rows, columns = image.shape
    r0, c0 = max(top, 0), max(left, 0)
    r1, c1 = min(top + rows, side), min(left + columns, side)
    if r0 < r1 and c0 < c1:
        field[r0:r1, c0:c1] = image[r0 - top : r1 - top, c0 - left : c1 - left]
    return field


def _resize(image, shape):
    """``image`` resampled to ``shape``, anti-aliased: blurred by a Gaussian
    as wide as the reduction (none when enlarging), then interpolated
    linearly. Outside the image is background (0)."""
    factors = np.divide(image.shape, shape)
    sigma = np.maximum(factors - 1.0, 0.0) / 2.0
    smoothed = ndimage.gaussian_filter(image, sigma=sigma, mode="constant")
    return ndimage.zoom(
        smoothed,
        np.divide(shape, image.shape),
        order=1,
        grid_mode=True,
        mode="grid-constant",
    )
