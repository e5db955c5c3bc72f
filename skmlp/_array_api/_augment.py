"""Random distortions of training images in array API calls: the twin of
the compiled augmenter (:mod:`skmlp._engine._augment`).

The same parameterisation: each image is seen through its own random affine
transform (rotation, isotropic and per-axis zoom, shear, shift, optionally a
left-right mirror) plus a window of the elastic field bank (the very bank
the compiled augmenter draws, from the same seed), resampled bilinearly with
zeros outside the image, then, with probability ``erase``, has one random
rectangle set to zero. Source coordinates are (row, column) positions in
pixels, (0, 0) at the centre of the top-left pixel, as there.

The random draws differ: each sample's come from a counter-based hash of
(seed, epoch, sample) (:func:`~skmlp._array_api._random.hashed_uniforms`),
which gives the same bits on every namespace and device, so that the two
augmenters distort alike in distribution, not bit for bit. As in the compiled
one, a sample's distortion at an epoch depends on nothing but the seed, the
epoch and the sample.

Per epoch, :meth:`ArrayAPIAugmenter.epoch_transforms` draws every sample's
transform on the device in one go; per minibatch, :meth:`distort` takes its
rows' transforms and samples the images with ``take`` on flat indices of a
zero-padded copy of the minibatch.
"""

import math

import numpy as np

from ._namespace import max_float_dtype, to_device
from ._random import hashed_uniforms, stream_key

# Rectangles drawn for one image before giving up on erasing it, as the
# compiled augmenter (and torchvision's RandomErasing).
_ERASE_ATTEMPTS = 10

# Where each sample's draws go, in its stream.
_ANGLE, _ZOOM, _STRETCH_X, _STRETCH_Y, _SHEAR, _SHIFT_X, _SHIFT_Y, _FLIP = range(8)
_FIELD = 8  # four: the two fields' row and column offsets
_SIGNS = 12  # two: the two fields' signs
_ERASE = 14
_AREAS = 15
_RATIOS = _AREAS + _ERASE_ATTEMPTS
_TOP = _RATIOS + _ERASE_ATTEMPTS
_LEFT = _TOP + 1
_N_DRAWS = _LEFT + 1

# The columns of a sample's transform: the source position read by output
# pixel (r, c) is
#   row = M_RR r + M_RC c + OFFSET_R + SIGN_R * bank[FIELD_R + r * stride + c]
#   col = M_CR r + M_CC c + OFFSET_C + SIGN_C * bank[FIELD_C + r * stride + c]
# and rows [TOP, TOP + HEIGHT) x columns [LEFT, LEFT + WIDTH) are erased.
(
    _M_RR,
    _M_RC,
    _M_CR,
    _M_CC,
    _OFFSET_R,
    _OFFSET_C,
    _FIELD_R,
    _FIELD_C,
    _SIGN_R,
    _SIGN_C,
    _ERASE_TOP,
    _ERASE_LEFT,
    _ERASE_HEIGHT,
    _ERASE_WIDTH,
) = range(14)


def _signs(xp, uniforms):
    """-1 where a draw is below 1/2, else 1."""
    return 1.0 - 2.0 * xp.astype(uniforms < 0.5, uniforms.dtype)


