"""Build the Cython extensions of skmlp.

Compiler directives are set once, here, for every module. Two environment
variables switch to a checking build (CI runs the tests on both):

- ``SKMLP_DEBUG_BUILD=1`` turns bounds checking, wraparound and
  initialisation checks back on;
- ``SKMLP_SANITIZE=1`` compiles and links with AddressSanitizer and
  UndefinedBehaviorSanitizer, Cython's checks staying off so that the
  sanitizers see the kernels' raw pointer accesses. Python itself is not
  instrumented: load the runtime first, as ``.ci/sanitize`` does
  (``LD_PRELOAD=$(gcc -print-file-name=libasan.so)``).
"""

import glob
import os
import sys

from Cython.Build import cythonize
from setuptools import Extension, setup


def _switch(name):
    return os.environ.get(name, "0") not in ("", "0")


DEBUG_BUILD = _switch("SKMLP_DEBUG_BUILD")
SANITIZE = _switch("SKMLP_SANITIZE")
if SANITIZE and sys.platform == "win32":
    raise RuntimeError("SKMLP_SANITIZE=1 needs GCC or Clang.")

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
EXTRA_LINK_ARGS = []
# Python's own CFLAGS ask for debug information (-g), which makes GCC a third
# slower on Cython's large C files and the wheel several times larger; the
# debug and sanitizer builds put it back.
if sys.platform != "win32" and not (DEBUG_BUILD or SANITIZE):
    EXTRA_COMPILE_ARGS.append("-g0")

# Every out-of-bounds access and every undefined operation (signed overflow,
# misaligned load, ...) aborts with a report instead of going on.
SANITIZER_FLAGS = [
    "-fsanitize=address,undefined",
    "-fno-sanitize-recover=undefined",
    "-fno-omit-frame-pointer",
    "-g",
    # ASan's advice; half the compile time of Python's -O3, which it overrides.
    "-O1",
]
if SANITIZE:
    EXTRA_COMPILE_ARGS += SANITIZER_FLAGS
    EXTRA_LINK_ARGS += SANITIZER_FLAGS

# The compiled engine, one job per module (see skmlp/_engine/__init__.py).
# Cython's utility code (memoryviews, fused-type dispatch, ...) is generated
# and compiled once, into its own module, instead of into every module:
# it was more than half of each module's C.
SHARED_UTILITY_MODULE = "skmlp._engine._cyutility"
ENGINE_MODULES = (
    "_types",
    "_blas",
    "_activations",
    "_losses",
    "_penalties",
    "_max_norm",
    "_update_rules",
    "_scaled_decay",
    "_rows",
    "_augment",
    "_engine",
    "_predict",
)
MODULES = [f"_engine.{name}" for name in ENGINE_MODULES]


def _extension(name, source):
    return Extension(
        name,
        [source],
        # The C headers some modules include (cdef extern from "....h").
        include_dirs=["skmlp/_engine"],
        depends=glob.glob("skmlp/_engine/*.h"),
        extra_compile_args=EXTRA_COMPILE_ARGS,
        extra_link_args=EXTRA_LINK_ARGS,
    )


EXTENSIONS = [
    _extension(SHARED_UTILITY_MODULE, "skmlp/_engine/_cyutility.c"),
    *(
        _extension(f"skmlp.{module}", f"skmlp/{module.replace('.', '/')}.pyx")
        for module in MODULES
    ),
]

# Translate and compile on every core: the modules are independent, and one
# after another they took three minutes on a 2-core machine.
N_JOBS = os.cpu_count() or 1

# Each kind of build keeps its generated C, objects and modules apart, so that
# switching between them never reuses a file built the other way: setuptools
# rebuilds by timestamps only, and would otherwise copy, say, the debug
# modules into a release install.
BUILD_KIND = "-".join(
    [kind for kind, on in (("debug", DEBUG_BUILD), ("sanitize", SANITIZE)) if on]
    or ["release"]
)

setup(
    ext_modules=cythonize(
        EXTENSIONS,
        compiler_directives=COMPILER_DIRECTIVES,
        build_dir=f"build/{BUILD_KIND}/cython",
        shared_utility_qualified_name=SHARED_UTILITY_MODULE,
        nthreads=N_JOBS,
    ),
    options={
        "build": {"build_base": f"build/{BUILD_KIND}"},
        "build_ext": {"parallel": N_JOBS},
    },
)
