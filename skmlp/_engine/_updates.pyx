"""Gradients into new weights: the update rules, penalties and weight decay.

``update_weights`` and ``update_biases`` apply one layer's step of the update
rule in ``Hyper.update``; the weight gradient's GEMM lands where that rule
needs it (the weights themselves for plain SGD, the velocity for momentum, a
scratch gradient otherwise), so that each rule makes one fused pass over its
span of the flat parameter buffer. Biases are updated by the same kernels
with l1 = l2 = 0. The kernels return the penalty of the weights before the
step, so that the engine reports the objective without another pass.
"""
from cython cimport floating
from libc.math cimport pow, sqrt

from ._blas cimport gemm
from ._math cimport _abs, _sign, _sqrt
from ._types cimport ADAM, GRADIENT, MOMENTUM, NESTEROV, SGD, Hyper, Update


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
) noexcept nogil:
    """One step of the update rule on a layer's weights, with the data
    gradient a.T @ delta; return the penalty of w before the step (0 with
    GRADIENT, whose caller adds the penalty once)."""
    cdef Py_ssize_t n_w = n_in * n_out
    cdef double lr = hyper.learning_rate, value
    cdef Update update = hyper.update
    cdef floating alpha, beta
    if update == SGD and hyper.l1 == 0:
        # w := (1 - 2 lr l2) w - lr A.T @ delta: one decay pass (which
        # also measures the penalty), then the GEMM accumulates into w.
        alpha = -lr
        value = weight_decay(w, n_w, lr, hyper.l2)
        gemm(True, False, n_in, n_out, n_rows, alpha, a, n_in, delta, n_out,
             1, w, n_out)
        return value
    if update == MOMENTUM:
        alpha = -lr
        beta = hyper.momentum
        gemm(True, False, n_in, n_out, n_rows, alpha, a, n_in, delta, n_out,
             beta, state_1, n_out)
        return momentum_finish(w, state_1, n_w, lr, hyper.l1, hyper.l2)
    beta = 1 if accumulate else 0
    gemm(True, False, n_in, n_out, n_rows, 1, a, n_in, delta, n_out,
         beta, grad, n_out)
    if update == SGD:
        return sgd_step(w, grad, NULL, n_w, lr, 0, False, hyper.l1, hyper.l2)
    if update == NESTEROV:
        return sgd_step(w, grad, state_1, n_w, lr, hyper.momentum, True,
                        hyper.l1, hyper.l2)
    if update == ADAM:
        return adam_step(w, grad, state_1, state_2, n_w, step_size, hyper.beta_1,
                         hyper.beta_2, hyper.epsilon, hyper.l1, hyper.l2)
    return 0


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
                  hyper.beta_2, hyper.epsilon, 0, 0)
    elif update != GRADIENT:
        sgd_step(b, grad, state_1, n_out, hyper.learning_rate,
                 hyper.momentum if update != SGD else 0, update == NESTEROV, 0, 0)


# ---------------------------------------------------------------------------
# The bias gradient

cdef void column_sums(
    const floating *d,          # IN     (n_rows, n_cols)
    Py_ssize_t n_rows,          # IN
    Py_ssize_t n_cols,          # IN
    floating *out,              # IN/OUT (n_cols,)
    bint accumulate,            # IN     add to out instead of overwriting it
) noexcept nogil:
    """out[j] = sum_i d[i, j] (+ out[j] when accumulating): the bias gradient"""
    cdef Py_ssize_t i, j
    cdef const floating *row
    if not accumulate:
        for j in range(n_cols):
            out[j] = 0
    for i in range(n_rows):
        row = d + i * n_cols
        for j in range(n_cols):
            out[j] += row[j]


# ---------------------------------------------------------------------------
# Penalties and update kernels, over a span of the flat parameter buffer

