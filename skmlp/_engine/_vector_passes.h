/* The engine's element-wise passes: the update rules' (skmlp/_engine/
 * _updates.pyx), the bias gradient's column sums, and the hidden layers'
 * bias + activation and its derivative (_activations.pyx, the activations
 * that need no exp or tanh). In C so that each can be compiled twice: for the
 * baseline x86-64 CPU (SSE2, two doubles per instruction) and for AVX2
 * (four), the copy chosen once, when the module loads, by the CPU it runs on
 * (GCC's target_clones).
 *
 * Why: a step of a small network spends about a third of its time in these
 * passes (the update alone reads three arrays and writes two), and the
 * baseline build issues twice the instructions AVX2 does for the same bytes.
 * Both copies make the same operations in the same order on every element (no
 * FMA: AVX2 alone does not contract a * b + c), so their results are bitwise
 * identical, and identical to the Cython loops they replace
 * (tests/test_bitwise_regression.py pins them).
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

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
    defined(__ELF__) && !defined(SKMLP_NO_CLONES)
#define SKMLP_CLONES \
    __attribute__((target_clones("avx2", "default"), unused))
#else
#define SKMLP_CLONES __attribute__((unused))
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

/* The activations of the passes skmlp_bias_activation (ReLU, leaky ReLU,
 * identity) and skmlp_activation_backward (ReLU, leaky ReLU, tanh, logistic). */
enum skmlp_pass_activation {
    SKMLP_PASS_RELU,
    SKMLP_PASS_LEAKY_RELU,
    SKMLP_PASS_IDENTITY,
    SKMLP_PASS_TANH,
    SKMLP_PASS_LOGISTIC
};

#define SKMLP_T float
#define SKMLP_NAME(name) name##_f
#define SKMLP_SQRT sqrtf
#define SKMLP_ABS fabsf
#include "_vector_passes_body.h"
#undef SKMLP_T
#undef SKMLP_NAME
#undef SKMLP_SQRT
#undef SKMLP_ABS

#define SKMLP_T double
#define SKMLP_NAME(name) name##_d
#define SKMLP_SQRT sqrt
#define SKMLP_ABS fabs
#include "_vector_passes_body.h"
#undef SKMLP_T
#undef SKMLP_NAME
#undef SKMLP_SQRT
#undef SKMLP_ABS

#endif
