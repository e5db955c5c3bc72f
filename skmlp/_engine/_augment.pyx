"""Random distortions of training images: the compiled warp.

Every image of a minibatch is replaced, in place, by a copy seen through its own
random affine transform (rotation, isotropic and per-axis zoom, shear, shift,
optionally a left-right mirror) and elastic displacement (Simard, Steinkraus &
Platt, 2003), resampled bilinearly with zeros outside the image, and then,
with some probability, has one random rectangle of its pixels set to zero
(random erasing, Zhong et al., 2017; Cutout, DeVries & Taylor, 2017). The engine
calls :func:`augment_rows` once per minibatch, on the rows it has just
gathered, from its nogil loop; :class:`Augmenter` holds what that call reads.

Randomness. Each image draws its transform from its own splitmix64 stream,
started from a hash of (seed, epoch, sample index): the same seed gives the
same bits whatever the order of the minibatches, their size or the number of
threads, and each epoch distorts each sample anew. The erased rectangle is
drawn from the same stream after every draw of the warp, so erasing changes
none of the warp's bits.

Elastic field. Simard's field is white noise, uniform in [-1, 1] per pixel and
per component, smoothed by a Gaussian of standard deviation sigma and scaled
by alpha. Drawn and smoothed per image, it costs ten times the whole warp: a
compiled prototype (separable filter of 8 sigma + 1 taps, vectorised over
columns, noise drawn on the image plus the filter's margin) took 21 us per
28 x 28 image at sigma 3 and 30 us at sigma 4, where the affine warp takes
about 2 us (the noise alone is 2 x 60 x 60 draws at sigma 4; a recursive
Gaussian would save the taps but not the draws). Instead a bank of two
periodic fields is drawn and smoothed once per fit, in Python with
``scipy.ndimage.gaussian_filter(mode="wrap")``; each image reads its row
displacements from one window of the first field and its column displacements
from one window of the second, at random offsets and with random signs. The
period along each axis is the largest of 256, twice the image's side along it
and 16 sigma (256 x 256 for digits), so that the bank grows with the image's
pixels, never with the square of its longer side. A window of a stationary
field has the very distribution of a field drawn afresh (periodic smoothing
only removes the weakening Simard's zero padding gives near the border), the
two components stay independent, and each component has 256**2 offsets over
about a thousand independent patches: a pool one fit does not exhaust.
Reading it costs one load per component and pixel, from 2 x 284 x 284 values
that stay in cache: about 0.1 us per image (``benchmarks/bench_augment.py``).

Layout. An image is a row of ``height * width`` pixels, row-major. Source
coordinates are (row, column) positions in pixels, (0, 0) at the centre of the
top-left pixel: pixel (r, c) of the output takes the bilinear interpolation of
the source at ``M @ (r, c) + offset + displacement(r, c)``, where the
interpolation treats every pixel outside the image as 0 (as
``scipy.ndimage.map_coordinates(order=1, mode="grid-constant")``).

Kernels never allocate and never validate: :class:`Augmenter` checks its
settings and buffers once, and the caller owns the scratch buffer
(``Augmenter.scratch_size`` values of the training dtype).
"""
import numpy as np

from cython cimport floating
from libc.math cimport cos, exp, floor, log, sin, sqrt, tan
from libc.string cimport memcpy, memset

from ._random cimport GOLDEN, mix, next_bits, uniform


# Rectangles drawn for one image before giving up on erasing it (as
# torchvision's RandomErasing): with the default ranges on 28 x 28 images,
# 97 draws in 100 fit, so about one image in 10**14 is spared.
cdef int _ERASE_ATTEMPTS = 10


# ---------------------------------------------------------------------------
# Random streams

cdef inline unsigned long long _stream_start(
    unsigned long long seed, unsigned long long epoch, unsigned long long sample
) noexcept nogil:
    """The state that starts the stream of one sample at one epoch: a pure
    function of the three, so streams never depend on batch order."""
    return mix(mix(mix(seed + GOLDEN) + epoch) + sample)


cdef inline double _symmetric(unsigned long long *state, double limit) noexcept nogil:
    """A draw uniform in [-limit, limit)."""
    return limit * (2 * uniform(state) - 1)


