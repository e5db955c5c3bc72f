/* The engine's element-wise passes: the update rules' (skmlp/_engine/
 * _update_rules.pyx), the bias gradient's column sums, the penalties' lane
 * sums, and the hidden layers' activations (_activations.pyx: bias +
 * activation, its derivative, and the derivative behind dropout). In C so
 * that each can be compiled twice: for the baseline x86-64 CPU (SSE2, two
 * doubles per instruction) and for AVX2 (four), the copy chosen once, when
 * the module loads, by the CPU it runs on (GCC's target_clones).
 *
 * Why: a step of a small network spends about a third of its time in these
 * passes (the update alone reads three arrays and writes two), and the
 * baseline build issues twice the instructions AVX2 does for the same bytes.
 * Both copies make the same operations in the same order on every element (no
 * FMA: AVX2 alone does not contract a * b + c), so their results are bitwise
 * identical, and identical to the Cython loops they replace
 * (tests/test_bitwise_regression.py pins them).
 *
 * The hidden layers' activations are listed once, here (SKMLP_ACTIVATIONS):
 * the list numbers them (enum skmlp_activation, which Cython declares from
 * here: skmlp/_engine/_types.pxd), names them for Python (the Activation
 * enum of skmlp._engine._types) and writes each one's case in every pass
 * that switches on the activation. An activation is a line of the list and
 * its two element functions in _vector_passes_body.h; Python's record of
 * it is in skmlp/_layers.py.
 *
 * Each function exists for float (suffix _f) and double (_d): the template
 * _vector_passes_body.h is included once per type. A module uses some of them
 * only: the rest are marked unused.
 */
#ifndef SKMLP_VECTOR_PASSES_H
#define SKMLP_VECTOR_PASSES_H

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "_random.h"

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
    defined(__ELF__) && !defined(SKMLP_NO_CLONES)
#define SKMLP_CLONES \
    __attribute__((target_clones("avx2", "default"), unused))
/* For passes of integer arithmetic, whose bits no instruction set changes:
 * AVX-512 multiplies 64-bit words in one instruction (AVX2 has none). */
#define SKMLP_INTEGER_CLONES \
    __attribute__((target_clones("arch=x86-64-v4", "avx2", "default"), unused))
#else
#define SKMLP_CLONES __attribute__((unused))
#define SKMLP_INTEGER_CLONES __attribute__((unused))
#endif

/* exp(x) for the softmax, whose inputs (less their row's maximum) are <= 0:
 * fdlibm's e_exp.c (x = k ln2 + r, |r| <= ln2 / 2, a rational approximation
 * of exp(r), scaled by 2**k; error below one ulp) without its branches, so
 * that a loop of it vectorises: libm's exp, one call per class and sample,
 * took 1.8 us of the 27 us step of a 64-100-10 network at batch 32 (this one
 * 0.7 us). For x in [-708, 709] only (see skmlp_exp_in_range); the same bits
 * in a vector loop or alone, and on every x86-64 CPU (libm's differ between
 * CPUs with and without FMA). */
static inline double skmlp_exp_core(double x)
{
    const double log2e = 1.44269504088896338700e+00;
    const double ln2_hi = 6.93147180369123816490e-01;
    const double ln2_lo = 1.90821492927058770002e-10;
    const double p1 = 1.66666666666666019037e-01;
    const double p2 = -2.77777777770155933842e-03;
    const double p3 = 6.61375632143793436117e-05;
    const double p4 = -1.65339022054652515390e-06;
    const double p5 = 4.13813679705723846039e-08;
    const double round_shift = 6755399441055744.0; /* 1.5 * 2**52 */
    /* k = round(x / ln2): as a double, and in the low bits of shifted. */
    double shifted = x * log2e + round_shift;
    double k = shifted - round_shift;
    double hi = x - k * ln2_hi; /* exact: k has at most 11 bits */
    double lo = k * ln2_lo;
    double r = hi - lo;
    double t = r * r;
    double c = r - t * (p1 + t * (p2 + t * (p3 + t * (p4 + t * p5))));
    double y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
    /* Unsigned: k may be negative, and a negative value shifted left is
     * undefined in C; modulo 2**64 the sum is the same. */
    unsigned long long bits, k_bits;
    memcpy(&k_bits, &shifted, sizeof k_bits);
    k_bits -= 0x4338000000000000ULL; /* less the bits of round_shift: k */
    memcpy(&bits, &y, sizeof bits);
    bits += k_bits << 52; /* y * 2**k, a normal number for x in range */
    memcpy(&y, &bits, sizeof bits);
    return y;
}

