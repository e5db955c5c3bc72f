"""Row-major BLAS wrappers over NumPy's OpenBLAS or SciPy's BLAS.

Which library: :mod:`~skmlp._engine._blas_provider` chooses once, as this
module is imported (``PROVIDER``); NumPy's is called through function
pointers to its 64-bit-integer routines, SciPy's through
``scipy.linalg.cython_blas``.

BLAS is column-major. A row-major matrix is the column-major view of its
transpose, so ``C = op(A) @ op(B)`` in row-major is ``C.T = op(B).T @ op(A).T``
in column-major: the wrappers swap the operands instead of copying anything.
"""
from cython cimport floating
from libc.limits cimport INT_MAX
from libc.stdint cimport int64_t
from libc.string cimport memset
from scipy.linalg.cython_blas cimport dgemm, dgemv, sgemm, sgemv

from ._blas_provider import NUMPY_ROUTINES, choose_provider

# The Fortran interface of an ILP64 OpenBLAS: every integer is 64 bits.
ctypedef void sgemm64_t(char *transa, char *transb, int64_t *m, int64_t *n,
                        int64_t *k, float *alpha, float *a, int64_t *lda, float *b,
                        int64_t *ldb, float *beta, float *c,
                        int64_t *ldc) noexcept nogil
ctypedef void dgemm64_t(char *transa, char *transb, int64_t *m, int64_t *n,
                        int64_t *k, double *alpha, double *a, int64_t *lda,
                        double *b, int64_t *ldb, double *beta, double *c,
                        int64_t *ldc) noexcept nogil
ctypedef void sgemv64_t(char *trans, int64_t *m, int64_t *n, float *alpha, float *a,
                        int64_t *lda, float *x, int64_t *incx, float *beta,
                        float *y, int64_t *incy) noexcept nogil
ctypedef void dgemv64_t(char *trans, int64_t *m, int64_t *n, double *alpha,
                        double *a, int64_t *lda, double *x, int64_t *incx,
                        double *beta, double *y, int64_t *incy) noexcept nogil

# NumPy's routines, or NULL while SciPy's are the ones called. Set once, here,
# before any engine exists.
cdef sgemm64_t *_sgemm64 = NULL
cdef dgemm64_t *_dgemm64 = NULL
cdef sgemv64_t *_sgemv64 = NULL
cdef dgemv64_t *_dgemv64 = NULL

#: The library the products go to (:class:`~skmlp._engine._blas_provider.BlasProvider`).
PROVIDER = choose_provider()
if PROVIDER.name == "numpy":
    _sgemm64 = <sgemm64_t *> <size_t> PROVIDER.addresses[NUMPY_ROUTINES[0]]
    _dgemm64 = <dgemm64_t *> <size_t> PROVIDER.addresses[NUMPY_ROUTINES[1]]
    _sgemv64 = <sgemv64_t *> <size_t> PROVIDER.addresses[NUMPY_ROUTINES[2]]
    _dgemv64 = <dgemv64_t *> <size_t> PROVIDER.addresses[NUMPY_ROUTINES[3]]

#: The largest matrix dimension (rows, columns, leading dimension) that
#: :func:`gemm` takes: BLAS counts in C ``int``.
GEMM_MAX_DIMENSION = INT_MAX


def check_gemm_dimensions(what, **dimensions):
    """Raise ``ValueError`` if a dimension would not fit :func:`gemm`'s ``int``.

    A larger size would be truncated silently on its way to BLAS (2**32 + 8
    becomes 8), so every caller that passes sizes it did not choose itself
    checks them here first.

    Parameters
    ----------
    what : str
        What the sizes describe, for the message ("the network", "X").
    **dimensions : int
        The sizes, by name.
    """
    for name, size in dimensions.items():
        if size > GEMM_MAX_DIMENSION:
            raise ValueError(
                f"{what}: {name} = {size} exceeds {GEMM_MAX_DIMENSION}, the largest "
                "matrix dimension BLAS takes (a C int).")


