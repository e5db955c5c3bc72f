"""nogil kernels of the forward and backward passes.

Everything that is not a matrix product lives here: one fused, cache-friendly
loop per job over a row-major minibatch or over a span of the flat parameter
buffer. The kernels never allocate and never validate: the Python layer owns
shapes and memory. The ``_*_for_tests`` functions at the end expose them to
the tests, which compare each one with a plain NumPy version.
"""
from cython cimport floating
from libc.string cimport memcpy
from libc.math cimport exp, expf, fabs, fabsf, log, logf, sqrt, sqrtf, tanh


cdef inline floating _exp(floating x) noexcept nogil:
    if floating is float:
        return expf(x)
    else:
        return exp(x)


cdef inline floating _log(floating x) noexcept nogil:
    if floating is float:
        return logf(x)
    else:
        return log(x)


cdef inline float _rational_tanhf(float x) noexcept nogil:
    """tanh to within 4e-7 of the true value, |result| <= 1, without branches.

    A 13/6 rational approximation on [-7.9, 7.9] (beyond which tanh rounds to
    +-1 in float32), as Eigen evaluates float tanh. Unlike libm's tanhf it
    vectorises, which matters: a hidden layer evaluates it for every unit of
    every sample of every step. Every constant is a float: a double literal
    would turn the arithmetic into double and the clamps into branches that
    keep the loop scalar.
    """
    cdef float bound = 7.90531110763549805
    cdef float x2
    cdef float p
    cdef float q
    x = bound if x > bound else x
    x = -bound if x < -bound else x
    x2 = x * x
    p = x2 * <float> -2.76076847742355e-16 + <float> 2.00018790482477e-13
    p = x2 * p + <float> -8.60467152213735e-11
    p = x2 * p + <float> 5.12229709037114e-08
    p = x2 * p + <float> 1.48572235717979e-05
    p = x2 * p + <float> 6.37261928875436e-04
    p = x2 * p + <float> 4.89352455891786e-03
    q = x2 * <float> 1.19825839466702e-06 + <float> 1.18534705686654e-04
    q = x2 * q + <float> 2.26843463243900e-03
    q = x2 * q + <float> 4.89352518554385e-03
    return x * p / q


cdef inline floating _tanh(floating x) noexcept nogil:
    if floating is float:
        return _rational_tanhf(x)
    else:
        return tanh(x)


cdef inline floating _sqrt(floating x) noexcept nogil:
    if floating is float:
        return sqrtf(x)
    else:
        return sqrt(x)


cdef inline floating _abs(floating x) noexcept nogil:
    if floating is float:
        return fabsf(x)
    else:
        return fabs(x)


cdef inline floating _sign(floating x) noexcept nogil:
    return (x > 0) - (x < 0)


# Slope of leaky_relu for negative inputs: f(z) = z if z > 0 else 0.01 * z.
cdef double _LEAKY_RELU_SLOPE = 0.01
LEAKY_RELU_SLOPE = _LEAKY_RELU_SLOPE


# ---------------------------------------------------------------------------
# Minibatch assembly

cdef void gather_rows(
    const floating[:, :] x,     # IN   (n_samples, n_features), any strides
    const Py_ssize_t *rows,     # IN   (n_rows,) row indices into x
    Py_ssize_t n_rows,          # IN
    floating *out,              # OUT  (n_rows, n_features) row-major
) noexcept nogil:
    """out[i, :] = x[rows[i], :]"""
    cdef Py_ssize_t i, j, n_features = x.shape[1]
    cdef floating *out_row
    if n_features == 0:
        return
    if x.strides[1] == sizeof(floating):
        # Contiguous rows (C order, or a slice of rows): one memcpy per row
        # instead of a strided element-by-element loop.
        for i in range(n_rows):
            memcpy(out + i * n_features, &x[rows[i], 0], n_features * sizeof(floating))
        return
    for i in range(n_rows):
        out_row = out + i * n_features
        for j in range(n_features):
            out_row[j] = x[rows[i], j]


cdef void gather_csr_rows(
    const floating[::1] data,           # IN   CSR values
    const Py_ssize_t[::1] indices,      # IN   CSR column indices
    const Py_ssize_t[::1] indptr,       # IN   CSR row pointers
    const Py_ssize_t *rows,             # IN   (n_rows,) row indices
    Py_ssize_t n_rows,                  # IN
    Py_ssize_t n_features,              # IN
    floating *out,                      # OUT  (n_rows, n_features) row-major
) noexcept nogil:
    """out[i, :] = X[rows[i], :] for a CSR matrix X: only the minibatch is
    ever dense."""
    cdef Py_ssize_t i, j, k
    cdef floating *out_row
    for i in range(n_rows):
        out_row = out + i * n_features
        for j in range(n_features):
            out_row[j] = 0
        for k in range(indptr[rows[i]], indptr[rows[i] + 1]):
            out_row[indices[k]] += data[k]


# ---------------------------------------------------------------------------
# Hidden layers: forward and backward

