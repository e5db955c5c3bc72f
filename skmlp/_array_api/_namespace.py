"""Which arrays train through the array API, and moving arrays between
namespaces.

A fit or a prediction goes through skmlp's array API code when
scikit-learn's array API dispatch is on (``sklearn.set_config(
array_api_dispatch=True)``) and X is an array of another namespace than
NumPy (a PyTorch tensor, a CuPy array, an ``array_api_strict`` array):
:func:`uses_array_api`. Everything else (NumPy arrays, sparse matrices,
lists, data frames) keeps the compiled engine.

The conversions here work whether dispatch is on or not (they use the
``array_api_compat`` that scikit-learn vendors, not scikit-learn's
dispatch-aware ``get_namespace``), so that a model trained on a GPU can be
moved to NumPy in a script that never turned dispatch on.
"""

import numpy as np
from scipy import sparse
from sklearn import get_config
from sklearn.externals import array_api_compat
from sklearn.utils._array_api import _convert_to_numpy, _is_numpy_namespace


def is_numpy_array(array):
    """Whether ``array`` is a NumPy array (or a NumPy scalar)."""
    return isinstance(array, (np.ndarray, np.generic))


def is_array_api_array(array):
    """Whether ``array`` is an array of an array API namespace other than
    NumPy's (a PyTorch tensor, a CuPy array, an ``array_api_strict`` array)."""
    if array is None or is_numpy_array(array) or sparse.issparse(array):
        return False
    try:
        xp = array_api_compat.array_namespace(array)
    except TypeError:
        return False
    return not _is_numpy_namespace(xp)


def uses_array_api(X):
    """Whether a fit on X, or a prediction of X, computes in X's own namespace
    and on its device: array API dispatch is on and X is not NumPy's."""
    return bool(get_config()["array_api_dispatch"]) and is_array_api_array(X)


def namespace_and_device(array):
    """The array API namespace of ``array`` (``array_api_compat``'s wrapper
    where there is one) and its device."""
    return array_api_compat.array_namespace(array), array_api_compat.device(array)


def to_numpy(array):
    """``array`` as a NumPy array on the CPU (NumPy arrays and anything that is
    not an array API array are returned as they are)."""
    if not is_array_api_array(array):
        return array
    return _convert_to_numpy(array, array_api_compat.array_namespace(array))


def to_device(array, xp, device):
    """A NumPy array (or anything ``xp.asarray`` takes) as an array of ``xp``
    on ``device``; an array already there is returned as it is."""
    if is_array_api_array(array):
        array_xp, array_device = namespace_and_device(array)
        if array_xp is xp and array_device == device:
            return array
        array = to_numpy(array)
    return xp.asarray(array, device=device)


def host_values(value):
    """``value`` with array API arrays turned into NumPy arrays: for the
    targets and weights a fit encodes on the host (labels, sample weights),
    whatever namespace they came in."""
    return to_numpy(value) if is_array_api_array(value) else value


_FLOAT32, _FLOAT64 = np.dtype(np.float32), np.dtype(np.float64)


def numpy_dtype(dtype):
    """The NumPy float dtype of an array API float dtype (float32 or float64)."""
    if isinstance(dtype, np.dtype) and (dtype == _FLOAT32 or dtype == _FLOAT64):
        # NumPy's own, the common case: str(dtype) takes 5 us.
        return dtype
    return _FLOAT32 if "float32" in str(dtype) else _FLOAT64


def float_dtypes(xp):
    """The float dtypes X may train in, as ``validate_data`` takes them for
    arrays of ``xp``: float64 first (what other dtypes become), then float32."""
    return (xp.float64, xp.float32)


def max_float_dtype(xp, device):
    """The widest float dtype ``xp`` offers on ``device`` (float64, else
    float32): the dtype of the loss sums."""
    info = getattr(xp, "__array_namespace_info__", None)
    if info is None:
        return xp.float64
    dtypes = info().dtypes(kind="real floating", device=device)
    return xp.float64 if "float64" in dtypes else xp.float32
