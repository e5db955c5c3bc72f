"""Gradients into new weights: the update rules, penalties and weight decay.

``update_weights`` and ``update_biases`` apply one layer's step of the update
rule in ``Hyper.update``; the weight gradient's GEMM lands where that rule
needs it (the weights themselves for plain SGD, the velocity for momentum, a
scratch gradient otherwise), so that each rule makes one fused pass over its
span of the flat parameter buffer. Biases are updated by the same kernels
with l1 = l2 = 0. The kernels return the penalty of the weights before the
step, so that the engine reports the objective without another pass.

Max-norm (Srivastava et al., 2014): after the step, each column of a hidden
layer's W (the incoming weights of one unit) longer than ``Hyper.max_norm`` is
scaled back onto the L2 ball of that radius. The update kernels then walk W
one row at a time, adding each row's squares to the column sums while the row
they just wrote is still in L1 cache; :func:`project_columns` rescales only
when a column is over the radius. Without max-norm they walk the span in
blocks of 1024, summing each block's share of the penalty just before
updating it: the block is then read from L1 cache twice instead of the span
from L2 twice, and the penalty has the same bits as :func:`penalty`'s.
"""
from cython cimport floating
from libc.math cimport pow, sqrt
from libc.string cimport memset

from ._blas cimport gemm
from ._math cimport _sign
from ._types cimport ADAM, GRADIENT, MOMENTUM, NESTEROV, SGD, Hyper, Update


cdef extern from "_vector_passes.h" nogil:
    # The element-wise passes, compiled for the baseline CPU and for AVX2 (see
    # the header): the lane sums, each update rule's pass and the column sums.
    void skmlp_add_lanes_f(const float *w, Py_ssize_t n, bint squares, double *total)
    void skmlp_add_lanes_d(const double *w, Py_ssize_t n, bint squares, double *total)
    void skmlp_sgd_pass_f(float *w, const float *grad, float *velocity, Py_ssize_t n,
                          float lr, float mu, bint plain, bint nesterov, float c2)
    void skmlp_sgd_pass_d(double *w, const double *grad, double *velocity,
                          Py_ssize_t n, double lr, double mu, bint plain,
                          bint nesterov, double c2)
    void skmlp_momentum_finish_pass_f(float *w, float *velocity, Py_ssize_t n,
                                      float c1, float c2, bint has_l1, bint has_l2)
    void skmlp_momentum_finish_pass_d(double *w, double *velocity, Py_ssize_t n,
                                      double c1, double c2, bint has_l1, bint has_l2)
    void skmlp_adam_pass_f(float *w, const float *grad, float *m, float *v,
                           Py_ssize_t n, float step, float b1, float b2, float d1,
                           float d2, float eps, float p2)
    void skmlp_adam_pass_d(double *w, const double *grad, double *m, double *v,
                           Py_ssize_t n, double step, double b1, double b2, double d1,
                           double d2, double eps, double p2)
    void skmlp_column_sums_f(const float *d, Py_ssize_t n_rows, Py_ssize_t n_cols,
                             float *out, bint accumulate)
    void skmlp_column_sums_d(const double *d, Py_ssize_t n_rows, Py_ssize_t n_cols,
                             double *out, bint accumulate)


def n_state_buffers(int update):
    """How many parameter-sized state buffers an :class:`Update` rule's kernels
    read and write (the velocity; Adam's two moments)."""
    return {SGD: 0, MOMENTUM: 1, NESTEROV: 1, ADAM: 2, GRADIENT: 0}[update]


# ---------------------------------------------------------------------------
# One layer's step of the update rule

cdef double begin_step(
    const Hyper *hyper,         # IN
    long long *n_steps,         # IN/OUT the update rule's step count
) noexcept nogil:
    """Count a training step; return Adam's bias-corrected step size
    lr * sqrt(1 - beta_2**t) / (1 - beta_1**t) (0 for the other rules)."""
    if hyper.update == ADAM:
        n_steps[0] += 1
        return hyper.learning_rate * (
            sqrt(1 - pow(hyper.beta_2, n_steps[0]))
            / (1 - pow(hyper.beta_1, n_steps[0])))
    return 0