cdef inline Py_ssize_t _below(unsigned long long *state, Py_ssize_t n) noexcept nogil:
    """A draw uniform in {0, ..., n - 1}, for 0 < n < 2**32."""
    return <Py_ssize_t> (((next_bits(state) >> 32) * <unsigned long long> n) >> 32)


# ---------------------------------------------------------------------------
# One image's transform

cdef struct Transform:
    # The source position read by output pixel (r, c):
    #   row = m_rr * r + m_rc * c + offset_r + sign_r * bank[field_r + r * stride + c]
    #   col = m_cr * r + m_cc * c + offset_c + sign_c * bank[field_c + r * stride + c]
    double m_rr
    double m_rc
    double m_cr
    double m_cc
    double offset_r
    double offset_c
    Py_ssize_t field_r
    Py_ssize_t field_c
    double sign_r
    double sign_c
    # The rectangle set to zero after the warp: rows [erase_top, erase_top +
    # erase_height), columns [erase_left, erase_left + erase_width); none
    # when erase_height is 0.
    Py_ssize_t erase_top
    Py_ssize_t erase_left
    Py_ssize_t erase_height
    Py_ssize_t erase_width


cdef Transform _draw_transform(
    const WarpSettings *s,          # IN
    unsigned long long epoch,       # IN
    Py_ssize_t sample,              # IN  the sample's row in the training set
) noexcept nogil:
    """The random transform of one sample at one epoch."""
    cdef unsigned long long state = _stream_start(s.seed, epoch, <unsigned long long> sample)
    cdef Transform t
    # Every draw is made, in this order, whatever the settings: turning one
    # distortion off leaves the draws of the others unchanged.
    cdef double angle = _symmetric(&state, s.rotation)
    cdef double zoom = s.scale_low + (s.scale_high - s.scale_low) * uniform(&state)
    cdef double zoom_x = zoom * (1 + _symmetric(&state, s.stretch))
    cdef double zoom_y = zoom * (1 + _symmetric(&state, s.stretch))
    cdef double slant = tan(_symmetric(&state, s.shear))
    cdef double shift_x = _symmetric(&state, s.shift)
    cdef double shift_y = _symmetric(&state, s.shift)
    cdef bint flip = s.flip and (next_bits(&state) >> 63)
    cdef Py_ssize_t field_r_row = _below(&state, s.bank_period_rows)
    cdef Py_ssize_t field_r_col = _below(&state, s.bank_period_cols)
    cdef Py_ssize_t field_c_row = _below(&state, s.bank_period_rows)
    cdef Py_ssize_t field_c_col = _below(&state, s.bank_period_cols)
    cdef unsigned long long signs = next_bits(&state)
    cdef double cos_a = cos(angle), sin_a = sin(angle)
    cdef double center_x = (s.width - 1) / 2.0, center_y = (s.height - 1) / 2.0
    # The image is zoomed, sheared, rotated and shifted: in (x, y) coordinates
    # about the centre, q = R(angle) Sh(slant) diag(zoom_x, zoom_y) p + shift.
    # Each output pixel q reads the source at p = M (q - shift), with
    #   M = diag(1/zoom_x, 1/zoom_y) Sh(-slant) R(-angle)
    #     = [[(cos + slant sin) / zoom_x, (sin - slant cos) / zoom_x],
    #        [-sin / zoom_y,              cos / zoom_y]].
    cdef double m_xx = (cos_a + slant * sin_a) / zoom_x
    cdef double m_xy = (sin_a - slant * cos_a) / zoom_x
    cdef double m_yx = -sin_a / zoom_y
    cdef double m_yy = cos_a / zoom_y
    if flip:
        # Mirror the source about its vertical axis: p_x -> -p_x.
        m_xx = -m_xx
        m_xy = -m_xy
    # Rows are y, columns x. The identity gives offsets of exactly 0.
    t.m_rr = m_yy
    t.m_rc = m_yx
    t.m_cr = m_xy
    t.m_cc = m_xx
    t.offset_r = center_y - m_yx * (center_x + shift_x) - m_yy * (center_y + shift_y)
    t.offset_c = center_x - m_xx * (center_x + shift_x) - m_xy * (center_y + shift_y)
    t.field_r = field_r_row * s.bank_stride + field_r_col
    t.field_c = s.bank_plane + field_c_row * s.bank_stride + field_c_col
    t.sign_r = 1 if signs & 1 else -1
    t.sign_c = 1 if signs & 2 else -1
    # Last: the warp's draws never depend on the erasing settings.
    _draw_erasure(s, &state, &t)
    return t