cdef void bias_activation(
    floating *z,                # IN/OUT (n_rows, n_cols): x @ W in, activations out
    const floating *bias,       # IN     (n_cols,)
    Py_ssize_t n_rows,          # IN
    Py_ssize_t n_cols,          # IN
    Activation activation,      # IN
) noexcept nogil:
    """z[i, j] = f(z[i, j] + bias[j])"""
    cdef Py_ssize_t i, j
    cdef floating *row
    cdef floating value
    # One branch per activation outside the loops keeps the loops vectorisable.
    if activation == RELU:
        for i in range(n_rows):
            row = z + i * n_cols
            for j in range(n_cols):
                value = row[j] + bias[j]
                row[j] = value if value > 0 else 0
    elif activation == LEAKY_RELU:
        for i in range(n_rows):
            row = z + i * n_cols
            for j in range(n_cols):
                value = row[j] + bias[j]
                row[j] = value if value > 0 else <floating> _LEAKY_RELU_SLOPE * value
    elif activation == TANH:
        for i in range(n_rows):
            row = z + i * n_cols
            for j in range(n_cols):
                row[j] = _tanh(row[j] + bias[j])
    elif activation == LOGISTIC:
        for i in range(n_rows):
            row = z + i * n_cols
            for j in range(n_cols):
                # exp overflows to inf for very negative inputs: 1 / inf = 0, no NaN.
                row[j] = 1 / (1 + _exp(-(row[j] + bias[j])))
    else:
        for i in range(n_rows):
            row = z + i * n_cols
            for j in range(n_cols):
                row[j] = row[j] + bias[j]


cdef void activation_backward(
    floating *delta,            # IN/OUT (n,): dL/da in, dL/dz out
    const floating *a,          # IN     (n,): the activations f(z)
    Py_ssize_t n,               # IN
    Activation activation,      # IN
) noexcept nogil:
    """delta *= f'(z), with f'(z) written in terms of a = f(z)"""
    cdef Py_ssize_t i
    # Selects, not branches: the compiler turns them into vector blends.
    if activation == RELU:
        for i in range(n):
            delta[i] = delta[i] if a[i] > 0 else 0
    elif activation == LEAKY_RELU:
        for i in range(n):
            delta[i] = delta[i] if a[i] > 0 else <floating> _LEAKY_RELU_SLOPE * delta[i]
    elif activation == TANH:
        for i in range(n):
            delta[i] *= 1 - a[i] * a[i]
    elif activation == LOGISTIC:
        for i in range(n):
            delta[i] *= a[i] * (1 - a[i])


# ---------------------------------------------------------------------------
# Inverted dropout of hidden units (training only)

cdef inline double _next_uniform(unsigned long long *state) noexcept nogil:
    """A uniform draw in [0, 1) from splitmix64 (fast, statistically sound,
    and seeded from the estimator's random_state, so runs repeat)."""
    cdef unsigned long long z
    state[0] += 0x9E3779B97F4A7C15ULL
    z = state[0]
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL
    z = z ^ (z >> 31)
    return (z >> 11) * (1.0 / 9007199254740992.0)


cdef void dropout_forward(
    floating *a,                    # IN/OUT (n,) activations, kept ones scaled up
    floating *mask,                 # OUT    (n,) 0 (dropped) or 1 / (1 - rate)
    Py_ssize_t n,                   # IN
    double rate,                    # IN     probability of dropping a unit
    unsigned long long *rng_state,  # IN/OUT
) noexcept nogil:
    """Drop each unit with probability rate; a *= mask (inverted dropout: the
    expected activation is unchanged, so prediction needs no rescaling)."""
    cdef Py_ssize_t i
    cdef floating scale = 1 / (1 - rate)
    for i in range(n):
        mask[i] = 0 if _next_uniform(rng_state) < rate else scale
        a[i] *= mask[i]


cdef void dropout_activation_backward(
    floating *delta,            # IN/OUT (n,): dL/da in, dL/dz out
    const floating *a,          # IN     (n,) activations after dropout
    const floating *mask,       # IN     (n,) from dropout_forward
    Py_ssize_t n,               # IN
    Activation activation,      # IN
) noexcept nogil:
    """delta = delta * mask * f'(z): the backward of dropout and of the
    activation in one pass, f'(z) written in terms of f(z) = a / mask."""
    cdef Py_ssize_t i
    cdef floating unscaled
    for i in range(n):
        if mask[i] == 0:
            delta[i] = 0
            continue
        unscaled = a[i] / mask[i]
        delta[i] *= mask[i]
        if activation == RELU:
            if unscaled <= 0:
                delta[i] = 0
        elif activation == LEAKY_RELU:
            if unscaled <= 0:
                delta[i] *= <floating> _LEAKY_RELU_SLOPE
        elif activation == TANH:
            delta[i] *= 1 - unscaled * unscaled
        elif activation == LOGISTIC:
            delta[i] *= unscaled * (1 - unscaled)


# ---------------------------------------------------------------------------
# Output layer: softmax, cross-entropy and its gradient in one pass per row

