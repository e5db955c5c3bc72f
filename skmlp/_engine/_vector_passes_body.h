/* One type's element-wise passes: included by _vector_passes.h with SKMLP_T (the
 * element type), SKMLP_NAME (the suffix), SKMLP_SQRT, SKMLP_ABS, SKMLP_EXP and
 * SKMLP_TANH (the type's functions) defined, which it undefines at its end.
 * No include guard: it is meant to be included once per type. */

/* Inverted dropout of n units: unit i is dropped (mask 0, else scale) when
 * the top 53 bits of the (i + 1)-th draw of the splitmix64 stream after
 * `state` are below `threshold` (ceil(rate * 2**53): the same test as a
 * uniform draw in [0, 1) below rate), and a *= mask. Returns the stream's
 * state after the n draws. The draws are independent of each other (see
 * _random.h): the loop vectorises, with the same bits on every CPU. */
static SKMLP_INTEGER_CLONES unsigned long long SKMLP_NAME(skmlp_dropout_forward)(
    SKMLP_T *a, SKMLP_T *mask, ptrdiff_t n, unsigned long long threshold,
    SKMLP_T scale, unsigned long long state)
{
    ptrdiff_t i;
    unsigned long long bits;
    SKMLP_T m;
    for (i = 0; i < n; i++) {
        bits = skmlp_splitmix64_mix(
            state + (unsigned long long)(i + 1) * SKMLP_SPLITMIX64_GOLDEN);
        m = (bits >> 11) < threshold ? (SKMLP_T)0 : scale;
        mask[i] = m;
        a[i] *= m;
    }
    return state + (unsigned long long)n * SKMLP_SPLITMIX64_GOLDEN;
}

/* (x > 0) - (x < 0), as the Cython kernels' _sign. */
static inline SKMLP_T SKMLP_NAME(skmlp_sign)(SKMLP_T x) {
    return (SKMLP_T)((x > 0) - (x < 0));
}

/* total += sum w**2 (squares) or sum |w| of one block (n <= 1024), in eight
 * independent lanes of SKMLP_T, the lanes then added to total in double. */
static SKMLP_CLONES void SKMLP_NAME(skmlp_add_lanes)(
    const SKMLP_T *w, ptrdiff_t n, int squares, double *total)
{
    SKMLP_T lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    ptrdiff_t i = 0;
    int j;
    if (squares) {
        for (; i + 8 <= n; i += 8)
            for (j = 0; j < 8; j++)
                lanes[j] += w[i + j] * w[i + j];
        for (; i < n; i++)
            lanes[0] += w[i] * w[i];
    } else {
        for (; i + 8 <= n; i += 8)
            for (j = 0; j < 8; j++)
                lanes[j] += SKMLP_ABS(w[i + j]);
        for (; i < n; i++)
            lanes[0] += SKMLP_ABS(w[i]);
    }
    for (j = 0; j < 8; j++)
        *total += lanes[j];
}

/* Plain SGD, momentum or Nesterov momentum on n elements, with the L2
 * gradient c2 * w added to the data gradient as each element is updated. */
static SKMLP_CLONES void SKMLP_NAME(skmlp_sgd_pass)(
    SKMLP_T *w, const SKMLP_T *grad, SKMLP_T *velocity, ptrdiff_t n,
    SKMLP_T lr, SKMLP_T mu, int plain, int nesterov, SKMLP_T c2)
{
    ptrdiff_t i;
    SKMLP_T g, v;
    if (plain) {
        for (i = 0; i < n; i++)
            w[i] -= lr * (grad[i] + c2 * w[i]);
    } else if (nesterov) {
        for (i = 0; i < n; i++) {
            g = grad[i] + c2 * w[i];
            v = mu * velocity[i] - lr * g;
            velocity[i] = v;
            w[i] += mu * v - lr * g;
        }
    } else {
        for (i = 0; i < n; i++) {
            v = mu * velocity[i] - lr * (grad[i] + c2 * w[i]);
            velocity[i] = v;
            w[i] += v;
        }
    }
}

/* The momentum rule's pass after its GEMM filled velocity with
 * momentum * v - lr * data gradient: the penalty's gradient, then the step. */