cdef void _draw_erasure(
    const WarpSettings *s,          # IN
    unsigned long long *state,      # IN/OUT the sample's stream
    Transform *t,                   # OUT    the erase_* fields
) noexcept nogil:
    """With probability s.erase, the rectangle to erase (Zhong et al., 2017).

    An area share and an aspect ratio (height / width, log-uniform so that
    tall and wide are alike) are drawn, the rectangle rounded to whole
    pixels, and kept if it fits in the image with its share and ratio still
    within their ranges; else drawn again, at most _ERASE_ATTEMPTS times.
    Its position is uniform among those where it fits. No draw at all when
    erasing is off.
    """
    t.erase_top = t.erase_left = t.erase_height = t.erase_width = 0
    if not s.erase > 0 or not uniform(state) < s.erase:
        return
    cdef double n_pixels = <double> s.height * <double> s.width
    cdef double log_low = log(s.erase_ratio_low), log_high = log(s.erase_ratio_high)
    cdef double area, ratio, height, width
    cdef int attempt
    for attempt in range(_ERASE_ATTEMPTS):
        area = n_pixels * (s.erase_area_low
                           + (s.erase_area_high - s.erase_area_low) * uniform(state))
        ratio = exp(log_low + (log_high - log_low) * uniform(state))
        height = floor(sqrt(area * ratio) + 0.5)
        width = floor(sqrt(area / ratio) + 0.5)
        # Written so that NaN fails too, before any conversion to an integer.
        if not (1 <= height <= s.height and 1 <= width <= s.width):
            continue
        if not (s.erase_area_low * n_pixels <= height * width
                <= s.erase_area_high * n_pixels):
            continue
        if not (s.erase_ratio_low * width <= height <= s.erase_ratio_high * width):
            continue
        t.erase_height = <Py_ssize_t> height
        t.erase_width = <Py_ssize_t> width
        t.erase_top = _below(state, s.height - t.erase_height + 1)
        t.erase_left = _below(state, s.width - t.erase_width + 1)
        return


cdef inline void _erase(
    floating *image,                # IN/OUT (height * width,)
    const Transform *t,             # IN
    Py_ssize_t width,               # IN
) noexcept nogil:
    """Set the pixels of t's erased rectangle to zero."""
    cdef Py_ssize_t r
    for r in range(t.erase_top, t.erase_top + t.erase_height):
        memset(image + r * width + t.erase_left, 0, t.erase_width * sizeof(floating))


cdef inline void _source_row(
    const Transform *t,             # IN
    Py_ssize_t r,                   # IN   the output row
    int width,                      # IN
    const floating *field_r,        # IN   (width,) row displacements, or NULL
    const floating *field_c,        # IN   (width,) column displacements, or NULL
    floating *rows_out,             # OUT  (width,) source rows
    floating *cols_out,             # OUT  (width,) source columns
) noexcept nogil:
    """The source positions read by the pixels of output row r."""
    cdef floating base_r = <floating> (t.offset_r + t.m_rr * r)
    cdef floating base_c = <floating> (t.offset_c + t.m_cr * r)
    cdef floating m_rc = <floating> t.m_rc, m_cc = <floating> t.m_cc
    cdef floating sign_r = <floating> t.sign_r, sign_c = <floating> t.sign_c
    # An int counter: its conversion to floating vectorises, a Py_ssize_t's not.
    cdef int c
    if field_r == NULL:
        for c in range(width):
            rows_out[c] = base_r + m_rc * <floating> c
            cols_out[c] = base_c + m_cc * <floating> c
    else:
        for c in range(width):
            rows_out[c] = base_r + m_rc * <floating> c + sign_r * field_r[c]
            cols_out[c] = base_c + m_cc * <floating> c + sign_c * field_c[c]


