# Random distortions of training images, drawn per image and written in place
# into a gathered minibatch: the nogil entry point the engine calls once per
# minibatch, and the settings it reads (built by skmlp.augmentation).
from cython cimport floating


cdef struct WarpSettings:
    Py_ssize_t height               # image rows
    Py_ssize_t width                # image columns; rows of X hold height * width pixels
    double rotation                 # largest rotation, radians (drawn in +-rotation)
    double scale_low                # isotropic zoom drawn in [scale_low, scale_high]
    double scale_high
    double stretch                  # each axis also zoomed by 1 + U(-stretch, stretch)
    double shear                    # largest horizontal shear angle, radians
    double shift                    # largest translation per axis, pixels
    bint flip                       # mirror left-right half of the images
    bint elastic                    # add a displacement window of the field bank
    Py_ssize_t bank_period_rows     # the bank's fields are periodic, of this period
    Py_ssize_t bank_period_cols     #   along rows and along columns
    Py_ssize_t bank_stride          # row stride of a field (bank_period_cols + width)
    Py_ssize_t bank_plane           # values per field: (bank_period_rows + height)
                                    #   * bank_stride
    const float *bank_float         # the two fields, when training in float32
    const double *bank_double       # the two fields, when training in float64
    unsigned long long seed         # with (epoch, sample index): each image's stream
    bint warp                       # False when every distortion above is neutral
    double erase                    # probability of erasing one rectangle per image
    double erase_area_low           # the rectangle's share of the image's pixels,
    double erase_area_high          #   in [erase_area_low, erase_area_high]
    double erase_ratio_low          # its height / width, in
    double erase_ratio_high         #   [erase_ratio_low, erase_ratio_high]


cdef class Augmenter:
    cdef WarpSettings settings
    cdef object _bank
    cdef readonly Py_ssize_t n_features
    cdef readonly Py_ssize_t scratch_size
    cdef readonly object dtype


cdef void augment_rows(
    floating *rows, Py_ssize_t n_rows, const Py_ssize_t *sample_indices,
    unsigned long long epoch, const WarpSettings *settings, floating *scratch,
) noexcept nogil
