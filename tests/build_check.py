"""Whether skmlp's compiled modules are older than the sources they were
built from.

The development build is an editable install (``pip install -e .``): its
compiled modules sit next to their ``.pyx`` sources. Edit a ``.pyx`` or a
``.pxd`` and they no longer match, silently; ``conftest.py`` stops the test
session at once when that happens. An installed wheel has no sources beside
it and is not checked.
"""

import importlib.machinery
import re
from pathlib import Path

REBUILD_MESSAGE = (
    "skmlp's compiled modules are older than their sources: rebuild with "
    "`pip install -e .` (or `python setup.py build_ext --inplace`)"
)

# `from .x cimport a`, `from ..pkg.x cimport a`, `from skmlp.x cimport a`,
# `cimport skmlp.x`: the modules whose .pxd files a source depends on.
_CIMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+([.\w]+)[ \t]+cimport\b|cimport[ \t]+([.\w]+))", re.MULTILINE
)


def is_source_tree(package_dir):
    """Whether ``package_dir`` is the package of a source checkout (an
    editable install), not of an installed wheel."""
    root = Path(package_dir).parent
    return (root / "setup.py").is_file() and (root / "pyproject.toml").is_file()


def compiled_module(source):
    """The compiled module Python would import for ``source`` (a .pyx), or None."""
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        candidate = source.with_name(source.stem + suffix)
        if candidate.is_file():
            return candidate
    return None


def dependencies(source, package_dir):
    """``source`` and the .pxd files of the package it cimports, directly or
    through other .pxd files (its own .pxd included)."""
    package_dir = Path(package_dir)
    found, pending = set(), [Path(source)]
    own = Path(source).with_suffix(".pxd")
    if own.is_file():
        pending.append(own)
    while pending:
        path = pending.pop()
        if path in found:
            continue
        found.add(path)
        for match in _CIMPORT.finditer(path.read_text(encoding="utf-8")):
            pxd = _resolve(match.group(1) or match.group(2), path, package_dir)
            if pxd is not None and pxd not in found:
                pending.append(pxd)
    return found


def _resolve(module, importer, package_dir):
    """The .pxd file of ``module`` as cimported from ``importer``, if it is
    one of the package's (``cython``, ``libc``, ``scipy`` ... are not)."""
    if module.startswith("."):
        level = len(module) - len(module.lstrip("."))
        base = importer.parent
        for _ in range(level - 1):
            base = base.parent
        parts = module.lstrip(".").split(".") if module.strip(".") else []
    elif module.split(".")[0] == package_dir.name:
        base, parts = package_dir, module.split(".")[1:]
    else:
        return None
    pxd = base.joinpath(*parts).with_suffix(".pxd") if parts else None
    return pxd if pxd is not None and pxd.is_file() else None


def stale_modules(package_dir):
    """The .pyx sources under ``package_dir`` whose compiled module is
    missing or older than the source or a .pxd it depends on."""
    package_dir = Path(package_dir)
    stale = []
    for source in sorted(package_dir.rglob("*.pyx")):
        module = compiled_module(source)
        newest = max(path.stat().st_mtime for path in dependencies(source, package_dir))
        if module is None or module.stat().st_mtime < newest:
            stale.append(source.relative_to(package_dir.parent))
    return stale


def check_build(package_dir):
    """The one-line message to stop a test session with, or None when the
    compiled modules are up to date (or the package is an installed wheel)."""
    if not is_source_tree(package_dir):
        return None
    stale = stale_modules(package_dir)
    if not stale:
        return None
    return f"{REBUILD_MESSAGE} ({', '.join(str(path) for path in stale)})"