cdef inline void _locate(
    floating *rows,                 # IN/OUT (n,) source rows in, row weights out
    floating *cols,                 # IN/OUT (n,) source columns in, column weights out
    int *corner,                    # OUT    (n,) top-left neighbours in the padded image
    int n,                          # IN
    int height,                     # IN
    int width,                      # IN
) noexcept nogil:
    """Split each source position into its top-left neighbour in the padded
    image (see _interpolate) and the weights of the next row and column.

    Positions beyond the zero border read zeros only: clamping them onto it
    keeps every read inside the padded image, without a branch. The loop
    vectorises (int32 conversions, min/max).
    """
    cdef floating one = 1, row_max = <floating> height, col_max = <floating> width
    cdef floating y, x
    cdef int k, iy, ix, stride = width + 3
    for k in range(n):
        y = rows[k]
        x = cols[k]
        y = y if y > -one else -one
        y = y if y < row_max else row_max
        x = x if x > -one else -one
        x = x if x < col_max else col_max
        # y + 1 >= 0, so truncation is floor: iy is floor(y)'s padded row.
        iy = <int> (y + one)
        ix = <int> (x + one)
        rows[k] = y - <floating> (iy - 1)
        cols[k] = x - <floating> (ix - 1)
        corner[k] = iy * stride + ix


cdef inline void _interpolate(
    const floating *padded,         # IN   (height + 3, width + 3): the image at
                                    #      [1:height + 1, 1:width + 1], zeros around
    int stride,                     # IN   width + 3
    const floating *weight_r,       # IN   (n,) from _locate
    const floating *weight_c,       # IN   (n,) from _locate
    const int *corner,              # IN   (n,) from _locate
    int n,                          # IN
    floating *out,                  # OUT  (n,)
) noexcept nogil:
    """out[k] = bilinear interpolation between the 4 neighbours of point k."""
    cdef int k
    cdef floating fy, fx, top, bottom
    cdef const floating *p
    for k in range(n):
        p = padded + corner[k]
        fy = weight_r[k]
        fx = weight_c[k]
        top = p[0] + fx * (p[1] - p[0])
        bottom = p[stride] + fx * (p[stride + 1] - p[stride])
        out[k] = top + fy * (bottom - top)


cdef void _warp_image(
    const floating *padded,         # IN   the source, padded as _interpolate takes it
    const Transform *t,             # IN
    const WarpSettings *s,          # IN
    const floating *bank,           # IN   the displacement fields, or NULL
    floating *work,                 # OUT  (3 * width,) scratch
    floating *out,                  # OUT  (height * width,) the distorted image
) noexcept nogil:
    """out = the source seen through transform t."""
    cdef int r, height = <int> s.height, width = <int> s.width
    cdef floating *rows = work
    cdef floating *cols = work + width
    # Never read as floating: int storage in floating-sized slots.
    cdef int *corner = <int *> (work + 2 * width)
    cdef const floating *field_r = NULL
    cdef const floating *field_c = NULL
    for r in range(height):
        if bank != NULL:
            field_r = bank + t.field_r + r * s.bank_stride
            field_c = bank + t.field_c + r * s.bank_stride
        _source_row(t, r, width, field_r, field_c, rows, cols)
        _locate(rows, cols, corner, width, height, width)
        _interpolate(padded, width + 3, rows, cols, corner, width, out + r * width)


cdef inline const floating *_bank(const WarpSettings *s, floating *like) noexcept nogil:
    """The displacement fields in the dtype of ``like``, or NULL when the
    settings have no elastic distortion."""
    if not s.elastic:
        return NULL
    if floating is float:
        return s.bank_float
    else:
        return s.bank_double