class ArrayAPIAugmenter:
    """One fit's augmentation, on the device.

    Parameters
    ----------
    augmentation : skmlp.augmentation.DigitAugmentation
        Its settings, checked for the rows as the compiled augmenter's are.
    n_features : int
        Pixels per row of X.
    dtype : {np.float32, np.float64}
        The training dtype.
    seed : int in [0, 2**64)
        Seeds the elastic field bank (as the compiled augmenter's) and every
        image's stream.
    xp : namespace
    device : device of ``xp``
    """

    def __init__(self, augmentation, n_features, dtype, seed, *, xp, device):
        from ..augmentation import _elastic_field_bank

        # Python numbers throughout: some namespaces refuse NumPy scalars.
        self.height, self.width = map(int, augmentation.check_images(n_features))
        self.n_features = int(n_features)
        self.xp, self.device = xp, device
        self.seed = int(seed)
        s = augmentation._settings()
        self.rotation = math.radians(float(s["rotation"]))
        self.scale = tuple(map(float, s["scale"]))
        self.stretch = float(s["stretch"])
        self.shear = math.radians(float(s["shear"]))
        self.shift = float(s["shift"])
        self.flip = bool(s["flip"])
        self.erase = float(s["erase"])
        self.erase_area = tuple(map(float, s["erase_area"]))
        self.erase_ratio = tuple(map(float, s["erase_ratio"]))
        self.bank = None
        self._periods = (1, 1)
        if s["elastic_alpha"] > 0:
            bank = _elastic_field_bank(
                (self.height, self.width),
                float(s["elastic_alpha"]),
                float(s["elastic_sigma"]),
                dtype,
                np.random.default_rng(seed),
            )
            self._periods = (bank.shape[1] - self.height, bank.shape[2] - self.width)
            self._bank_stride, self._bank_plane = bank.shape[2], int(bank[0].size)
            self.bank = to_device(np.ascontiguousarray(bank).reshape(-1), xp, device)
        self.warps = (
            self.rotation != 0
            or self.scale != (1.0, 1.0)
            or self.stretch != 0
            or self.shear != 0
            or self.shift != 0
            or self.flip
            or self.bank is not None
        )
        self._transform_dtype = max_float_dtype(xp, device)
        self._pixel_grids(dtype)

    def _pixel_grids(self, dtype):
        """Each output pixel's row and column, as floats of the training
        dtype, and its offset in a field of the bank."""
        xp, device = self.xp, self.device
        rows, cols = np.divmod(np.arange(self.n_features), self.width)
        float_dtype = np.float32 if np.dtype(dtype) == np.float32 else np.float64
        self._row_values = to_device(rows[None, :].astype(float_dtype), xp, device)
        self._col_values = to_device(cols[None, :].astype(float_dtype), xp, device)
        if self.bank is not None:
            self._field_offsets = to_device(
                (rows * self._bank_stride + cols)[None, :], xp, device
            )

    # ------------------------------------------------------------ draws

    def epoch_transforms(self, epoch, n_samples):
        """Every sample's transform at ``epoch``, on the device.

        Returns
        -------
        transforms : array of shape (n_samples, 14)
            The columns named in this module, in the widest float dtype of the
            device (integers among them are exact).
        """
        xp = self.xp
        samples = xp.arange(n_samples, dtype=xp.int64, device=self.device)
        u = hashed_uniforms(
            xp, stream_key(self.seed, epoch), samples, _N_DRAWS, self._transform_dtype
        )

        def symmetric(k, limit):
            return limit * (2.0 * u[:, k] - 1.0)

        angle = symmetric(_ANGLE, self.rotation)
        low, high = self.scale
        zoom = low + (high - low) * u[:, _ZOOM]
        zoom_x = zoom * (1.0 + symmetric(_STRETCH_X, self.stretch))
        zoom_y = zoom * (1.0 + symmetric(_STRETCH_Y, self.stretch))
        slant = xp.tan(symmetric(_SHEAR, self.shear))
        shift_x = symmetric(_SHIFT_X, self.shift)
        shift_y = symmetric(_SHIFT_Y, self.shift)
        cos_a, sin_a = xp.cos(angle), xp.sin(angle)
        # In (x, y) about the centre, q = R(angle) Sh(slant) diag(zoom_x,
        # zoom_y) p + shift; each output pixel q reads the source at
        # p = M (q - shift), M = diag(1/zoom_x, 1/zoom_y) Sh(-slant) R(-angle).
        m_xx = (cos_a + slant * sin_a) / zoom_x
        m_xy = (sin_a - slant * cos_a) / zoom_x
        m_yx = -sin_a / zoom_y
        m_yy = cos_a / zoom_y
        if self.flip:
            # Mirror half of the sources about their vertical axis.
            mirror = _signs(xp, u[:, _FLIP])
            m_xx, m_xy = mirror * m_xx, mirror * m_xy
        center_x, center_y = (self.width - 1) / 2.0, (self.height - 1) / 2.0
        offset_r = center_y - m_yx * (center_x + shift_x) - m_yy * (center_y + shift_y)
        offset_c = center_x - m_xx * (center_x + shift_x) - m_xy * (center_y + shift_y)
        zeros = xp.zeros_like(angle)
        field_r = field_c = zeros
        if self.bank is not None:
            period_rows, period_cols = self._periods

            def below(k, n):
                return xp.floor(u[:, k] * n)

            field_r = below(_FIELD, period_rows) * self._bank_stride + below(
                _FIELD + 1, period_cols
            )
            field_c = (
                self._bank_plane
                + below(_FIELD + 2, period_rows) * self._bank_stride
                + below(_FIELD + 3, period_cols)
            )
        sign_r, sign_c = _signs(xp, u[:, _SIGNS]), _signs(xp, u[:, _SIGNS + 1])
        top, left, height, width = self._erasures(u)
        return xp.stack(
            [
                m_yy,  # M_RR: rows are y, columns x
                m_yx,
                m_xy,
                m_xx,
                offset_r,
                offset_c,
                field_r,
                field_c,
                sign_r,
                sign_c,
                top,
                left,
                height,
                width,
            ],
            axis=1,
        )

    def _erasures(self, u):
        """Each sample's erased rectangle (top, left, height, width; height 0
        for none), drawn as the compiled augmenter draws it: an area share and
        a log-uniform aspect ratio, rounded to whole pixels and kept if they
        fit, at most _ERASE_ATTEMPTS times, the first that fits taken; then a
        position uniform among those where it fits."""
        xp = self.xp
        zeros = xp.zeros_like(u[:, 0])
        if not self.erase > 0:
            return zeros, zeros, zeros, zeros
        n_pixels = float(self.height * self.width)
        area_low, area_high = self.erase_area
        ratio_low, ratio_high = self.erase_ratio
        areas = n_pixels * (
            area_low + (area_high - area_low) * u[:, _AREAS : _AREAS + _ERASE_ATTEMPTS]
        )
        log_low, log_high = math.log(ratio_low), math.log(ratio_high)
        ratios = xp.exp(
            log_low + (log_high - log_low) * u[:, _RATIOS : _RATIOS + _ERASE_ATTEMPTS]
        )
        heights = xp.floor(xp.sqrt(areas * ratios) + 0.5)
        widths = xp.floor(xp.sqrt(areas / ratios) + 0.5)
        fits = (
            (heights >= 1)
            & (heights <= self.height)
            & (widths >= 1)
            & (widths <= self.width)
            & (heights * widths >= area_low * n_pixels)
            & (heights * widths <= area_high * n_pixels)
            & (heights >= ratio_low * widths)
            & (heights <= ratio_high * widths)
        )
        # The first attempt that fits: the only one whose running count of
        # fitting attempts is 1 while it fits.
        fit_counts = xp.cumulative_sum(xp.astype(fits, xp.int64), axis=1)
        first = xp.astype(fits & (fit_counts == 1), u.dtype)
        erased = xp.astype(u[:, _ERASE] < self.erase, u.dtype)
        height = xp.sum(heights * first, axis=1) * erased
        width = xp.sum(widths * first, axis=1) * erased
        top = xp.floor(u[:, _TOP] * (self.height - height + 1))
        left = xp.floor(u[:, _LEFT] * (self.width - width + 1))
        return top, left, height, width

    # ---------------------------------------------------------- the warp

    def distort(self, X, samples, transforms):
        """The rows of X (a minibatch of images), each distorted as its sample
        is at the epoch of ``transforms``.

        Parameters
        ----------
        X : array of shape (n_rows, height * width)
        samples : array of int64, shape (n_rows,)
            The rows' samples (rows of the training set).
        transforms : array
            From :meth:`epoch_transforms`.

        Returns
        -------
        X_distorted : array of the shape and dtype of X
        """
        xp = self.xp
        t = xp.take(transforms, samples, axis=0)
        if self.warps:
            X = self._warp(X, xp.astype(t, X.dtype))
        if self.erase > 0:
            X = self._erase(X, xp.astype(t, X.dtype))
        return X

    def _column(self, t, k):
        return t[:, k : k + 1]

    def _warp(self, X, t):
        rows, cols = self.source_positions(t)
        return self.sample(X, rows, cols)

    def source_positions(self, t):
        """The source (rows, columns) read by each output pixel of each image,
        of shape (n_images, height * width), for transforms ``t`` (rows of
        :meth:`epoch_transforms`, in the images' dtype)."""
        col = self._column
        rows = col(t, _OFFSET_R) + col(t, _M_RR) * self._row_values
        rows = rows + col(t, _M_RC) * self._col_values
        cols = col(t, _OFFSET_C) + col(t, _M_CR) * self._row_values
        cols = cols + col(t, _M_CC) * self._col_values
        if self.bank is not None:
            rows = rows + col(t, _SIGN_R) * self._field_window(t, _FIELD_R)
            cols = cols + col(t, _SIGN_C) * self._field_window(t, _FIELD_C)
        return rows, cols

    def sample(self, X, rows, cols):
        """Bilinear interpolation of each image of X (rows of ``height *
        width`` pixels) at the source positions ``rows``, ``cols`` (each of
        X's shape), every pixel outside the image read as 0."""
        xp = self.xp
        height, width = self.height, self.width
        n = X.shape[0]
        # Beyond the zero border a position reads zeros only: clamped onto it,
        # every read stays inside the padded image.
        rows = xp.clip(rows, -1.0, float(height))
        cols = xp.clip(cols, -1.0, float(width))
        # In the padded image (the image at [1:height + 1, 1:width + 1], zeros
        # around), the top-left neighbour of row y is floor(y) + 1.
        top_rows, left_cols = xp.floor(rows + 1.0), xp.floor(cols + 1.0)
        weight_r, weight_c = rows + 1.0 - top_rows, cols + 1.0 - left_cols
        stride = width + 3
        plane = (height + 3) * stride
        padded = xp.zeros((n, height + 3, stride), dtype=X.dtype, device=self.device)
        padded[:, 1 : height + 1, 1 : width + 1] = xp.reshape(X, (n, height, width))
        padded = xp.reshape(padded, (-1,))
        bases = xp.arange(n, dtype=xp.int64, device=self.device)[:, None] * plane
        corner = xp.reshape(
            bases
            + xp.astype(top_rows, xp.int64) * stride
            + xp.astype(left_cols, xp.int64),
            (-1,),
        )

        def at(shift):
            return xp.reshape(xp.take(padded, corner + shift), (n, -1))

        top_left, top_right = at(0), at(1)
        bottom_left, bottom_right = at(stride), at(stride + 1)
        top = top_left + weight_c * (top_right - top_left)
        bottom = bottom_left + weight_c * (bottom_right - bottom_left)
        return top + weight_r * (bottom - top)

    def _field_window(self, t, k):
        """Each row's window of the bank field whose start is column k of t."""
        xp = self.xp
        starts = xp.astype(self._column(t, k), xp.int64)
        window = xp.take(self.bank, xp.reshape(starts + self._field_offsets, (-1,)))
        return xp.reshape(window, (t.shape[0], -1))

    def _erase(self, X, t):
        xp = self.xp
        col = self._column
        top, left = col(t, _ERASE_TOP), col(t, _ERASE_LEFT)
        rows, cols = self._row_values, self._col_values
        inside = (
            (rows >= top)
            & (rows < top + col(t, _ERASE_HEIGHT))
            & (cols >= left)
            & (cols < left + col(t, _ERASE_WIDTH))
        )
        return xp.where(inside, 0.0, X)