cdef double update_weights(
    const Hyper *hyper,         # IN
    floating *w,                # IN/OUT (n_in, n_out) weights (not with GRADIENT)
    floating *grad,             # OUT    (n_in, n_out) scratch; the gradient with GRADIENT
    floating *state_1,          # IN/OUT velocity (SGD family), first moment (Adam) or NULL
    floating *state_2,          # IN/OUT second moment (Adam), or NULL
    const floating *a,          # IN     (n_rows, n_in) the layer's inputs
    const floating *delta,      # IN     (n_rows, n_out) the layer's output deltas
    Py_ssize_t n_rows,          # IN
    Py_ssize_t n_in,            # IN
    Py_ssize_t n_out,           # IN
    double step_size,           # IN     from begin_step
    bint accumulate,            # IN     GRADIENT only: add to grad instead of overwriting
    double *column_sq,          # OUT    (n_out,) scratch to project the columns of w
                                #        onto the hyper.max_norm ball, or NULL
) noexcept nogil:
    """One step of the update rule on a layer's weights, with the data
    gradient a.T @ delta, then the max-norm projection of w's columns when
    column_sq is given; return the penalty of w before the step (0 with
    GRADIENT, whose caller adds the penalty once)."""
    cdef Py_ssize_t n_w = n_in * n_out
    cdef double lr = hyper.learning_rate, value
    cdef Update update = hyper.update
    cdef floating alpha, beta
    if update == GRADIENT:
        beta = 1 if accumulate else 0
        gemm(True, False, n_in, n_out, n_rows, 1, a, n_in, delta, n_out,
             beta, grad, n_out)
        return 0
    if column_sq != NULL:
        memset(column_sq, 0, n_out * sizeof(double))
    if update == SGD and hyper.l1 == 0:
        # w := (1 - 2 lr l2) w - lr A.T @ delta: one decay pass (which
        # also measures the penalty), then the GEMM accumulates into w.
        alpha = -lr
        value = weight_decay(w, n_w, lr, hyper.l2)
        gemm(True, False, n_in, n_out, n_rows, alpha, a, n_in, delta, n_out,
             1, w, n_out)
        if column_sq != NULL:
            # BLAS wrote the new weights: their squares take a pass of their own.
            add_column_squares(w, n_in, n_out, column_sq)
    elif update == MOMENTUM:
        alpha = -lr
        beta = hyper.momentum
        gemm(True, False, n_in, n_out, n_rows, alpha, a, n_in, delta, n_out,
             beta, state_1, n_out)
        value = momentum_finish(w, state_1, n_w, lr, hyper.l1, hyper.l2, n_out,
                                column_sq)
    else:
        gemm(True, False, n_in, n_out, n_rows, 1, a, n_in, delta, n_out,
             0, grad, n_out)
        if update == SGD:
            value = sgd_step(w, grad, NULL, n_w, lr, 0, False, hyper.l1, hyper.l2,
                             n_out, column_sq)
        elif update == NESTEROV:
            value = sgd_step(w, grad, state_1, n_w, lr, hyper.momentum, True,
                             hyper.l1, hyper.l2, n_out, column_sq)
        else:
            value = adam_step(w, grad, state_1, state_2, n_w, step_size,
                              hyper.beta_1, hyper.beta_2, hyper.epsilon, hyper.l1,
                              hyper.l2, n_out, column_sq)
    if column_sq != NULL:
        project_columns(w, n_in, n_out, hyper.max_norm, column_sq)
    return value


cdef void update_biases(
    const Hyper *hyper,         # IN
    floating *b,                # IN/OUT (n_out,) biases (not with GRADIENT)
    floating *grad,             # OUT    (n_out,) their gradient
    floating *state_1,          # IN/OUT as for update_weights, or NULL
    floating *state_2,          # IN/OUT as for update_weights, or NULL
    const floating *delta,      # IN     (n_rows, n_out) the layer's output deltas
    Py_ssize_t n_rows,          # IN
    Py_ssize_t n_out,           # IN
    double step_size,           # IN     from begin_step
    bint accumulate,            # IN     GRADIENT only: add to grad instead of overwriting
) noexcept nogil:
    """One step of the update rule on a layer's biases (never penalised)."""
    cdef Update update = hyper.update
    column_sums(delta, n_rows, n_out, grad, accumulate)
    if update == ADAM:
        adam_step(b, grad, state_1, state_2, n_out, step_size, hyper.beta_1,
                  hyper.beta_2, hyper.epsilon, 0, 0, n_out, NULL)
    elif update != GRADIENT:
        sgd_step(b, grad, state_1, n_out, hyper.learning_rate,
                 hyper.momentum if update != SGD else 0, update == NESTEROV, 0, 0,
                 n_out, NULL)