cdef void augment_rows(
    floating *rows,                     # IN/OUT (n_rows, height * width) row-major
    Py_ssize_t n_rows,                  # IN
    const Py_ssize_t *sample_indices,   # IN     (n_rows,) each row's sample in X
    unsigned long long epoch,           # IN
    const WarpSettings *settings,       # IN
    floating *scratch,                  # OUT    (Augmenter.scratch_size,) scratch
) noexcept nogil:
    """rows[i] = a random distortion of rows[i], drawn from the stream of
    (settings.seed, epoch, sample_indices[i]): warped, then erased."""
    cdef Py_ssize_t i, r
    cdef Py_ssize_t height = settings.height, width = settings.width
    cdef Py_ssize_t n_features = height * width, stride = width + 3
    cdef floating *padded = scratch
    cdef floating *work = scratch + (height + 3) * stride
    cdef floating *image
    cdef const floating *bank = _bank(settings, scratch)
    cdef Transform t
    # Only the interior of the padded copy is written below: its border stays 0.
    memset(padded, 0, (height + 3) * stride * sizeof(floating))
    for i in range(n_rows):
        image = rows + i * n_features
        t = _draw_transform(settings, epoch, sample_indices[i])
        # Neutral settings would resample every pixel onto itself: skipped.
        if settings.warp:
            for r in range(height):
                memcpy(padded + (r + 1) * stride + 1, image + r * width,
                       width * sizeof(floating))
            _warp_image(padded, &t, settings, bank, work, image)
        _erase(image, &t, width)


# ---------------------------------------------------------------------------
# Python side