/* Whether skmlp_exp_core takes x: beyond, the result is subnormal, 0 or inf
 * (or x is NaN), and libm's exp answers instead. */
static inline int skmlp_exp_in_range(double x)
{
    return (x >= -708.0) & (x <= 709.0);
}

/* X(NAME, name) for each activation of the hidden layers: its code is
 * SKMLP_ACTIVATION_NAME, its Python name "name", its element functions
 * skmlp_name_forward and skmlp_name_backward (_vector_passes_body.h). The
 * order gives the codes. */
#define SKMLP_ACTIVATIONS(X)  \
    X(IDENTITY, identity)     \
    X(LOGISTIC, logistic)     \
    X(TANH, tanh)             \
    X(RELU, relu)             \
    X(LEAKY_RELU, leaky_relu)

enum skmlp_activation {
#define SKMLP_ENUM_MEMBER(NAME, name) SKMLP_ACTIVATION_##NAME,
    SKMLP_ACTIVATIONS(SKMLP_ENUM_MEMBER)
#undef SKMLP_ENUM_MEMBER
    SKMLP_N_ACTIVATIONS
};

/* The name of an activation's code ("tanh"), or NULL for no activation. */
static inline const char *skmlp_activation_name(int code)
{
    static const char *const names[] = {
#define SKMLP_NAME_STRING(NAME, name) #name,
        SKMLP_ACTIVATIONS(SKMLP_NAME_STRING)
#undef SKMLP_NAME_STRING
    };
    return code >= 0 && code < SKMLP_N_ACTIVATIONS ? names[code] : NULL;
}

/* Slope of leaky_relu for negative inputs: f(z) = z if z > 0 else 0.01 * z. */
#define SKMLP_LEAKY_RELU_SLOPE 0.01

/* tanh to within 4e-7 of the true value, |result| <= 1, without branches.
 *
 * A 13/6 rational approximation on [-7.9, 7.9] (beyond which tanh rounds to
 * +-1 in float32), as Eigen evaluates float tanh. Unlike libm's tanhf it
 * vectorises, which matters: a hidden layer evaluates it for every unit of
 * every sample of every step. Every constant is a float: a double literal
 * would turn the arithmetic into double and the clamps into branches that
 * keep the loop scalar. (The casts of double literals, rather than float
 * literals, are the Cython version's, which had these bits.) */
static inline float skmlp_rational_tanhf(float x)
{
    const float bound = 7.90531110763549805;
    float x2, p, q;
    x = x > bound ? bound : x;
    x = x < -bound ? -bound : x;
    x2 = x * x;
    p = x2 * ((float)-2.76076847742355e-16) + ((float)2.00018790482477e-13);
    p = x2 * p + ((float)-8.60467152213735e-11);
    p = x2 * p + ((float)5.12229709037114e-08);
    p = x2 * p + ((float)1.48572235717979e-05);
    p = x2 * p + ((float)6.37261928875436e-04);
    p = x2 * p + ((float)4.89352455891786e-03);
    q = x2 * ((float)1.19825839466702e-06) + ((float)1.18534705686654e-04);
    q = x2 * q + ((float)2.26843463243900e-03);
    q = x2 * q + ((float)4.89352518554385e-03);
    return x * p / q;
}

#define SKMLP_T float
#define SKMLP_NAME(name) name##_f
#define SKMLP_SQRT sqrtf
#define SKMLP_ABS fabsf
#define SKMLP_EXP expf
#define SKMLP_TANH skmlp_rational_tanhf
#include "_vector_passes_body.h"

#define SKMLP_T double
#define SKMLP_NAME(name) name##_d
#define SKMLP_SQRT sqrt
#define SKMLP_ABS fabs
#define SKMLP_EXP exp
#define SKMLP_TANH tanh
#include "_vector_passes_body.h"

#endif