cdef inline double _lane_sum(const floating *w, Py_ssize_t n, bint squares) noexcept nogil:
    """sum w**2 (squares) or sum |w|, in eight independent lanes per block of
    1024 (no chain of dependent additions, vectorisable, and the same result on
    every run, unlike a threaded BLAS dot), each block's sum added in double.
    Callers pass ``squares`` as a constant: the compiler keeps one loop per case."""
    cdef floating lanes[8]
    cdef double total = 0
    cdef Py_ssize_t i = 0, j, block_end
    while i < n:
        block_end = min(n, i + 1024)
        for j in range(8):
            lanes[j] = 0
        while i + 8 <= block_end:
            for j in range(8):
                lanes[j] += w[i + j] * w[i + j] if squares else _abs(w[i + j])
            i += 8
        while i < block_end:
            lanes[0] += w[i] * w[i] if squares else _abs(w[i])
            i += 1
        for j in range(8):
            total += lanes[j]
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
) noexcept nogil:
    """velocity -= lr * (l1 * sign(w) + 2 * l2 * w); w += velocity;
    return the penalty of w before the step

    The GEMM of the weight gradient already accumulated ``momentum * v - lr *
    A.T @ delta`` into velocity: the weights need one update pass, no more.
    """
    cdef Py_ssize_t i
    cdef floating c1 = learning_rate * l1, c2 = 2 * learning_rate * l2
    cdef double value = penalty(w, n, l1, l2)
    if l1 != 0:
        for i in range(n):
            velocity[i] -= c1 * _sign(w[i]) + c2 * w[i]
            w[i] += velocity[i]
    elif l2 != 0:
        for i in range(n):
            velocity[i] -= c2 * w[i]
            w[i] += velocity[i]
    else:
        for i in range(n):
            w[i] += velocity[i]
    return value


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
) noexcept nogil:
    """g = grad + penalty'(w); v = momentum * v - lr * g;
    w += (momentum * v - lr * g) if nesterov else v (plain SGD: w -= lr * g);
    return the penalty of w before the step

    The full gradient g is not written back: the pass streams one array less.
    """
    cdef Py_ssize_t i
    cdef floating lr = learning_rate, mu = momentum, c1 = l1, c2 = 2 * l2, g, v
    cdef double value = penalty(w, n, l1, l2)
    if l1 != 0:
        # The subgradient of |w| is not vectorisable: add it in a pass of its own.
        for i in range(n):
            grad[i] += c1 * _sign(w[i])
    # One pass: the L2 gradient is added as each element is updated.
    if momentum == 0:
        for i in range(n):
            w[i] -= lr * (grad[i] + c2 * w[i])
    elif nesterov:
        for i in range(n):
            g = grad[i] + c2 * w[i]
            v = mu * velocity[i] - lr * g
            velocity[i] = v
            w[i] += mu * v - lr * g
    else:
        for i in range(n):
            v = mu * velocity[i] - lr * (grad[i] + c2 * w[i])
            velocity[i] = v
            w[i] += v
    return value


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
) noexcept nogil:
    """m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g**2; w -= step * m / (sqrt(v) + eps),
    with g = grad + penalty'(w); return the penalty of w before the step"""
    cdef Py_ssize_t i
    cdef floating b1 = beta_1, b2 = beta_2, d1 = 1 - beta_1, d2 = 1 - beta_2
    cdef floating step = step_size, eps = epsilon, p1 = l1, p2 = 2 * l2, g
    cdef double value = penalty(w, n, l1, l2)
    if l1 != 0:
        for i in range(n):
            grad[i] += p1 * _sign(w[i])
    # One pass: the L2 gradient is added as each element is updated.
    for i in range(n):
        g = grad[i] + p2 * w[i]
        m[i] = b1 * m[i] + d1 * g
        v[i] = b2 * v[i] + d2 * g * g
        w[i] -= step * m[i] / (_sqrt(v[i]) + eps)
    return value


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
    floating[::1] w, floating[::1] velocity, double learning_rate, double l1, double l2
):
    return momentum_finish(&w[0], &velocity[0], w.shape[0], learning_rate, l1, l2)


def _sgd_step_for_tests(
    floating[::1] w, floating[::1] grad, floating[::1] velocity,
    double learning_rate, double momentum, bint nesterov, double l1, double l2,
):
    return sgd_step(&w[0], &grad[0], &velocity[0], w.shape[0], learning_rate, momentum,
             nesterov, l1, l2)


def _adam_step_for_tests(
    floating[::1] w, floating[::1] grad, floating[::1] m, floating[::1] v,
    double step_size, double beta_1, double beta_2, double epsilon,
    double l1, double l2,
):
    return adam_step(&w[0], &grad[0], &m[0], &v[0], w.shape[0], step_size, beta_1, beta_2,
              epsilon, l1, l2)
