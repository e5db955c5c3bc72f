# The penalties of the weights, on fused float/double: l1 * sum|w| + l2 * sum
# w**2, its gradient, and the L2 part of a plain SGD step (weight decay). The
# update rules' passes add the penalty of each block of weights just before
# updating it, with the inline helpers below: their lane sums go block by
# block in the same order as penalty()'s, so both give the same bits.
from cython cimport floating


cdef extern from "_vector_passes.h" nogil:
    # The lane sums, compiled for the baseline CPU and for AVX2 (see the header).
    void skmlp_add_lanes_f(const float *w, Py_ssize_t n, bint squares, double *total)
    void skmlp_add_lanes_d(const double *w, Py_ssize_t n, bint squares, double *total)


# The lane sums add their blocks in this order, whoever calls them: the
# penalty of a span is the same bits whether it is summed on its own or block
# by block inside an update pass.
cdef enum:
    LANE_BLOCK = 1024


cdef double penalty(const floating *w, Py_ssize_t n, double l1, double l2) noexcept nogil

cdef double weight_decay(
    floating *w, Py_ssize_t n, double learning_rate, double l2
) noexcept nogil

cdef double add_penalty_gradient(
    floating *grad, const floating *w, Py_ssize_t n, double l1, double l2
) noexcept nogil


cdef inline void add_lanes(
    const floating *w, Py_ssize_t n, bint squares, double *total
) noexcept nogil:
    """total += sum w**2 (squares) or sum |w| of one block (n <= LANE_BLOCK),
    in eight independent lanes (no chain of dependent additions, vectorisable,
    and the same result on every run, unlike a threaded BLAS dot), the lanes
    added to total in double."""
    if floating is float:
        skmlp_add_lanes_f(w, n, squares, total)
    else:
        skmlp_add_lanes_d(w, n, squares, total)


cdef struct PenaltySums:
    # penalty()'s two sums, accumulated block by block by an update pass.
    double abs_total
    double square_total


cdef inline double penalty_before_pass(
    const floating *w, Py_ssize_t n, double l1, double l2, bint by_rows,
    PenaltySums *sums,
) noexcept nogil:
    """Start an update pass's penalty: summed now when the pass goes row by
    row (by_rows, for max-norm: rows do not align with the lane blocks); else
    0, with sums zeroed for the pass to fill block by block
    (add_penalty_block, then finish_penalty)."""
    sums.abs_total = 0
    sums.square_total = 0
    return penalty(w, n, l1, l2) if by_rows else 0


cdef inline void add_penalty_block(
    const floating *w, Py_ssize_t n, double l1, double l2, PenaltySums *sums
) noexcept nogil:
    """Add one block's (n <= LANE_BLOCK) share of the penalty's sums, before
    the pass updates it: the block is then in L1 cache for the update, which
    costs less than a pass of its own over the span."""
    if l1 != 0:
        add_lanes(w, n, False, &sums.abs_total)
    if l2 != 0:
        add_lanes(w, n, True, &sums.square_total)


cdef inline double finish_penalty(
    double value, const PenaltySums *sums, double l1, double l2, bint by_rows
) noexcept nogil:
    """The penalty an update pass returns (see penalty_before_pass): penalty()
    of the weights before the pass, the same bits."""
    if by_rows:
        return value
    value = 0
    if l1 != 0:
        value += l1 * sums.abs_total
    if l2 != 0:
        value += l2 * sums.square_total
    return value
