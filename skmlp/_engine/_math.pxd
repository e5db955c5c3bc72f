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
