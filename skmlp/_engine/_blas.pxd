# Row-major wrappers over the BLAS of _blas_provider (NumPy's OpenBLAS or
# SciPy's), on fused float/double.
from cython cimport floating


cdef void gemm(
    bint trans_a,
    bint trans_b,
    int m,
    int n,
    int k,
    floating alpha,
    const floating *a,
    int lda,
    const floating *b,
    int ldb,
    floating beta,
    floating *c,
    int ldc,
) noexcept nogil



cdef void row_times_matrix(
    int n,
    int k,
    const floating *x,
    const floating *b,
    int ldb,
    floating *y,
) noexcept nogil
