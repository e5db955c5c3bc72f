"""Gradients into new weights: the update rules.

``update_weights`` and ``update_biases`` apply one layer's step of the update
rule in ``Hyper.update``; the weight gradient's GEMM lands where that rule
needs it (the weights themselves for plain SGD, the velocity for momentum, a
scratch gradient otherwise), so that each rule makes one fused pass over its
span of the flat parameter buffer (:func:`_update_span`, one loop for every
rule's pass). Biases are updated by the same passes with l1 = l2 = 0. The
passes return the penalty of the weights before the step, summed block by
block as they go (:mod:`~skmlp._engine._penalties`), so that the engine
reports the objective without another pass.

With max-norm (:mod:`~skmlp._engine._max_norm`), the passes walk W one row
at a time, adding each row's squares to the column sums while the row they
just wrote is still in L1 cache; without it they walk the span in blocks of
``LANE_BLOCK``, summing each block's share of the penalty just before
updating it: the block is then read from L1 cache twice instead of the span
from L2 twice, and the penalty has the same bits as ``penalty``'s.

A new update rule: its ``Update`` code (``_types.pxd``), its pass (a
``_SpanPass`` and its case in :func:`_run_pass`, the element loop in C in
``_vector_passes_body.h`` if it should vectorise), its cases in
:func:`_span_update` and :func:`begin_step`, and its line in ``_RULES``.
"""
from cython cimport floating
from libc.math cimport pow, sqrt
from libc.string cimport memset

from ._blas cimport gemm
from ._math cimport _sign
from ._max_norm cimport add_column_squares, project_columns
from ._penalties cimport (
    LANE_BLOCK,
    PenaltySums,
    add_penalty_block,
    finish_penalty,
    penalty_before_pass,
    weight_decay,
)
from ._types cimport ADAM, GRADIENT, MOMENTUM, NESTEROV, SGD, Hyper, Update


cdef extern from "_vector_passes.h" nogil:
    # Each update rule's pass and the column sums, compiled for the baseline
    # CPU and for AVX2 (see the header).
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


# What each update rule's kernels read and write, besides the weights and
# Hyper.learning_rate: how many parameter-sized state buffers (the velocity;
# Adam's two moments), and which settings of Hyper. The engine checks an
# optimizer against these.
_RULES = {
    SGD: (0, ()),
    MOMENTUM: (1, ("momentum",)),
    NESTEROV: (1, ("momentum",)),
    ADAM: (2, ("beta_1", "beta_2", "epsilon")),
    GRADIENT: (0, ()),
}


def n_state_buffers(int update):
    """How many parameter-sized state buffers an :class:`Update` rule's kernels
    read and write (the velocity; Adam's two moments)."""
    return _RULES[update][0]