cdef void gemm(
    bint trans_a,         # IN   use A.T instead of A
    bint trans_b,         # IN   use B.T instead of B
    int m,                # IN   rows of op(A) and of C
    int n,                # IN   columns of op(B) and of C
    int k,                # IN   columns of op(A), rows of op(B)
    floating alpha,       # IN
    const floating *a,    # IN   row-major, leading dimension lda
    int lda,              # IN
    const floating *b,    # IN   row-major, leading dimension ldb
    int ldb,              # IN
    floating beta,        # IN
    floating *c,          # OUT  row-major (m, n), leading dimension ldc
    int ldc,              # IN
) noexcept nogil:
    """C := alpha * op(A) @ op(B) + beta * C, all operands row-major."""
    cdef char ta = b'T' if trans_a else b'N'
    cdef char tb = b'T' if trans_b else b'N'
    cdef int64_t m64 = m, n64 = n, k64 = k, lda64 = lda, ldb64 = ldb, ldc64 = ldc
    if m == 0 or n == 0:
        return
    # BLAS takes non-const pointers but does not write through a or b.
    if floating is float and _sgemm64 != NULL:
        _sgemm64(&tb, &ta, &n64, &m64, &k64, &alpha, <float *> b, &ldb64,
                 <float *> a, &lda64, &beta, c, &ldc64)
    elif floating is double and _dgemm64 != NULL:
        _dgemm64(&tb, &ta, &n64, &m64, &k64, &alpha, <double *> b, &ldb64,
                 <double *> a, &lda64, &beta, c, &ldc64)
    elif floating is float:
        sgemm(&tb, &ta, &n, &m, &k, &alpha, <float *> b, &ldb,
              <float *> a, &lda, &beta, c, &ldc)
    else:
        dgemm(&tb, &ta, &n, &m, &k, &alpha, <double *> b, &ldb,
              <double *> a, &lda, &beta, c, &ldc)


cdef void row_times_matrix(
    int n,                # IN   columns of B, entries of y
    int k,                # IN   entries of x, rows of B
    const floating *x,    # IN   one row, (k,)
    const floating *b,    # IN   row-major (k, n), leading dimension ldb
    int ldb,              # IN
    floating *y,          # OUT  (n,)
) noexcept nogil:
    """y := x @ B for a single row x: GEMV, not a one-row GEMM.

    Some OpenBLAS builds run a one-row GEMM through the whole packing
    machinery (SciPy 1.17's 0.3.30 on Haswell kernels: 0.20 ms for 784 x 500,
    against 0.04 ms for GEMV); a one-row prediction takes this instead.
    Row-major B is the column-major (n, k) matrix B.T, so y = B.T @ x.
    """
    cdef char no_trans = b'N'
    cdef int one = 1
    cdef int64_t one64 = 1, n64 = n, k64 = k, ldb64 = ldb
    cdef floating alpha = 1, beta = 0
    if n == 0:
        return
    # beta = 0 need not clear y in every BLAS (a NaN in it may survive).
    memset(y, 0, n * sizeof(floating))
    if floating is float and _sgemv64 != NULL:
        _sgemv64(&no_trans, &n64, &k64, &alpha, <float *> b, &ldb64, <float *> x,
                 &one64, &beta, y, &one64)
    elif floating is double and _dgemv64 != NULL:
        _dgemv64(&no_trans, &n64, &k64, &alpha, <double *> b, &ldb64, <double *> x,
                 &one64, &beta, y, &one64)
    elif floating is float:
        sgemv(&no_trans, &n, &k, &alpha, <float *> b, &ldb, <float *> x, &one,
              &beta, y, &one)
    else:
        dgemv(&no_trans, &n, &k, &alpha, <double *> b, &ldb, <double *> x, &one,
              &beta, y, &one)


def _gemm_for_tests(
    bint trans_a,
    bint trans_b,
    floating alpha,
    const floating[:, ::1] a,
    const floating[:, ::1] b,
    floating beta,
    floating[:, ::1] c,
):
    """Python entry point to :func:`gemm`, for comparing it with NumPy."""
    check_gemm_dimensions("gemm", m=c.shape[0], n=c.shape[1], lda=a.shape[1],
                          ldb=b.shape[1], k=a.shape[0] if trans_a else a.shape[1])
    cdef int m = c.shape[0]
    cdef int n = c.shape[1]
    cdef int k = a.shape[0] if trans_a else a.shape[1]
    with nogil:
        gemm(trans_a, trans_b, m, n, k, alpha, &a[0, 0], a.shape[1],
             &b[0, 0], b.shape[1], beta, &c[0, 0], n)
