# Elementary functions on fused float/double, inlined into the kernels: the
# float versions stay in float (a double call would turn a vector loop scalar).
from cython cimport floating
from libc.math cimport (
    exp,
    expf,
    fabs,
    fabsf,
    log,
    log1p,
    log1pf,
    logf,
    sqrt,
    sqrtf,
    tanh,
)


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


cdef inline floating _log1p(floating x) noexcept nogil:
    if floating is float:
        return log1pf(x)
    else:
        return log1p(x)


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
