"""Prediction: the forward pass of a trained network, layer by layer.

Unlike training, prediction takes per-layer arrays (``coefs_`` and
``intercepts_``, which a user may assign) and any number of rows; the Python
layer chunks the rows and allocates the outputs.
"""
from cython cimport floating

from ._activations cimport bias_activation
from ._blas cimport gemm
from ._losses cimport output_probabilities
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
    check_gemm_dimensions("dense_forward", n_rows=n_rows, n_in=n_in, n_out=n_out)
    if n_rows == 0 or n_out == 0:
        return
    with nogil:
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


def softmax_inplace(floating[:, ::1] logits, bint take_log=False):
    """Turn logits into (log-)probabilities row by row, in place."""
    output_inplace(logits, SOFTMAX, take_log)
