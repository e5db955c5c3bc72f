"""The sanitizer build really catches out-of-bounds accesses in the kernels.

``.ci/sanitize`` builds the extensions with ``SKMLP_SANITIZE=1``
(AddressSanitizer and UBSan, Cython's own checks off) and runs the tests that
reach the compiled code with the sanitizer runtime preloaded. Each test here
makes a kernel read or write one element outside its buffer, in a child
process, and expects AddressSanitizer to stop it: proof that the job would
fail on such a bug instead of passing over it, as a release build does.
"""

import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(
    os.environ.get("SKMLP_SANITIZE", "0") in ("", "0"),
    reason="needs the sanitizer build (.ci/sanitize)",
)


def _run_child(code, tmp_path):
    # Reports go to stderr here, whatever log_path the job set for the rest.
    options = [
        option
        for option in os.environ.get("ASAN_OPTIONS", "").split(":")
        if option and not option.startswith("log_path=")
    ]
    env = dict(os.environ, ASAN_OPTIONS=":".join(options))
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        # Not the source tree, whose skmlp/ holds no compiled modules in CI.
        cwd=tmp_path,
        timeout=120,
    )


def test_out_of_bounds_read_in_a_kernel_is_reported(tmp_path):
    child = _run_child(
        """
        import numpy as np
        from skmlp._engine._rows import _gather_rows_for_tests

        X = np.zeros((3, 4))
        out = np.empty((1, 4))
        _gather_rows_for_tests(X, np.array([3], dtype=np.intp), out)  # row 3 of 3
        print("read past X unnoticed")
        """,
        tmp_path,
    )
    assert child.returncode != 0
    assert "read past X unnoticed" not in child.stdout
    assert "AddressSanitizer: heap-buffer-overflow" in child.stderr
    assert "READ of size" in child.stderr
    assert "gather_rows" in child.stderr


def test_out_of_bounds_write_in_a_kernel_is_reported(tmp_path):
    child = _run_child(
        """
        import numpy as np
        from skmlp._engine._update_rules import _column_sums_for_tests

        d = np.ones((2, 4))
        out = np.zeros(1)  # the kernel writes 4 column sums
        _column_sums_for_tests(d, out, False)
        print("wrote past out unnoticed")
        """,
        tmp_path,
    )
    assert child.returncode != 0
    assert "wrote past out unnoticed" not in child.stdout
    assert "AddressSanitizer: heap-buffer-overflow" in child.stderr
    assert "WRITE of size" in child.stderr
    assert "column_sums" in child.stderr


def test_well_formed_calls_run_clean_under_the_sanitizers(tmp_path):
    child = _run_child(
        """
        import numpy as np
        from skmlp._engine._rows import _gather_rows_for_tests

        X = np.arange(12.0).reshape(3, 4)
        out = np.empty((1, 4))
        _gather_rows_for_tests(X, np.array([2], dtype=np.intp), out)
        print(out.tolist())
        """,
        tmp_path,
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == "[[8.0, 9.0, 10.0, 11.0]]"
    assert "Sanitizer" not in child.stderr
