"""The test session's check that the development build is not stale
(:mod:`build_check`, run by ``conftest.py`` before any test)."""

import importlib.machinery
import os
from pathlib import Path

import pytest
from build_check import REBUILD_MESSAGE, check_build, dependencies, stale_modules

import skmlp

SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]


@pytest.fixture
def checkout(tmp_path):
    """A source checkout of a package ``pkg``: two extensions, one cimporting
    a .pxd that cimports another, all built after their sources."""
    (tmp_path / "setup.py").write_text("")
    (tmp_path / "pyproject.toml").write_text("")
    engine = tmp_path / "pkg" / "_engine"
    engine.mkdir(parents=True)
    files = {
        "_types.pxd": "cdef struct S:\n    int a\n",
        "_math.pxd": "from ._types cimport S\n",
        "_kernels.pxd": "from cython cimport floating\n",
        "_kernels.pyx": "from libc.math cimport exp\nfrom ._math cimport S\n",
        "_other.pyx": "from scipy.linalg.cython_blas cimport dgemm\n",
    }
    for name, text in files.items():
        path = engine / name
        path.write_text(text)
        os.utime(path, (1000, 1000))
    for name in ("_kernels", "_other"):
        module = engine / (name + SUFFIX)
        module.write_bytes(b"")
        os.utime(module, (2000, 2000))
    return tmp_path / "pkg"


def _touch(path, when=3000):
    os.utime(path, (when, when))


def test_an_up_to_date_build_passes(checkout):
    assert stale_modules(checkout) == []
    assert check_build(checkout) is None


def test_dependencies_follow_cimports_through_pxd_files(checkout):
    engine = checkout / "_engine"
    assert dependencies(engine / "_kernels.pyx", checkout) == {
        engine / name
        for name in ("_kernels.pyx", "_kernels.pxd", "_math.pxd", "_types.pxd")
    }
    assert dependencies(engine / "_other.pyx", checkout) == {engine / "_other.pyx"}


@pytest.mark.parametrize(
    "edited, stale",
    [
        ("_kernels.pyx", ["_kernels.pyx"]),
        ("_kernels.pxd", ["_kernels.pyx"]),
        ("_types.pxd", ["_kernels.pyx"]),  # through _math.pxd
        ("_other.pyx", ["_other.pyx"]),
    ],
)
def test_a_source_newer_than_its_module_is_stale(checkout, edited, stale):
    _touch(checkout / "_engine" / edited)
    assert stale_modules(checkout) == [Path("pkg/_engine") / name for name in stale]
    message = check_build(checkout)
    assert message.startswith(REBUILD_MESSAGE)
    assert "\n" not in message and "pip install -e ." in message


def test_a_missing_module_is_stale(checkout):
    (checkout / "_engine" / ("_other" + SUFFIX)).unlink()
    assert stale_modules(checkout) == [Path("pkg/_engine/_other.pyx")]


def test_an_installed_package_is_not_checked(checkout):
    _touch(checkout / "_engine" / "_kernels.pyx")
    (checkout.parent / "setup.py").unlink()
    assert check_build(checkout) is None


def test_this_session_runs_an_up_to_date_skmlp():
    package_dir = Path(skmlp.__file__).parent
    assert check_build(package_dir) is None
