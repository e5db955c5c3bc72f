"""Prediction: the forward pass of a trained network, layer by layer, and the
output layer's loss of its logits (the fit loop's validation loss).

Unlike training, prediction takes per-layer arrays (``coefs_`` and
``intercepts_``, which a user may assign) and any number of rows; the Python
layer chunks the rows and allocates the outputs.
"""
from cython cimport floating
from libc.limits cimport INT_MAX
from libc.string cimport memset

from ._activations cimport bias_activation
from ._blas cimport gemm, row_times_matrix
from ._losses cimport output_loss_delta, output_probabilities, output_reads_indicators
from ._types cimport SOFTMAX, Activation, OutputLayer

from ._blas import check_gemm_dimensions


def dense_forward(
    const floating[:, ::1] inputs,      # IN  (n_rows, n_in)
    const floating[:, ::1] weights,     # IN  (n_in, n_out)
    const floating[::1] bias,           # IN  (n_out,)
    floating[:, ::1] out,               # OUT (n_rows, n_out)
    int activation,
):
    """out = f(inputs @ weights + bias): one layer of the prediction path."""
    cdef Py_ssize_t n_rows = inputs.shape[0], n_in = inputs.shape[1]
    cdef Py_ssize_t n_out = weights.shape[1]
    # The GEMM trusts these shapes: check them, however the caller built them.
    if (weights.shape[0] != n_in or bias.shape[0] != n_out
            or out.shape[0] != n_rows or out.shape[1] != n_out):
        raise ValueError(
            f"Layer shapes do not chain: inputs {tuple(inputs.shape)[:2]}, weights "
            f"{tuple(weights.shape)[:2]}, bias {tuple(bias.shape)[:1]}, "
            f"out {tuple(out.shape)[:2]}.")
    if n_rows > INT_MAX or n_in > INT_MAX or n_out > INT_MAX:  # raises, naming it
        check_gemm_dimensions("dense_forward", n_rows=n_rows, n_in=n_in, n_out=n_out)
    if n_rows == 0 or n_out == 0:
        return
    with nogil:
        if n_in == 0:
            # No inputs (a test's edge case): the products are zero, and
            # there is no element of inputs or weights to point BLAS at.
            memset(&out[0, 0], 0, n_rows * n_out * sizeof(floating))
        elif n_rows == 1:
            row_times_matrix(n_out, n_in, &inputs[0, 0], &weights[0, 0], n_out,
                             &out[0, 0])
        else:
            gemm(False, False, n_rows, n_out, n_in, 1, &inputs[0, 0], n_in,
                 &weights[0, 0], n_out, 0, &out[0, 0], n_out)
        bias_activation(&out[0, 0], &bias[0], n_rows, n_out, <Activation> activation)


def output_inplace(floating[:, ::1] logits, int output=SOFTMAX, bint take_log=False):
    """Turn logits into the output layer's (log-)probabilities, row by row, in place."""
    if logits.shape[0] == 0:
        return
    with nogil:
        output_probabilities(<OutputLayer> output, &logits[0, 0], logits.shape[0],
                             logits.shape[1], take_log)


def output_loss(
    floating[:, ::1] logits,            # IN/OUT (n_rows, n_outputs): logits in, scratch out
    targets,                            # IN     class codes (intc) or 0/1 indicators (uint8)
    const floating[::1] sample_weight,  # IN     (n_rows,)
    int output=SOFTMAX,
):
    """The weighted sum of the rows' losses under the output layer: its
    training loss on unsmoothed targets, without penalties.

    ``targets`` are what the output layer trains on: class codes of shape
    ``(n_rows,)`` in ``[0, n_outputs)``, or an indicator matrix of the
    logits' shape. The logits are overwritten (with the loss's gradient).
    """
    cdef const int[::1] codes = None
    cdef const unsigned char[:, ::1] indicators = None
    cdef const int *codes_data = NULL
    cdef const unsigned char *indicators_data = NULL
    cdef Py_ssize_t n_rows = logits.shape[0], n_outputs = logits.shape[1]
    cdef double loss
    if sample_weight.shape[0] != n_rows:
        raise ValueError("sample_weight must hold one weight per row of logits.")
    if output_reads_indicators(<OutputLayer> output):
        indicators = targets
        if indicators.shape[0] != n_rows or indicators.shape[1] != n_outputs:
            raise ValueError("targets must be an indicator matrix of the logits' shape.")
    else:
        codes = targets
        if codes.shape[0] != n_rows or not _codes_below(codes, n_outputs):
            raise ValueError(
                f"targets must be one class code in [0, {n_outputs}) per row.")
    if n_rows == 0:
        return 0.0
    if indicators is not None:
        indicators_data = &indicators[0, 0]
    else:
        codes_data = &codes[0]
    with nogil:
        loss = output_loss_delta(<OutputLayer> output, &logits[0, 0], codes_data,
                                 indicators_data, &sample_weight[0], n_rows, n_outputs,
                                 1.0, 0.0)
    return loss


cdef bint _codes_below(const int[::1] codes, Py_ssize_t n) noexcept:
    """Whether every code is in [0, n)."""
    cdef Py_ssize_t i
    for i in range(codes.shape[0]):
        if not 0 <= codes[i] < n:
            return False
    return True


def softmax_inplace(floating[:, ::1] logits, bint take_log=False):
    """Turn logits into (log-)probabilities row by row, in place."""
    output_inplace(logits, SOFTMAX, take_log)
