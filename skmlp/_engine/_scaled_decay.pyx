"""Plain SGD's L2 weight decay without a pass over the weights at every step.

A step of plain SGD with an L2 penalty is ``W' = c W - lr G`` with
``c = 1 - 2 lr l2`` and ``G = A.T @ delta`` the data gradient. Made as it
reads, the decay is a pass over W of its own before the GEMM that adds
``-lr G`` (``weight_decay`` in :mod:`~skmlp._engine._penalties`): for the
tutorial's 784-500-10 network at batch 20, 8 % of an epoch. Here a layer's
weights are instead held as ``W = s V``, the scale ``s`` a number: the step
is ``s' = c s`` and ``V' = V - (lr / s') G``, which the GEMM adds into V
directly (``beta = 1``), and the products that read W (the forward pass, the
previous layer's delta) take ``s`` as their ``alpha``.

The objective still needs the penalty ``l2 |W|**2 = l2 s**2 |V|**2`` before
every step. ``|V|**2`` is summed once, when an epoch starts, then carried
from step to step exactly: with ``u = -lr / s'``,

    |V'|**2 = |V|**2 + 2 u <V, G> + u**2 |G|**2,

where ``<V, G> = sum((A @ V) * delta)`` is read off the forward pass's
product ``s A @ V`` (kept before the bias is added), and
``|G|**2 = sum((A @ A.T) * (delta @ delta.T))`` costs two products of
``n_rows x n_rows``: cheaper than a pass over W only while the minibatch is
small beside the layer (:func:`scaling_pays`). When the epoch ends (or is
interrupted) the scale is folded back into the weights: between epochs, the
buffer holds W itself.

The arithmetic differs from the decay pass's by rounding only: the weights
after an epoch, and the loss curve, agree with the unscaled step's to
within float64 rounding in float64 (``tests/engine/test_scaled_decay.py``).
"""
from cython cimport floating

import numpy as np

from ._blas cimport gemm
from ._penalties cimport penalty
from ._types cimport Hyper

# The scale is folded back into the weights (and |V|**2 summed anew) when it
# falls below this: V then never grows by more than a factor of two.
cdef double _REFOLD_BELOW = 0.5


def scaling_pays(Py_ssize_t n_rows, Py_ssize_t n_in, Py_ssize_t n_out):
    """Whether a layer of ``n_in x n_out`` weights trained on minibatches of
    ``n_rows`` is cheaper with its decay scaled than with a decay pass: the
    two ``n_rows x n_rows`` products that carry ``|V|**2`` must do fewer
    multiplications than twice the weights the pass would read and write."""
    return n_rows * n_rows * (n_in + n_out) <= 2 * n_in * n_out


cdef void begin_scaling(
    const floating *v,          # IN     (n,) the layer's weights, unscaled
    Py_ssize_t n,               # IN
    ScaledLayer *layer,         # OUT
) noexcept nogil:
    """Start a layer at scale 1, with the exact sum of its squares."""
    layer.scale = 1
    layer.sq_norm = penalty(v, n, 0, 1)


cdef void fold_scale(
    floating *v,                # IN/OUT (n,): V in, the weights s V out
    Py_ssize_t n,               # IN
    ScaledLayer *layer,         # IN/OUT back to scale 1, sq_norm summed anew
) noexcept nogil:
    """Fold the scale into the weights: afterwards the buffer holds W."""
    cdef Py_ssize_t i
    cdef floating scale = layer.scale
    if layer.scale != 1:
        for i in range(n):
            v[i] *= scale
    begin_scaling(v, n, layer)


cdef double scaled_sgd_step(
    const Hyper *hyper,         # IN     plain SGD: learning_rate, l2 (l1 = 0)
    floating *v,                # IN/OUT (n_in, n_out) the weights are scale * v
    const floating *a,          # IN     (n_rows, n_in) the layer's inputs
    const floating *delta,      # IN     (n_rows, n_out) the layer's output deltas
    const floating *scaled_product,  # IN (n_rows, n_out) scale * a @ v, the
                                #        forward pass's product before the bias
    floating *gram,             # OUT    scratch of 2 * n_rows * n_rows values
    Py_ssize_t n_rows,          # IN
    Py_ssize_t n_in,            # IN
    Py_ssize_t n_out,           # IN
    ScaledLayer *layer,         # IN/OUT the scale and |v|**2
) noexcept nogil:
    """One step of plain SGD with L2 on a layer held as ``scale * v``; return
    the penalty ``l2 |W|**2`` of its weights before the step."""
    cdef double lr = hyper.learning_rate, l2 = hyper.l2
    cdef double scale = layer.scale, new_scale, u, dot = 0, grad_sq = 0
    cdef double value = l2 * scale * scale * layer.sq_norm
    cdef floating *gram_d = gram + n_rows * n_rows
    cdef Py_ssize_t i
    for i in range(n_rows * n_out):
        dot += <double> scaled_product[i] * delta[i]
    dot /= scale                                            # <V, G>
    gemm(False, True, n_rows, n_rows, n_in, 1, a, n_in, a, n_in, 0, gram, n_rows)
    gemm(False, True, n_rows, n_rows, n_out, 1, delta, n_out, delta, n_out,
         0, gram_d, n_rows)
    for i in range(n_rows * n_rows):
        grad_sq += <double> gram[i] * gram_d[i]             # |G|**2
    new_scale = (1 - 2 * lr * l2) * scale
    u = -lr / new_scale
    gemm(True, False, n_in, n_out, n_rows, <floating> u, a, n_in, delta, n_out,
         1, v, n_out)
    layer.sq_norm = max(layer.sq_norm + 2 * u * dot + u * u * grad_sq, 0.0)
    layer.scale = new_scale
    if new_scale < _REFOLD_BELOW:
        fold_scale(v, n_in * n_out, layer)
    return value


# ---------------------------------------------------------------------------
# Python entry points for the tests

def _scaled_sgd_steps_for_tests(
    floating[:, ::1] v, const floating[:, :, ::1] a, const floating[:, :, ::1] delta,
    double learning_rate, double l2,
):
    """Run ``len(a)`` steps on v (from scale 1) and fold the scale back;
    return the penalty before each step and the tracked |v|**2 before the
    fold."""
    cdef Hyper hyper
    cdef ScaledLayer layer
    cdef Py_ssize_t step, n_rows = a.shape[1], n_in = v.shape[0], n_out = v.shape[1]
    if (a.shape[2] != n_in or delta.shape[2] != n_out or delta.shape[0] != a.shape[0]
            or delta.shape[1] != n_rows):
        raise ValueError("a and delta must be (n_steps, n_rows, n_in / n_out).")
    dtype = np.float32 if floating is float else np.float64
    product = np.empty((n_rows, n_out), dtype=dtype)
    cdef floating[:, ::1] product_view = product
    cdef floating[::1] gram = np.empty(2 * n_rows * n_rows, dtype=dtype)
    hyper.learning_rate = learning_rate
    hyper.l2 = l2
    hyper.l1 = 0
    penalties = []
    begin_scaling(&v[0, 0], n_in * n_out, &layer)
    for step in range(a.shape[0]):
        np.matmul(np.asarray(a[step]), np.asarray(v), out=product)
        product *= layer.scale
        penalties.append(scaled_sgd_step(
            &hyper, &v[0, 0], &a[step, 0, 0], &delta[step, 0, 0],
            &product_view[0, 0], &gram[0], n_rows, n_in, n_out, &layer))
    tracked = layer.sq_norm
    fold_scale(&v[0, 0], n_in * n_out, &layer)
    return penalties, tracked