cdef class Augmenter:
    """What one fit's augmentation reads: the settings and the field bank.

    Built by :class:`skmlp.augmentation.DigitAugmentation`, which validates
    the values; this class checks only what the kernels would otherwise trust
    (sizes, dtypes, the bank's shape).

    Parameters
    ----------
    height, width : int
        Image shape; rows of X hold ``height * width`` pixels, row-major.
    dtype : {np.float32, np.float64}
        The training dtype: rows, scratch and bank are all of it.
    rotation : float
        Largest rotation, in radians.
    scale_low, scale_high : float
        Range of the isotropic zoom factor.
    stretch : float
        Each axis is also zoomed by ``1 + U(-stretch, stretch)``.
    shear : float
        Largest horizontal shear angle, in radians.
    shift : float
        Largest translation along each axis, in pixels.
    flip : bool
        Mirror half of the images left-right.
    bank : ndarray of shape (2, period_rows + height, period_cols + width) or None
        The row and column displacement fields, in pixels, each periodic with
        periods ``period_rows`` and ``period_cols`` along its axes and padded
        by wrapping; None for no elastic distortion.
    seed : int
        Seeds every image's stream, with the epoch and the sample index.
    erase : float, default=0.0
        Probability of setting one random rectangle of each image to zero,
        after the warp; in [0, 1].
    erase_area : (float, float), default=(0.02, 0.33)
        Range of the rectangle's share of the image's pixels, within (0, 1].
    erase_ratio : (float, float), default=(0.3, 3.3)
        Range of the rectangle's height / width, within (0, inf).
    """

    def __init__(self, Py_ssize_t height, Py_ssize_t width, dtype, double rotation,
                 double scale_low, double scale_high, double stretch, double shear,
                 double shift, bint flip, bank, unsigned long long seed, *,
                 double erase=0.0, erase_area=(0.02, 0.33), erase_ratio=(0.3, 3.3)):
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise TypeError(f"dtype must be float32 or float64, got {self.dtype}.")
        if height < 1 or width < 1:
            raise ValueError(f"Images must have at least 1 x 1 pixels, got "
                             f"{height} x {width}.")
        # The kernels index the padded image with C ints.
        if (height + 3) * (width + 3) >= 2**31:
            raise ValueError(f"Images of {height} x {width} pixels are too large.")
        self.n_features = height * width
        self.scratch_size = (height + 3) * (width + 3) + 3 * width
        cdef WarpSettings *s = &self.settings
        s.height = height
        s.width = width
        s.rotation = rotation
        s.scale_low = scale_low
        s.scale_high = scale_high
        s.stretch = stretch
        s.shear = shear
        s.shift = shift
        s.flip = flip
        s.seed = seed
        s.elastic = bank is not None
        s.bank_float = NULL
        s.bank_double = NULL
        s.bank_period_rows = 1
        s.bank_period_cols = 1
        s.bank_stride = 0
        s.bank_plane = 0
        if bank is not None:
            self._set_bank(bank)
        s.warp = (rotation != 0 or scale_low != 1 or scale_high != 1 or stretch != 0
                  or shear != 0 or shift != 0 or flip or s.elastic)
        self._set_erasing(erase, erase_area, erase_ratio)

    def _set_erasing(self, double erase, erase_area, erase_ratio):
        cdef double area_low, area_high, ratio_low, ratio_high
        area_low, area_high = erase_area
        ratio_low, ratio_high = erase_ratio
        if not 0 <= erase <= 1:
            raise ValueError(f"erase must be in [0, 1], got {erase}.")
        if not 0 < area_low <= area_high <= 1:
            raise ValueError(f"erase_area must satisfy 0 < low <= high <= 1, got "
                             f"{tuple(erase_area)}.")
        if not 0 < ratio_low <= ratio_high < float("inf"):
            raise ValueError(f"erase_ratio must satisfy 0 < low <= high < inf, got "
                             f"{tuple(erase_ratio)}.")
        cdef WarpSettings *s = &self.settings
        s.erase = erase
        s.erase_area_low = area_low
        s.erase_area_high = area_high
        s.erase_ratio_low = ratio_low
        s.erase_ratio_high = ratio_high

    def _set_bank(self, bank):
        if not isinstance(bank, np.ndarray) or bank.dtype != self.dtype:
            raise TypeError(f"bank must be a {self.dtype} array.")
        cdef WarpSettings *s = &self.settings
        period_rows = bank.shape[1] - s.height if bank.ndim == 3 else 0
        period_cols = bank.shape[2] - s.width if bank.ndim == 3 else 0
        if (bank.ndim != 3 or bank.shape[0] != 2 or not 0 < period_rows < 2**31
                or not 0 < period_cols < 2**31):
            raise ValueError(
                f"bank must have shape (2, period_rows + {s.height}, period_cols + "
                f"{s.width}) with 0 < period < 2**31, got {bank.shape}.")
        self._bank = np.ascontiguousarray(bank)
        cdef const float[:, :, ::1] bank_float
        cdef const double[:, :, ::1] bank_double
        if self.dtype == np.float32:
            bank_float = self._bank
            s.bank_float = &bank_float[0, 0, 0]
        else:
            bank_double = self._bank
            s.bank_double = &bank_double[0, 0, 0]
        s.bank_period_rows = period_rows
        s.bank_period_cols = period_cols
        s.bank_stride = bank.shape[2]
        s.bank_plane = bank.shape[1] * bank.shape[2]

    @property
    def bank(self):
        """The displacement fields (read-only view), or None."""
        if self._bank is None:
            return None
        view = self._bank.view()
        view.flags.writeable = False
        return view

    def _check_dtype(self, array, name):
        if array.dtype != self.dtype:
            raise TypeError(f"{name} must be {self.dtype} like the augmenter, got "
                            f"{array.dtype}.")

    def augment(
        self,
        floating[:, ::1] rows,                  # IN/OUT (n_rows, n_features)
        const Py_ssize_t[::1] sample_indices,   # IN     (n_rows,)
        unsigned long long epoch,
    ):
        """Distort each of ``rows`` in place, as training distorts sample
        ``sample_indices[i]`` at ``epoch``: the engine's call, from Python."""
        self._check_dtype(np.asarray(rows), "rows")
        if rows.shape[1] != self.n_features:
            raise ValueError(
                f"Rows must have {self.n_features} pixels ({self.settings.height} x "
                f"{self.settings.width}), got {rows.shape[1]}.")
        if sample_indices.shape[0] != rows.shape[0]:
            raise ValueError("rows and sample_indices must have the same length.")
        if rows.shape[0] == 0:
            return
        cdef floating[::1] scratch = np.empty(self.scratch_size, dtype=self.dtype)
        with nogil:
            augment_rows(&rows[0, 0], rows.shape[0], &sample_indices[0], epoch,
                         &self.settings, &scratch[0])

    def erased_rectangle(self, Py_ssize_t sample_index, unsigned long long epoch):
        """The rectangle of ``sample_index``'s image set to zero at ``epoch``,
        as ``(top, left, height, width)`` in pixels, or None when that image
        is not erased."""
        cdef Transform t = _draw_transform(&self.settings, epoch, sample_index)
        if t.erase_height == 0:
            return None
        return (t.erase_top, t.erase_left, t.erase_height, t.erase_width)

    def source_coordinates(self, Py_ssize_t sample_index, unsigned long long epoch):
        """The source (rows, columns), each of shape (height, width), from which
        the pixels of ``sample_index``'s distortion at ``epoch`` are read."""
        shape = (self.settings.height, self.settings.width)
        rows = np.empty(shape, dtype=self.dtype)
        cols = np.empty(shape, dtype=self.dtype)
        _fill_source_coordinates(self, sample_index, epoch, rows, cols)
        return rows, cols


