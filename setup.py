"""Build the Cython extensions of skmlp.

Compiler directives are set once, here, for every module. Set the
environment variable ``SKMLP_DEBUG_BUILD=1`` to turn bounds checking,
wraparound and initialisation checks back on (CI runs the tests on such a
build too).
"""

import os
import sys

from Cython.Build import cythonize
from setuptools import Extension, setup

DEBUG_BUILD = os.environ.get("SKMLP_DEBUG_BUILD", "0") not in ("", "0")

COMPILER_DIRECTIVES = {
    "language_level": 3,
    "boundscheck": DEBUG_BUILD,
    "wraparound": DEBUG_BUILD,
    "initializedcheck": DEBUG_BUILD,
    "cdivision": True,
    "embedsignature": True,
}

# Flags that let GCC and Clang vectorise the kernels' loops (MSVC has neither
# and needs neither):
# - sqrt and friends never report through errno in our kernels; with errno,
#   sqrt stays scalar (a branch per element), and the Adam update ran 4x slower.
# - Python builds extensions with -fwrapv (defined signed overflow), which
#   hides the trip count of loops such as the penalty's lane sums: they ran
#   3-4x slower. Nothing in skmlp relies on wrapping signed arithmetic.
# - Without -fno-trapping-math, GCC keeps a float comparison feeding a select
#   (the clamps of tanh, ReLU) as a branch, and the loop around it scalar.
#   skmlp never unmasks floating-point exceptions, so nothing can trap.
EXTRA_COMPILE_ARGS = (
    []
    if sys.platform == "win32"
    else ["-fno-math-errno", "-fno-wrapv", "-fno-trapping-math"]
)

EXTENSIONS = [
    Extension(
        f"skmlp.{name}", [f"skmlp/{name}.pyx"], extra_compile_args=EXTRA_COMPILE_ARGS
    )
    for name in ("_blas", "_kernels", "_train")
]

setup(
    ext_modules=cythonize(
        EXTENSIONS,
        compiler_directives=COMPILER_DIRECTIVES,
        # Release and debug C sources live apart, so that switching between
        # them never reuses C generated with the other directives.
        build_dir="build/cython-debug" if DEBUG_BUILD else "build/cython-release",
    ),
)
