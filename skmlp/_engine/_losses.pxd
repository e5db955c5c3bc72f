# Output layers, on fused float/double: the output units, their loss and the
# loss's gradient with respect to the logits (the output deltas), in one pass
# per row; and the probabilities for prediction. A new output layer is one
# OutputLayer value (_types.pxd), its kernels and a case in each dispatcher
# of _losses.pyx, and its record in skmlp/_layers.py.
from cython cimport floating

from ._types cimport OutputLayer


cdef double output_loss_delta(
    OutputLayer output, floating *z, const int *y, const unsigned char *indicators,
    const floating *sample_weight, Py_ssize_t n_rows, Py_ssize_t n_outputs,
    double delta_scale, double label_smoothing,
) noexcept nogil

cdef void output_probabilities(
    OutputLayer output, floating *z, Py_ssize_t n_rows, Py_ssize_t n_outputs,
    bint take_log,
) noexcept nogil

cdef double uninformed_loss(OutputLayer output, Py_ssize_t n_outputs) noexcept nogil

cdef bint output_reads_indicators(OutputLayer output) noexcept nogil

cdef bint output_smooths_labels(OutputLayer output) noexcept nogil

cdef double softmax_cross_entropy_delta(
    floating *z, const int *y, const floating *sample_weight,
    Py_ssize_t n_rows, Py_ssize_t n_classes, double delta_scale,
    double label_smoothing,
) noexcept nogil

cdef void softmax(floating *z, Py_ssize_t n_rows, Py_ssize_t n_classes) noexcept nogil

cdef void log_softmax(floating *z, Py_ssize_t n_rows, Py_ssize_t n_classes) noexcept nogil

cdef double sigmoid_binary_cross_entropy_delta(
    floating *z, const unsigned char *indicators, const floating *sample_weight,
    Py_ssize_t n_rows, Py_ssize_t n_labels, double delta_scale,
) noexcept nogil

cdef void sigmoid(floating *z, Py_ssize_t n_values) noexcept nogil

cdef void log_sigmoid(floating *z, Py_ssize_t n_values) noexcept nogil
