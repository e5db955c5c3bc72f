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

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
    defined(__ELF__) && !defined(SKMLP_NO_CLONES)
#define SKMLP_CLONES \
    __attribute__((target_clones("avx2", "default"), unused))
#else
#define SKMLP_CLONES __attribute__((unused))
#endif

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
