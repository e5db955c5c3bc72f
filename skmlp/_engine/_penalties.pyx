"""Penalties of the weights: ``l1 * sum|w| + l2 * sum w**2``, its gradient,
and weight decay (the L2 part of a plain SGD step).

Each sum goes block by block (``LANE_BLOCK`` values), eight independent lanes
per block (``skmlp_add_lanes`` in the C header); the update rules' passes
(:mod:`~skmlp._engine._update_rules`) add the same blocks in the same order
with the inline helpers of ``_penalties.pxd``, so that the penalty they
report has the bits :func:`penalty` gives.
"""
from cython cimport floating

from ._math cimport _sign


cdef inline double _lane_sum(const floating *w, Py_ssize_t n, bint squares) noexcept nogil:
    """sum w**2 (squares) or sum |w|, block by block (see add_lanes)."""
    cdef double total = 0
    cdef Py_ssize_t start = 0
    while start < n:
        add_lanes(w + start, min(LANE_BLOCK, n - start), squares, &total)
        start += LANE_BLOCK
    return total


cdef double penalty(
    const floating *w,          # IN  (n,)
    Py_ssize_t n,               # IN
    double l1,                  # IN
    double l2,                  # IN
) noexcept nogil:
    """Return l1 * sum|w| + l2 * sum w**2"""
    cdef double value = 0
    if l1 != 0:
        value += l1 * _lane_sum(w, n, False)
    if l2 != 0:
        value += l2 * _lane_sum(w, n, True)
    return value


cdef double weight_decay(
    floating *w,                # IN/OUT (n,)
    Py_ssize_t n,               # IN
    double learning_rate,       # IN
    double l2,                  # IN
) noexcept nogil:
    """w *= 1 - 2 * lr * l2; return l2 * sum w**2 of w before that

    The L2 part of a plain SGD step, in the same pass as its penalty value, so
    that the GEMM adding the data gradient can accumulate into w with beta=1
    (BLAS would otherwise make a scaling pass of its own for beta != 1).
    """
    cdef floating lanes[8]
    cdef floating decay = 1 - 2 * learning_rate * l2
    cdef double square_sum = 0
    cdef Py_ssize_t i = 0, j, block_end
    if l2 == 0:
        return 0
    while i < n:
        block_end = min(n, i + LANE_BLOCK)
        for j in range(8):
            lanes[j] = 0
        while i + 8 <= block_end:
            for j in range(8):
                lanes[j] += w[i + j] * w[i + j]
                w[i + j] *= decay
            i += 8
        while i < block_end:
            lanes[0] += w[i] * w[i]
            w[i] *= decay
            i += 1
        for j in range(8):
            square_sum += lanes[j]
    return l2 * square_sum


cdef double add_penalty_gradient(
    floating *grad,             # IN/OUT (n,)
    const floating *w,          # IN     (n,)
    Py_ssize_t n,               # IN
    double l1,                  # IN
    double l2,                  # IN
) noexcept nogil:
    """grad += l1 * sign(w) + 2 * l2 * w; return the penalty of w"""
    cdef Py_ssize_t i
    cdef floating c1 = l1, c2 = 2 * l2
    if l1 != 0:
        for i in range(n):
            grad[i] += c1 * _sign(w[i]) + c2 * w[i]
    elif l2 != 0:
        for i in range(n):
            grad[i] += c2 * w[i]
    return penalty(w, n, l1, l2)


# ---------------------------------------------------------------------------
# Python entry points for the tests (one per kernel, compared with NumPy)

def _penalty_for_tests(const floating[::1] w, double l1, double l2):
    return penalty(&w[0], w.shape[0], l1, l2)


def _weight_decay_for_tests(floating[::1] w, double learning_rate, double l2):
    return weight_decay(&w[0], w.shape[0], learning_rate, l2)


def _add_penalty_gradient_for_tests(
    floating[::1] grad, const floating[::1] w, double l1, double l2
):
    return add_penalty_gradient(&grad[0], &w[0], w.shape[0], l1, l2)