def rule_settings(int update):
    """The settings of the engine's Hyper struct that an :class:`Update`
    rule's kernels read, besides the learning rate."""
    return _RULES[update][1]


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
    cdef _SpanUpdate span
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
        # velocity := momentum * velocity - lr A.T @ delta by the GEMM; the
        # pass adds the penalty's gradient and steps.
        alpha = -lr
        beta = hyper.momentum
        gemm(True, False, n_in, n_out, n_rows, alpha, a, n_in, delta, n_out,
             beta, state_1, n_out)
        span.kind = _MOMENTUM_FINISH_PASS
        span.learning_rate = lr
        value = _update_span(&span, w, NULL, state_1, NULL, n_w, hyper.l1, hyper.l2,
                             n_out, column_sq)
    else:
        gemm(True, False, n_in, n_out, n_rows, 1, a, n_in, delta, n_out,
             0, grad, n_out)
        span = _span_update(hyper, step_size)
        value = _update_span(&span, w, grad, state_1, state_2, n_w, hyper.l1,
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
    cdef _SpanUpdate span
    column_sums(delta, n_rows, n_out, grad, accumulate)
    if hyper.update != GRADIENT:
        span = _span_update(hyper, step_size)
        _update_span(&span, b, grad, state_1, state_2, n_out, 0, 0, n_out, NULL)


# ---------------------------------------------------------------------------
# The update passes over a span of the flat parameter buffer

cdef enum _SpanPass:
    _SGD_PASS                   # plain SGD, momentum or Nesterov, from the data gradient
    _MOMENTUM_FINISH_PASS       # momentum, after its GEMM filled the velocity
    _ADAM_PASS


cdef struct _SpanUpdate:
    # One pass and its settings, in double: the pass rounds them to the
    # training dtype.
    _SpanPass kind
    double learning_rate
    double momentum             # _SGD_PASS: 0 for plain SGD
    bint nesterov               # _SGD_PASS
    double step_size            # _ADAM_PASS: from begin_step
    double beta_1               # _ADAM_PASS
    double beta_2
    double epsilon


cdef inline _SpanUpdate _span_update(const Hyper *hyper, double step_size) noexcept nogil:
    """The pass that applies hyper's rule to a span whose data gradient is
    known (its weights' momentum rule aside: update_weights finishes the
    velocity that its GEMM began)."""
    cdef _SpanUpdate span
    span.kind = _ADAM_PASS if hyper.update == ADAM else _SGD_PASS
    span.learning_rate = hyper.learning_rate
    span.momentum = hyper.momentum if hyper.update in (MOMENTUM, NESTEROV) else 0
    span.nesterov = hyper.update == NESTEROV
    span.step_size = step_size
    span.beta_1 = hyper.beta_1
    span.beta_2 = hyper.beta_2
    span.epsilon = hyper.epsilon
    return span


cdef inline floating *_at(floating *buffer, Py_ssize_t offset) noexcept nogil:
    """buffer + offset, or NULL for an unused (NULL) buffer."""
    return buffer + offset if buffer != NULL else NULL


cdef double _update_span(
    const _SpanUpdate *span,    # IN
    floating *w,                # IN/OUT (n,)
    floating *grad,             # IN     (n,) data gradient; scratch when l1 != 0;
                                #        NULL for _MOMENTUM_FINISH_PASS
    floating *state_1,          # IN/OUT (n,) velocity or first moment, or NULL
    floating *state_2,          # IN/OUT (n,) second moment, or NULL
    Py_ssize_t n,               # IN
    double l1,                  # IN
    double l2,                  # IN
    Py_ssize_t n_cols,          # IN     row length of w as a matrix
    double *column_sq,          # IN/OUT (n_cols,) add the new w's column squares, or NULL
) noexcept nogil:
    """One pass of an update rule over w, the penalty's gradient added to the
    data gradient as each element is updated; return the penalty of w before
    the step.

    The full gradient is not written back: the pass streams one array less.
    """
    cdef PenaltySums sums
    cdef bint by_rows = column_sq != NULL
    cdef double value = penalty_before_pass(w, n, l1, l2, by_rows, &sums)
    cdef Py_ssize_t i, start = 0, length
    cdef floating c1 = l1
    if l1 != 0 and span.kind != _MOMENTUM_FINISH_PASS:
        # The subgradient of |w| is not vectorisable: add it in a pass of its own.
        for i in range(n):
            grad[i] += c1 * _sign(w[i])
    while start < n:
        length = min(n_cols if by_rows else LANE_BLOCK, n - start)
        if not by_rows:
            add_penalty_block(w + start, length, l1, l2, &sums)
        _run_pass(span, w + start, _at(grad, start), _at(state_1, start),
                  _at(state_2, start), length, l1, l2)
        if by_rows:
            add_column_squares(w + start, 1, length, column_sq)
        start += length
    return finish_penalty(value, &sums, l1, l2, by_rows)


cdef inline void _run_pass(
    const _SpanUpdate *span, floating *w, floating *grad, floating *state_1,
    floating *state_2, Py_ssize_t n, double l1, double l2,
) noexcept nogil:
    """The pass of span.kind over n elements (one block or one row)."""
    cdef floating lr, mu, c1, c2
    cdef floating b1, b2, d1, d2, step, eps
    if span.kind == _SGD_PASS:
        # g = grad + 2 l2 w; v = mu v - lr g; w += v, or mu v - lr g
        # (Nesterov), or w -= lr g (plain: no velocity).
        lr = span.learning_rate
        mu = span.momentum
        c2 = 2 * l2
        if floating is float:
            skmlp_sgd_pass_f(w, grad, state_1, n, lr, mu, span.momentum == 0,
                             span.nesterov, c2)
        else:
            skmlp_sgd_pass_d(w, grad, state_1, n, lr, mu, span.momentum == 0,
                             span.nesterov, c2)
    elif span.kind == _MOMENTUM_FINISH_PASS:
        # velocity -= lr * (l1 sign(w) + 2 l2 w); w += velocity
        c1 = span.learning_rate * l1
        c2 = 2 * span.learning_rate * l2
        if floating is float:
            skmlp_momentum_finish_pass_f(w, state_1, n, c1, c2, l1 != 0, l2 != 0)
        else:
            skmlp_momentum_finish_pass_d(w, state_1, n, c1, c2, l1 != 0, l2 != 0)
    else:
        # m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g**2;
        # w -= step * m / (sqrt(v) + eps), g = grad + 2 l2 w
        b1 = span.beta_1
        b2 = span.beta_2
        d1 = 1 - span.beta_1
        d2 = 1 - span.beta_2
        step = span.step_size
        eps = span.epsilon
        c2 = 2 * l2
        if floating is float:
            skmlp_adam_pass_f(w, grad, state_1, state_2, n, step, b1, b2, d1, d2,
                              eps, c2)
        else:
            skmlp_adam_pass_d(w, grad, state_1, state_2, n, step, b1, b2, d1, d2,
                              eps, c2)


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
# Python entry points for the tests (one per pass, compared with NumPy)

def _column_sums_for_tests(const floating[:, ::1] d, floating[::1] out, bint accumulate):
    column_sums(&d[0, 0], d.shape[0], d.shape[1], &out[0], accumulate)


def _momentum_finish_for_tests(
    floating[::1] w, floating[::1] velocity, double learning_rate, double l1, double l2,
    Py_ssize_t n_cols=0, double[::1] column_sq=None,
):
    """velocity -= lr * (l1 sign(w) + 2 l2 w); w += velocity; return the
    penalty of w before the step."""
    cdef _SpanUpdate span
    span.kind = _MOMENTUM_FINISH_PASS
    span.learning_rate = learning_rate
    return _update_span(&span, &w[0], NULL, &velocity[0], NULL, w.shape[0], l1, l2,
                        n_cols, _column_sq(column_sq, n_cols, w.shape[0]))


def _sgd_step_for_tests(
    floating[::1] w, floating[::1] grad, floating[::1] velocity,
    double learning_rate, double momentum, bint nesterov, double l1, double l2,
    Py_ssize_t n_cols=0, double[::1] column_sq=None,
):
    """A step of plain SGD (momentum 0), momentum or Nesterov momentum from
    the data gradient grad; return the penalty of w before the step."""
    cdef _SpanUpdate span
    span.kind = _SGD_PASS
    span.learning_rate = learning_rate
    span.momentum = momentum
    span.nesterov = nesterov
    return _update_span(&span, &w[0], &grad[0], &velocity[0], NULL, w.shape[0], l1,
                        l2, n_cols, _column_sq(column_sq, n_cols, w.shape[0]))


def _adam_step_for_tests(
    floating[::1] w, floating[::1] grad, floating[::1] m, floating[::1] v,
    double step_size, double beta_1, double beta_2, double epsilon,
    double l1, double l2, Py_ssize_t n_cols=0, double[::1] column_sq=None,
):
    """A step of Adam of the given (bias-corrected) step size from the data
    gradient grad; return the penalty of w before the step."""
    cdef _SpanUpdate span
    span.kind = _ADAM_PASS
    span.step_size = step_size
    span.beta_1 = beta_1
    span.beta_2 = beta_2
    span.epsilon = epsilon
    return _update_span(&span, &w[0], &grad[0], &m[0], &v[0], w.shape[0], l1, l2,
                        n_cols, _column_sq(column_sq, n_cols, w.shape[0]))


cdef double *_column_sq(double[::1] column_sq, Py_ssize_t n_cols, Py_ssize_t n):
    """The column sums of the passes' test entry points: NULL for none, else
    a buffer of n_cols values, n_cols dividing n."""
    if column_sq is None:
        return NULL
    if n_cols < 1 or n % n_cols or column_sq.shape[0] != n_cols:
        raise ValueError("column_sq must hold n_cols values, n_cols dividing n.")
    return &column_sq[0]