# ---------------------------------------------------------------------------
# The bias gradient

cdef void column_sums(
    const floating *d,          # IN     (n_rows, n_cols)
    Py_ssize_t n_rows,          # IN
    Py_ssize_t n_cols,          # IN
    floating *out,              # IN/OUT (n_cols,)
    bint accumulate,            # IN     add to out instead of overwriting it
) noexcept nogil:
    """out[j] = sum_i d[i, j] (+ out[j] when accumulating): the bias gradient

    Eight columns at a time, their running sums held in registers down the
    rows: summing into out row after row would store and reload each sum once
    per row. Each column is still summed in row order, from 0 (or out[j]).
    """
    if floating is float:
        skmlp_column_sums_f(d, n_rows, n_cols, out, accumulate)
    else:
        skmlp_column_sums_d(d, n_rows, n_cols, out, accumulate)


# ---------------------------------------------------------------------------
# Max-norm: the columns of W back onto the L2 ball

cdef inline floating *_at(floating *buffer, Py_ssize_t offset) noexcept nogil:
    """buffer + offset, or NULL for an unused (NULL) buffer."""
    return buffer + offset if buffer != NULL else NULL


cdef inline Py_ssize_t _pass_length(
    Py_ssize_t n_cols, const double *column_sq
) noexcept nogil:
    """Elements an update kernel writes at a time: one row of W when it also
    sums its columns' squares (column_sq given), else one block of the
    penalty's lane sums, which it adds just before updating the block."""
    return n_cols if column_sq != NULL else _LANE_BLOCK


cdef void add_column_squares(
    const floating *w,          # IN     (n_rows, n_cols) row-major
    Py_ssize_t n_rows,          # IN
    Py_ssize_t n_cols,          # IN
    double *column_sq,          # IN/OUT (n_cols,)
) noexcept nogil:
    """column_sq[j] += sum_i w[i, j]**2 (in double)"""
    cdef Py_ssize_t i, j
    cdef const floating *row
    for i in range(n_rows):
        row = w + i * n_cols
        for j in range(n_cols):
            column_sq[j] += <double> row[j] * row[j]


cdef void project_columns(
    floating *w,                # IN/OUT (n_rows, n_cols) row-major
    Py_ssize_t n_rows,          # IN
    Py_ssize_t n_cols,          # IN
    double max_norm,            # IN     the radius
    double *column_sq,          # IN/OUT (n_cols,) the squared column norms in;
                                #        each column's scale factor out
) noexcept nogil:
    """w[:, j] *= max_norm / ||w[:, j]|| for the columns longer than max_norm.

    Columns within the ball keep their bits (a factor of exactly 1), and no
    pass is made over w unless some column is over the radius.
    """
    cdef Py_ssize_t i, j
    cdef double limit = max_norm * max_norm
    cdef bint any_over = False
    cdef floating *row
    for j in range(n_cols):
        if column_sq[j] > limit:
            column_sq[j] = max_norm / sqrt(column_sq[j])
            any_over = True
        else:
            column_sq[j] = 1
    if not any_over:
        return
    for i in range(n_rows):
        row = w + i * n_cols
        for j in range(n_cols):
            row[j] *= <floating> column_sq[j]


# ---------------------------------------------------------------------------
# Penalties and update kernels, over a span of the flat parameter buffer

# The lane sums below add their blocks in this order, whoever calls them: the
# penalty of a span is the same bits whether it is summed on its own or block
# by block inside an update pass.
cdef enum:
    _LANE_BLOCK = 1024


cdef inline void _add_lanes(
    const floating *w, Py_ssize_t n, bint squares, double *total
) noexcept nogil:
    """total += sum w**2 (squares) or sum |w| of one block (n <= _LANE_BLOCK),
    in eight independent lanes (no chain of dependent additions, vectorisable,
    and the same result on every run, unlike a threaded BLAS dot), the lanes
    added to total in double."""
    if floating is float:
        skmlp_add_lanes_f(w, n, squares, total)
    else:
        skmlp_add_lanes_d(w, n, squares, total)