cdef double softmax_cross_entropy_delta(
    floating *z,                    # IN/OUT (n_rows, n_classes): logits in, dJ/dz out
    const int *y,                   # IN     (n_rows,) class codes
    const floating *sample_weight,  # IN     (n_rows,)
    Py_ssize_t n_rows,              # IN
    Py_ssize_t n_classes,           # IN
    double delta_scale,             # IN     1 / (sum of the weights the loss averages over)
) noexcept nogil:
    """Return sum_i s_i * CE(y_i, softmax(z_i)); z := (softmax(z) - onehot(y)) * s * scale.

    The row maximum is subtracted before exponentiating, so any finite logits
    give a finite loss and a finite gradient.
    """
    cdef Py_ssize_t i, j
    cdef floating *row
    cdef floating row_max, true_logit, total, inverse_total, weight
    cdef double loss = 0
    for i in range(n_rows):
        row = z + i * n_classes
        row_max = row[0]
        for j in range(1, n_classes):
            if row[j] > row_max:
                row_max = row[j]
        true_logit = row[y[i]] - row_max
        total = 0
        for j in range(n_classes):
            row[j] = _exp(row[j] - row_max)
            total += row[j]
        loss += sample_weight[i] * (<double> _log(total) - true_logit)
        weight = sample_weight[i] * delta_scale
        inverse_total = weight / total
        for j in range(n_classes):
            row[j] *= inverse_total
        row[y[i]] -= weight
    return loss


cdef void softmax(
    floating *z,                # IN/OUT (n_rows, n_classes): logits in, probabilities out
    Py_ssize_t n_rows,          # IN
    Py_ssize_t n_classes,       # IN
) noexcept nogil:
    """z_i := exp(z_i - max z_i) / sum_j exp(z_ij - max z_i)"""
    cdef Py_ssize_t i, j
    cdef floating *row
    cdef floating row_max, total
    for i in range(n_rows):
        row = z + i * n_classes
        row_max = row[0]
        for j in range(1, n_classes):
            if row[j] > row_max:
                row_max = row[j]
        total = 0
        for j in range(n_classes):
            row[j] = _exp(row[j] - row_max)
            total += row[j]
        total = 1 / total
        for j in range(n_classes):
            row[j] *= total


cdef void log_softmax(
    floating *z,                # IN/OUT (n_rows, n_classes): logits in, log-probabilities out
    Py_ssize_t n_rows,          # IN
    Py_ssize_t n_classes,       # IN
) noexcept nogil:
    """z_i := z_i - max z_i - log(sum_j exp(z_ij - max z_i))"""
    cdef Py_ssize_t i, j
    cdef floating *row
    cdef floating row_max, total
    for i in range(n_rows):
        row = z + i * n_classes
        row_max = row[0]
        for j in range(1, n_classes):
            if row[j] > row_max:
                row_max = row[j]
        total = 0
        for j in range(n_classes):
            total += _exp(row[j] - row_max)
        # Shift first, then subtract the log-normaliser: adding log(total) to a
        # large row_max would round it away.
        total = _log(total)
        for j in range(n_classes):
            row[j] = (row[j] - row_max) - total


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
# Penalties and optimizer updates, over a span of the flat parameter buffer.
# Biases are updated by the same functions with l1 = l2 = 0.

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

def _bias_activation_for_tests(floating[:, ::1] z, const floating[::1] bias, int activation):
    bias_activation(&z[0, 0], &bias[0], z.shape[0], z.shape[1], <Activation> activation)


def _activation_backward_for_tests(
    floating[:, ::1] delta, const floating[:, ::1] a, int activation
):
    activation_backward(&delta[0, 0], &a[0, 0], delta.shape[0] * delta.shape[1],
                        <Activation> activation)


def _softmax_cross_entropy_delta_for_tests(
    floating[:, ::1] z, const int[::1] y, const floating[::1] sample_weight,
    double delta_scale,
):
    return softmax_cross_entropy_delta(
        &z[0, 0], &y[0], &sample_weight[0], z.shape[0], z.shape[1], delta_scale
    )


def _softmax_for_tests(floating[:, ::1] z, bint take_log):
    if take_log:
        log_softmax(&z[0, 0], z.shape[0], z.shape[1])
    else:
        softmax(&z[0, 0], z.shape[0], z.shape[1])


def _gather_rows_for_tests(
    const floating[:, :] x, const Py_ssize_t[::1] rows, floating[:, ::1] out
):
    gather_rows(x, &rows[0], rows.shape[0], &out[0, 0])


def _column_sums_for_tests(const floating[:, ::1] d, floating[::1] out, bint accumulate):
    column_sums(&d[0, 0], d.shape[0], d.shape[1], &out[0], accumulate)


def _penalty_for_tests(const floating[::1] w, double l1, double l2):
    return penalty(&w[0], w.shape[0], l1, l2)


def _weight_decay_for_tests(floating[::1] w, double learning_rate, double l2):
    return weight_decay(&w[0], w.shape[0], learning_rate, l2)


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