static SKMLP_CLONES void SKMLP_NAME(skmlp_momentum_finish_pass)(
    SKMLP_T *w, SKMLP_T *velocity, ptrdiff_t n, SKMLP_T c1, SKMLP_T c2,
    int has_l1, int has_l2)
{
    ptrdiff_t i;
    if (has_l1) {
        for (i = 0; i < n; i++) {
            velocity[i] -= c1 * SKMLP_NAME(skmlp_sign)(w[i]) + c2 * w[i];
            w[i] += velocity[i];
        }
    } else if (has_l2) {
        for (i = 0; i < n; i++) {
            velocity[i] -= c2 * w[i];
            w[i] += velocity[i];
        }
    } else {
        for (i = 0; i < n; i++)
            w[i] += velocity[i];
    }
}

/* Adam on n elements, with the L2 gradient p2 * w added to the data gradient
 * as each element is updated. */
static SKMLP_CLONES void SKMLP_NAME(skmlp_adam_pass)(
    SKMLP_T *w, const SKMLP_T *grad, SKMLP_T *m, SKMLP_T *v, ptrdiff_t n,
    SKMLP_T step, SKMLP_T b1, SKMLP_T b2, SKMLP_T d1, SKMLP_T d2, SKMLP_T eps,
    SKMLP_T p2)
{
    ptrdiff_t i;
    SKMLP_T g;
    for (i = 0; i < n; i++) {
        g = grad[i] + p2 * w[i];
        m[i] = b1 * m[i] + d1 * g;
        v[i] = b2 * v[i] + d2 * g * g;
        w[i] -= step * m[i] / (SKMLP_SQRT(v[i]) + eps);
    }
}

/* out[j] = sum_i d[i, j] (+ out[j] when accumulating): the bias gradient.
 * Eight columns at a time, their running sums held in registers down the rows;
 * each column is still summed in row order, from 0 (or out[j]). */
static SKMLP_CLONES void SKMLP_NAME(skmlp_column_sums)(
    const SKMLP_T *d, ptrdiff_t n_rows, ptrdiff_t n_cols, SKMLP_T *out,
    int accumulate)
{
    ptrdiff_t i, j, width;
    int k;
    SKMLP_T sums[8];
    const SKMLP_T *column;
    for (j = 0; j < n_cols; j += 8) {
        width = n_cols - j < 8 ? n_cols - j : 8;
        column = d + j;
        if (width == 8) {
            for (k = 0; k < 8; k++)
                sums[k] = accumulate ? out[j + k] : 0;
            for (i = 0; i < n_rows; i++)
                for (k = 0; k < 8; k++)
                    sums[k] += column[i * n_cols + k];
        } else {
            for (k = 0; k < width; k++)
                sums[k] = accumulate ? out[j + k] : 0;
            for (i = 0; i < n_rows; i++)
                for (k = 0; k < width; k++)
                    sums[k] += column[i * n_cols + k];
        }
        for (k = 0; k < width; k++)
            out[j + k] = sums[k];
    }
}

/* The hidden layers' activations, one element at a time, each beside its
 * derivative: skmlp_name_forward(z) = f(z), and skmlp_name_backward(delta,
 * a) = delta * f'(z) with f'(z) written in terms of a = f(z). The double
 * literals are the Cython loops': tanh's and the logistic function's
 * arithmetic is in double, rounded once to SKMLP_T. The activations are
 * listed in _vector_passes.h (SKMLP_ACTIVATIONS). */

static inline SKMLP_T SKMLP_NAME(skmlp_identity_forward)(SKMLP_T z) { return z; }

static inline SKMLP_T SKMLP_NAME(skmlp_identity_backward)(SKMLP_T delta, SKMLP_T a)
{
    (void)a;
    return delta;
}

/* exp overflows to inf for very negative inputs: 1 / inf = 0, no NaN. */
static inline SKMLP_T SKMLP_NAME(skmlp_logistic_forward)(SKMLP_T z)
{
    return 1.0 / (1.0 + SKMLP_EXP(-z));
}

static inline SKMLP_T SKMLP_NAME(skmlp_logistic_backward)(SKMLP_T delta, SKMLP_T a)
{
    return delta * (a * (1.0 - a));
}

static inline SKMLP_T SKMLP_NAME(skmlp_tanh_forward)(SKMLP_T z)
{
    return SKMLP_TANH(z);
}

static inline SKMLP_T SKMLP_NAME(skmlp_tanh_backward)(SKMLP_T delta, SKMLP_T a)
{
    return delta * (1.0 - a * a);
}

static inline SKMLP_T SKMLP_NAME(skmlp_relu_forward)(SKMLP_T z)
{
    return z > 0 ? z : 0;
}

static inline SKMLP_T SKMLP_NAME(skmlp_relu_backward)(SKMLP_T delta, SKMLP_T a)
{
    return a > 0 ? delta : 0;
}