cdef inline double _lane_sum(const floating *w, Py_ssize_t n, bint squares) noexcept nogil:
    """sum w**2 (squares) or sum |w|, block by block (see _add_lanes)."""
    cdef double total = 0
    cdef Py_ssize_t start = 0
    while start < n:
        _add_lanes(w + start, min(_LANE_BLOCK, n - start), squares, &total)
        start += _LANE_BLOCK
    return total


cdef double _sum_squares(const floating *w, Py_ssize_t n) noexcept nogil:
    return _lane_sum(w, n, True)


cdef double _sum_abs(const floating *w, Py_ssize_t n) noexcept nogil:
    return _lane_sum(w, n, False)


cdef double penalty(
    const floating *w,          # IN  (n,)
    Py_ssize_t n,               # IN
    double l1,                  # IN
    double l2,                  # IN
) noexcept nogil:
    """Return l1 * sum|w| + l2 * sum w**2"""
    cdef double value = 0
    if l1 != 0:
        value += l1 * _sum_abs(w, n)
    if l2 != 0:
        value += l2 * _sum_squares(w, n)
    return value


cdef struct _PenaltySums:
    # penalty()'s two sums, accumulated block by block by an update pass.
    double abs_total
    double square_total


cdef inline void _add_penalty_block(
    const floating *w, Py_ssize_t n, double l1, double l2, _PenaltySums *sums
) noexcept nogil:
    """Add one block's (n <= _LANE_BLOCK) share of the penalty's sums, before
    the pass updates it: the block is then in L1 cache for the update, which
    costs less than a pass of its own over the span."""
    if l1 != 0:
        _add_lanes(w, n, False, &sums.abs_total)
    if l2 != 0:
        _add_lanes(w, n, True, &sums.square_total)


cdef inline double _penalty_of_sums(
    const _PenaltySums *sums, double l1, double l2
) noexcept nogil:
    """penalty() from the sums an update pass accumulated (the same bits)."""
    cdef double value = 0
    if l1 != 0:
        value += l1 * sums.abs_total
    if l2 != 0:
        value += l2 * sums.square_total
    return value


cdef inline double _penalty_before_pass(
    const floating *w, Py_ssize_t n, double l1, double l2, const double *column_sq,
    _PenaltySums *sums,
) noexcept nogil:
    """Start an update kernel's penalty: summed now when its pass goes row by
    row (max-norm: rows do not align with the lane blocks); else 0, with sums
    zeroed for the pass to fill block by block (see _finish_penalty)."""
    sums.abs_total = 0
    sums.square_total = 0
    return penalty(w, n, l1, l2) if column_sq != NULL else 0


cdef inline double _finish_penalty(
    double value, const _PenaltySums *sums, double l1, double l2,
    const double *column_sq,
) noexcept nogil:
    """The penalty an update kernel returns (see _penalty_before_pass)."""
    return value if column_sq != NULL else _penalty_of_sums(sums, l1, l2)


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
        block_end = min(n, i + 1024)
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


cdef double momentum_finish(
    floating *w,                # IN/OUT (n,)
    floating *velocity,         # IN/OUT (n,): momentum * v - lr * data gradient in
    Py_ssize_t n,               # IN
    double learning_rate,       # IN
    double l1,                  # IN
    double l2,                  # IN
    Py_ssize_t n_cols,          # IN     row length of w as a matrix
    double *column_sq,          # IN/OUT (n_cols,) add the new w's column squares, or NULL
) noexcept nogil:
    """velocity -= lr * (l1 * sign(w) + 2 * l2 * w); w += velocity;
    return the penalty of w before the step

    The GEMM of the weight gradient already accumulated ``momentum * v - lr *
    A.T @ delta`` into velocity: the weights need one update pass, no more.
    """
    cdef floating c1 = learning_rate * l1, c2 = 2 * learning_rate * l2
    cdef _PenaltySums sums
    cdef double value = _penalty_before_pass(w, n, l1, l2, column_sq, &sums)
    cdef Py_ssize_t start = 0, length
    while start < n:
        length = min(_pass_length(n_cols, column_sq), n - start)
        if column_sq == NULL:
            _add_penalty_block(w + start, length, l1, l2, &sums)
        _momentum_finish_pass(w + start, velocity + start, length, c1, c2,
                              l1 != 0, l2 != 0)
        if column_sq != NULL:
            add_column_squares(w + start, 1, length, column_sq)
        start += length
    return _finish_penalty(value, &sums, l1, l2, column_sq)


