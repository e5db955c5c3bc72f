"""Which BLAS library the engine's matrix products go to.

NumPy's and SciPy's wheels each bundle an OpenBLAS, built apart and often of
different versions: on one AMD EPYC with Haswell kernels, SciPy 1.17's
OpenBLAS 0.3.30 took 425 us for the 20 x 784 by 784 x 500 product that
NumPy 2.4's 0.3.31 did in 217 us. The engine calls NumPy's where it can
(``"numpy"``): the same library ``A @ B``, scikit-learn's ``MLPClassifier``
and the benchmarks' GEMM floor use, so skmlp's products cost what NumPy's do
in the same process, and one OpenBLAS thread pool serves both. It reaches it
through the 64-bit-integer interface NumPy's wheels export
(``scipy_sgemm_64_`` and friends), found in the library NumPy itself
loaded; nothing is loaded because a file names it.

Where NumPy's BLAS is not such an OpenBLAS (a NumPy built against the
system's BLAS, MKL or Accelerate), the engine calls SciPy's through
``scipy.linalg.cython_blas`` (``"scipy"``), as skmlp always did. The
environment variable ``SKMLP_BLAS`` chooses instead: ``numpy`` (an error if
NumPy's cannot be used), ``scipy``, or ``auto`` (the default).
"""

import os
from dataclasses import dataclass, field
from pathlib import Path

#: The environment variable choosing the library, and its values.
ENVIRONMENT_VARIABLE = "SKMLP_BLAS"
CHOICES = ("auto", "numpy", "scipy")

# The routines the engine calls, by their names in NumPy's OpenBLAS.
NUMPY_ROUTINES = (
    "scipy_sgemm_64_",
    "scipy_dgemm_64_",
    "scipy_sgemv_64_",
    "scipy_dgemv_64_",
)


@dataclass(frozen=True)
class BlasProvider:
    """The library the engine's products go to.

    Attributes
    ----------
    name : {"numpy", "scipy"}
        Whose bundled BLAS: NumPy's OpenBLAS through its 64-bit-integer
        interface, or SciPy's through ``scipy.linalg.cython_blas``.
    filepath : str or None
        The library's file, where threadpoolctl can tell it (the thread
        policy sets this library's thread count).
    addresses : dict of str to int
        For ``"numpy"``: the address of each routine of ``NUMPY_ROUTINES``.
    """

    name: str
    filepath: str | None = None
    addresses: dict = field(default_factory=dict, repr=False)


def choose_provider(environ=None):
    """The BLAS the engine should call, as ``SKMLP_BLAS`` and the libraries
    NumPy and SciPy loaded allow.

    Parameters
    ----------
    environ : mapping, default=None
        The environment to read ``SKMLP_BLAS`` from (``os.environ`` if None).

    Returns
    -------
    provider : BlasProvider

    Raises
    ------
    ValueError
        If ``SKMLP_BLAS`` is not one of ``auto``, ``numpy``, ``scipy``.
    ImportError
        If ``SKMLP_BLAS=numpy`` and NumPy's BLAS is not an OpenBLAS exporting
        its 64-bit-integer interface.
    """
    environ = os.environ if environ is None else environ
    choice = environ.get(ENVIRONMENT_VARIABLE, "auto").strip().lower() or "auto"
    if choice not in CHOICES:
        given = environ[ENVIRONMENT_VARIABLE]
        raise ValueError(
            f"{ENVIRONMENT_VARIABLE}={given!r}: expected one of {', '.join(CHOICES)}."
        )
    if choice != "scipy":
        try:
            numpy_blas = _numpy_openblas()
        except Exception:
            # Finding it is best effort (threadpoolctl, ctypes): SciPy's is
            # always there.
            if choice == "numpy":
                raise
            numpy_blas = None
        if numpy_blas is not None:
            return numpy_blas
        if choice == "numpy":
            raise ImportError(
                f"{ENVIRONMENT_VARIABLE}=numpy, but NumPy's BLAS is not an OpenBLAS "
                f"exporting {', '.join(NUMPY_ROUTINES)} (NumPy's wheels bundle one); "
                f"unset {ENVIRONMENT_VARIABLE} to use SciPy's."
            )
    return BlasProvider("scipy", _scipy_blas_filepath())


def _numpy_openblas():
    """NumPy's bundled OpenBLAS with its routines' addresses, or None."""
    import ctypes

    import numpy as np
    from threadpoolctl import ThreadpoolController

    numpy_root = Path(np.__file__).resolve().parent
    for lib in ThreadpoolController().select(internal_api="openblas").lib_controllers:
        path = Path(lib.filepath).resolve()
        # NumPy's wheels keep it in numpy.libs (Linux, Windows) or numpy/.dylibs.
        if not (path.parent.name == "numpy.libs" or numpy_root in path.parents):
            continue
        routines = [getattr(lib.dynlib, name, None) for name in NUMPY_ROUTINES]
        if any(routine is None for routine in routines):
            continue
        addresses = {
            name: ctypes.cast(routine, ctypes.c_void_p).value
            for name, routine in zip(NUMPY_ROUTINES, routines, strict=True)
        }
        return BlasProvider("numpy", str(lib.filepath), addresses)
    return None


def _scipy_blas_filepath():
    """The file of SciPy's BLAS, or None where threadpoolctl cannot tell."""
    import scipy.linalg.cython_blas  # noqa: F401  (loads SciPy's BLAS)
    from threadpoolctl import ThreadpoolController

    blas = ThreadpoolController().select(user_api="blas").lib_controllers
    # SciPy's wheels keep theirs in scipy.libs; elsewhere (conda) NumPy and
    # SciPy may share the process's only BLAS.
    scipy_own = [lib for lib in blas if "scipy" in Path(lib.filepath).parent.name]
    candidates = scipy_own or blas
    return str(candidates[0].filepath) if len(candidates) == 1 else None