static inline SKMLP_T SKMLP_NAME(skmlp_leaky_relu_forward)(SKMLP_T z)
{
    return z > 0 ? z : (SKMLP_T)SKMLP_LEAKY_RELU_SLOPE * z;
}

static inline SKMLP_T SKMLP_NAME(skmlp_leaky_relu_backward)(SKMLP_T delta, SKMLP_T a)
{
    return a > 0 ? delta : (SKMLP_T)SKMLP_LEAKY_RELU_SLOPE * delta;
}

/* z[i, j] = f(z[i, j] + bias[j]) */
static SKMLP_CLONES void SKMLP_NAME(skmlp_bias_activation)(
    SKMLP_T *z, const SKMLP_T *bias, ptrdiff_t n_rows, ptrdiff_t n_cols,
    enum skmlp_activation activation)
{
    ptrdiff_t i, j;
    SKMLP_T *row;
    switch (activation) {
#define SKMLP_CASE(NAME, name)                                               \
    case SKMLP_ACTIVATION_##NAME:                                            \
        for (i = 0; i < n_rows; i++) {                                       \
            row = z + i * n_cols;                                            \
            for (j = 0; j < n_cols; j++)                                     \
                row[j] = SKMLP_NAME(skmlp_##name##_forward)(row[j] + bias[j]); \
        }                                                                    \
        break;
        SKMLP_ACTIVATIONS(SKMLP_CASE)
#undef SKMLP_CASE
    default:
        break;
    }
}

/* delta *= f'(z), f'(z) written in terms of a = f(z). */
static SKMLP_CLONES void SKMLP_NAME(skmlp_activation_backward)(
    SKMLP_T *delta, const SKMLP_T *a, ptrdiff_t n, enum skmlp_activation activation)
{
    ptrdiff_t i;
    switch (activation) {
#define SKMLP_CASE(NAME, name)                                               \
    case SKMLP_ACTIVATION_##NAME:                                            \
        for (i = 0; i < n; i++)                                              \
            delta[i] = SKMLP_NAME(skmlp_##name##_backward)(delta[i], a[i]);  \
        break;
        SKMLP_ACTIVATIONS(SKMLP_CASE)
#undef SKMLP_CASE
    default:
        break;
    }
}

/* delta = delta * mask * f'(z): the backward of inverted dropout and of the
 * activation in one pass, f'(z) written in terms of f(z) = a / mask (a, the
 * activations after dropout; mask, 0 for a dropped unit, else the scale of a
 * kept one). */
static SKMLP_CLONES void SKMLP_NAME(skmlp_dropout_activation_backward)(
    SKMLP_T *delta, const SKMLP_T *a, const SKMLP_T *mask, ptrdiff_t n,
    enum skmlp_activation activation)
{
    ptrdiff_t i;
    switch (activation) {
#define SKMLP_CASE(NAME, name)                                               \
    case SKMLP_ACTIVATION_##NAME:                                            \
        for (i = 0; i < n; i++)                                              \
            delta[i] = mask[i] == 0 ? 0                                      \
                : SKMLP_NAME(skmlp_##name##_backward)(                       \
                      delta[i] * mask[i], a[i] / mask[i]);                   \
        break;
        SKMLP_ACTIVATIONS(SKMLP_CASE)
#undef SKMLP_CASE
    default:
        break;
    }
}

/* x := exp(x), element by element, by skmlp_exp_core (in double; floats are
 * rounded once): one vector loop when every value is in range (the
 * softmax's case), else value by value, libm's exp taking the values out of
 * range. */
static SKMLP_CLONES void SKMLP_NAME(skmlp_exp)(SKMLP_T *x, ptrdiff_t n)
{
    ptrdiff_t i;
    int all_in_range = 1;
    for (i = 0; i < n; i++)
        all_in_range &= skmlp_exp_in_range(x[i]);
    if (all_in_range) {
        for (i = 0; i < n; i++)
            x[i] = (SKMLP_T)skmlp_exp_core(x[i]);
    } else {
        for (i = 0; i < n; i++)
            x[i] = (SKMLP_T)(skmlp_exp_in_range(x[i]) ? skmlp_exp_core(x[i])
                                                      : exp(x[i]));
    }
}

/* This type's parameters, undefined for the next type's instantiation. */
#undef SKMLP_T
#undef SKMLP_NAME
#undef SKMLP_SQRT
#undef SKMLP_ABS
#undef SKMLP_EXP
#undef SKMLP_TANH