cdef inline void _momentum_finish_pass(
    floating *w, floating *velocity, Py_ssize_t n, floating c1, floating c2,
    bint has_l1, bint has_l2,
) noexcept nogil:
    """velocity -= c1 * sign(w) + c2 * w; w += velocity, on n elements."""
    if floating is float:
        skmlp_momentum_finish_pass_f(w, velocity, n, c1, c2, has_l1, has_l2)
    else:
        skmlp_momentum_finish_pass_d(w, velocity, n, c1, c2, has_l1, has_l2)


cdef double sgd_step(
    floating *w,                # IN/OUT (n,)
    floating *grad,             # IN     (n,) data gradient; scratch when l1 != 0
    floating *velocity,         # IN/OUT (n,): unused when momentum == 0
    Py_ssize_t n,               # IN
    double learning_rate,       # IN
    double momentum,            # IN
    bint nesterov,              # IN
    double l1,                  # IN
    double l2,                  # IN
    Py_ssize_t n_cols,          # IN     row length of w as a matrix
    double *column_sq,          # IN/OUT (n_cols,) add the new w's column squares, or NULL
) noexcept nogil:
    """g = grad + penalty'(w); v = momentum * v - lr * g;
    w += (momentum * v - lr * g) if nesterov else v (plain SGD: w -= lr * g);
    return the penalty of w before the step

    The full gradient g is not written back: the pass streams one array less.
    """
    cdef Py_ssize_t i, start = 0, length
    cdef floating lr = learning_rate, mu = momentum, c1 = l1, c2 = 2 * l2
    cdef _PenaltySums sums
    cdef double value = _penalty_before_pass(w, n, l1, l2, column_sq, &sums)
    if l1 != 0:
        # The subgradient of |w| is not vectorisable: add it in a pass of its own.
        for i in range(n):
            grad[i] += c1 * _sign(w[i])
    while start < n:
        length = min(_pass_length(n_cols, column_sq), n - start)
        if column_sq == NULL:
            _add_penalty_block(w + start, length, l1, l2, &sums)
        _sgd_pass(w + start, grad + start, _at(velocity, start), length, lr, mu,
                  momentum == 0, nesterov, c2)
        if column_sq != NULL:
            add_column_squares(w + start, 1, length, column_sq)
        start += length
    return _finish_penalty(value, &sums, l1, l2, column_sq)


cdef inline void _sgd_pass(
    floating *w, const floating *grad, floating *velocity, Py_ssize_t n,
    floating lr, floating mu, bint plain, bint nesterov, floating c2,
) noexcept nogil:
    """sgd_step's update of n elements: the L2 gradient is added as each
    element is updated."""
    if floating is float:
        skmlp_sgd_pass_f(w, grad, velocity, n, lr, mu, plain, nesterov, c2)
    else:
        skmlp_sgd_pass_d(w, grad, velocity, n, lr, mu, plain, nesterov, c2)


cdef double adam_step(
    floating *w,                # IN/OUT (n,)
    floating *grad,             # IN     (n,) data gradient; scratch when l1 != 0
    floating *m,                # IN/OUT (n,) first moment
    floating *v,                # IN/OUT (n,) second moment
    Py_ssize_t n,               # IN
    double step_size,           # IN     lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)
    double beta_1,              # IN
    double beta_2,              # IN
    double epsilon,             # IN
    double l1,                  # IN
    double l2,                  # IN
    Py_ssize_t n_cols,          # IN     row length of w as a matrix
    double *column_sq,          # IN/OUT (n_cols,) add the new w's column squares, or NULL
) noexcept nogil:
    """m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g**2; w -= step * m / (sqrt(v) + eps),
    with g = grad + penalty'(w); return the penalty of w before the step"""
    cdef Py_ssize_t i, start = 0, length
    cdef floating p1 = l1
    cdef _PenaltySums sums
    cdef double value = _penalty_before_pass(w, n, l1, l2, column_sq, &sums)
    if l1 != 0:
        for i in range(n):
            grad[i] += p1 * _sign(w[i])
    while start < n:
        length = min(_pass_length(n_cols, column_sq), n - start)
        if column_sq == NULL:
            _add_penalty_block(w + start, length, l1, l2, &sums)
        _adam_pass(w + start, grad + start, m + start, v + start, length, step_size,
                   beta_1, beta_2, epsilon, l2)
        if column_sq != NULL:
            add_column_squares(w + start, 1, length, column_sq)
        start += length
    return _finish_penalty(value, &sums, l1, l2, column_sq)


