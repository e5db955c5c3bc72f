"""The debug build really checks bounds (CI runs the suite on one with
SKMLP_DEBUG_BUILD=1 set for the build and for pytest).

The kernels are ``noexcept nogil``: an out-of-bounds access there cannot
propagate, so Cython reports it through ``sys.unraisablehook``. CI runs the
debug suite with ``-W error::pytest.PytestUnraisableExceptionWarning`` so that
any such report fails the test that caused it.
"""

import os
import sys

import numpy as np
import pytest

from skmlp._engine._rows import _gather_rows_for_tests

pytestmark = pytest.mark.skipif(
    os.environ.get("SKMLP_DEBUG_BUILD", "0") in ("", "0"),
    reason="release build: bounds checking is off by design",
)


def test_out_of_bounds_row_is_reported_instead_of_reading_memory(monkeypatch):
    reported = []
    monkeypatch.setattr(sys, "unraisablehook", reported.append)
    X = np.zeros((3, 4))
    out = np.empty((1, 4))
    _gather_rows_for_tests(X, np.array([3], dtype=np.intp), out)
    assert [type(report.exc_value) for report in reported] == [IndexError]
