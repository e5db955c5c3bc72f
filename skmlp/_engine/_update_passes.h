/* The element-wise passes of the update kernels (skmlp/_engine/_updates.pyx),
 * in C so that each can be compiled twice: for the baseline x86-64 CPU
 * (SSE2, two doubles per instruction) and for AVX2 (four), the copy chosen
 * once, when the module loads, by the CPU it runs on (GCC's target_clones).
 *
 * Why: a step of a small network spends about a fifth of its time in these
 * passes, which read three arrays and write two, and the baseline build
 * issues twice the loads and stores AVX2 does for the same bytes. Both copies
 * make the same operations in the same order on every element (no FMA: AVX2
 * alone does not contract a * b + c), so their results are bitwise identical,
 * and identical to the Cython loops they replace.
 *
 * Each function exists for float (suffix _f) and double (_d): the template
 * _update_passes_body.h is included once per type.
 */
#ifndef SKMLP_UPDATE_PASSES_H
#define SKMLP_UPDATE_PASSES_H

#include <math.h>
#include <stddef.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
    defined(__ELF__) && !defined(SKMLP_NO_CLONES)
#define SKMLP_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define SKMLP_CLONES
#endif

#define SKMLP_T float
#define SKMLP_NAME(name) name##_f
#define SKMLP_SQRT sqrtf
#define SKMLP_ABS fabsf
#include "_update_passes_body.h"
#undef SKMLP_T
#undef SKMLP_NAME
#undef SKMLP_SQRT
#undef SKMLP_ABS

#define SKMLP_T double
#define SKMLP_NAME(name) name##_d
#define SKMLP_SQRT sqrt
#define SKMLP_ABS fabs
#include "_update_passes_body.h"
#undef SKMLP_T
#undef SKMLP_NAME
#undef SKMLP_SQRT
#undef SKMLP_ABS

#endif