cdef inline void _adam_pass(
    floating *w, const floating *grad, floating *m, floating *v, Py_ssize_t n,
    double step_size, double beta_1, double beta_2, double epsilon, double l2,
) noexcept nogil:
    """adam_step's update of n elements: the L2 gradient is added as each
    element is updated."""
    cdef floating b1 = beta_1, b2 = beta_2, d1 = 1 - beta_1, d2 = 1 - beta_2
    cdef floating step = step_size, eps = epsilon, p2 = 2 * l2
    if floating is float:
        skmlp_adam_pass_f(w, grad, m, v, n, step, b1, b2, d1, d2, eps, p2)
    else:
        skmlp_adam_pass_d(w, grad, m, v, n, step, b1, b2, d1, d2, eps, p2)


# ---------------------------------------------------------------------------
# Python entry points for the tests (one per kernel, compared with NumPy)

def _column_sums_for_tests(const floating[:, ::1] d, floating[::1] out, bint accumulate):
    column_sums(&d[0, 0], d.shape[0], d.shape[1], &out[0], accumulate)


def _penalty_for_tests(const floating[::1] w, double l1, double l2):
    return penalty(&w[0], w.shape[0], l1, l2)


def _weight_decay_for_tests(floating[::1] w, double learning_rate, double l2):
    return weight_decay(&w[0], w.shape[0], learning_rate, l2)


def _add_penalty_gradient_for_tests(
    floating[::1] grad, const floating[::1] w, double l1, double l2
):
    return add_penalty_gradient(&grad[0], &w[0], w.shape[0], l1, l2)


def _momentum_finish_for_tests(
    floating[::1] w, floating[::1] velocity, double learning_rate, double l1, double l2,
    Py_ssize_t n_cols=0, double[::1] column_sq=None,
):
    return momentum_finish(&w[0], &velocity[0], w.shape[0], learning_rate, l1, l2,
                           n_cols, _column_sq(column_sq, n_cols, w.shape[0]))


def _sgd_step_for_tests(
    floating[::1] w, floating[::1] grad, floating[::1] velocity,
    double learning_rate, double momentum, bint nesterov, double l1, double l2,
    Py_ssize_t n_cols=0, double[::1] column_sq=None,
):
    return sgd_step(&w[0], &grad[0], &velocity[0], w.shape[0], learning_rate, momentum,
                    nesterov, l1, l2, n_cols,
                    _column_sq(column_sq, n_cols, w.shape[0]))


def _adam_step_for_tests(
    floating[::1] w, floating[::1] grad, floating[::1] m, floating[::1] v,
    double step_size, double beta_1, double beta_2, double epsilon,
    double l1, double l2, Py_ssize_t n_cols=0, double[::1] column_sq=None,
):
    return adam_step(&w[0], &grad[0], &m[0], &v[0], w.shape[0], step_size, beta_1,
                     beta_2, epsilon, l1, l2, n_cols,
                     _column_sq(column_sq, n_cols, w.shape[0]))


cdef double *_column_sq(double[::1] column_sq, Py_ssize_t n_cols, Py_ssize_t n):
    """The column sums of the kernels' test entry points: NULL for none, else
    a buffer of n_cols values, n_cols dividing n."""
    if column_sq is None:
        return NULL
    if n_cols < 1 or n % n_cols or column_sq.shape[0] != n_cols:
        raise ValueError("column_sq must hold n_cols values, n_cols dividing n.")
    return &column_sq[0]


def _add_column_squares_for_tests(const floating[:, ::1] w, double[::1] column_sq):
    add_column_squares(&w[0, 0], w.shape[0], w.shape[1], &column_sq[0])


def _project_columns_for_tests(floating[:, ::1] w, double max_norm, double[::1] column_sq):
    """Project w's columns, given their squared norms in column_sq (which
    returns each column's factor)."""
    project_columns(&w[0, 0], w.shape[0], w.shape[1], max_norm, &column_sq[0])