def _fill_source_coordinates(
    Augmenter augmenter,
    Py_ssize_t sample_index,
    unsigned long long epoch,
    floating[:, ::1] rows,          # OUT (height, width)
    floating[:, ::1] cols,          # OUT (height, width)
):
    cdef const WarpSettings *s = &augmenter.settings
    cdef Transform t = _draw_transform(s, epoch, sample_index)
    cdef const floating *bank = _bank(s, &rows[0, 0])
    cdef const floating *field_r = NULL
    cdef const floating *field_c = NULL
    cdef Py_ssize_t r
    for r in range(s.height):
        if bank != NULL:
            field_r = bank + t.field_r + r * s.bank_stride
            field_c = bank + t.field_c + r * s.bank_stride
        _source_row(&t, r, s.width, field_r, field_c, &rows[r, 0], &cols[r, 0])


# ---------------------------------------------------------------------------
# Entry points for the tests

def _pad(image):
    padded = np.zeros((image.shape[0] + 3, image.shape[1] + 3), dtype=image.dtype)
    padded[1:-2, 1:-2] = image
    return padded


def _bilinear_for_tests(
    const floating[:, ::1] image,       # IN  (height, width)
    const floating[::1] rows,           # IN  (n,)
    const floating[::1] cols,           # IN  (n,)
    floating[::1] out,                  # OUT (n,)
):
    """out[k] = image at (rows[k], cols[k]), as the warp samples it."""
    cdef int n = rows.shape[0]
    if not n == cols.shape[0] == out.shape[0]:
        raise ValueError("rows, cols and out must have the same length.")
    if n == 0:
        return
    cdef const floating[:, ::1] padded = _pad(np.asarray(image))
    cdef floating[::1] weight_r = np.array(rows)
    cdef floating[::1] weight_c = np.array(cols)
    cdef int[::1] corner = np.empty(n, dtype=np.intc)
    _locate(&weight_r[0], &weight_c[0], &corner[0], n, image.shape[0], image.shape[1])
    _interpolate(&padded[0, 0], padded.shape[1], &weight_r[0], &weight_c[0],
                 &corner[0], n, &out[0])


def _warp_affine_for_tests(
    const floating[:, ::1] image,       # IN  (height, width)
    matrix,                             # IN  (2, 2): M in (row, col) order
    offset,                             # IN  (2,)
    floating[:, ::1] out,               # OUT (height, width)
):
    """out = image read at M @ (r, c) + offset, with no elastic field."""
    cdef WarpSettings s
    cdef Transform t
    s.height, s.width = image.shape[0], image.shape[1]
    if out.shape[0] != s.height or out.shape[1] != s.width:
        raise ValueError("out must have the shape of image.")
    t.m_rr, t.m_rc = matrix[0][0], matrix[0][1]
    t.m_cr, t.m_cc = matrix[1][0], matrix[1][1]
    t.offset_r, t.offset_c = offset[0], offset[1]
    t.sign_r = t.sign_c = 1
    cdef const floating[:, ::1] padded = _pad(np.asarray(image))
    cdef floating[::1] work = np.empty(3 * s.width, dtype=np.asarray(image).dtype)
    _warp_image(&padded[0, 0], &t, &s, <const floating *> NULL, &work[0], &out[0, 0])
