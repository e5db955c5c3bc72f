"""Intersphinx inventories of scikit-learn and NumPy, made without a network.

Intersphinx links a name such as ``sklearn.neural_network.MLPClassifier`` or
``numpy.ndarray`` to its page on the project's site, by looking it up in the
site's ``objects.inv``, which it normally downloads. The site is built where
no network may be (CI, a laptop on a train): ``write_inventories`` writes
those inventories instead, from the installed scikit-learn and NumPy (their
public classes, functions and methods), with the page addresses their
documentation gives such objects (``modules/generated/<name>.html`` for
scikit-learn, ``reference/generated/<name>.html`` for NumPy). ``conf.py``
hands the files to ``intersphinx_mapping``; a few entries of Python's own
documentation go with them, for the type links numpydoc makes by default
(``bool``, ``int``, ``iterable``).
"""

import importlib
import inspect
import zlib

SKLEARN_URL = "https://scikit-learn.org/stable/"
NUMPY_URL = "https://numpy.org/doc/stable/"
PYTHON_URL = "https://docs.python.org/3/"

# What numpydoc's default type links (numpydoc.xref.DEFAULT_LINKS: bool, int,
# array-like, ...) point to in Python's and NumPy's documentation: (name, role,
# uri, shown name).
_PYTHON_TARGETS = [
    *(
        (name, "py:data", "library/constants.html#$", "-")
        for name in ("None", "True", "False")
    ),
    *(
        (name, "py:class", "library/stdtypes.html#$", "-")
        for name in ("list", "tuple", "str", "dict")
    ),
    *((name, "py:class", "library/functions.html#$", "-") for name in ("float", "int")),
    ("callable", "py:function", "library/functions.html#$", "-"),
    ("contextlib.contextmanager", "py:function", "library/contextlib.html#$", "-"),
    ("collections.namedtuple", "py:function", "library/collections.html#$", "-"),
    *(
        (name, "std:term", "glossary.html#term-$", "-")
        for name in ("iterable", "sequence", "generator", "function", "class")
    ),
    (
        "bltin-boolean-values",
        "std:label",
        "library/stdtypes.html#$",
        "Boolean Type - bool",
    ),
]
_NUMPY_TARGETS = [
    ("array_like", "std:term", "glossary.html#term-array_like", "-"),
    (
        "arrays.scalars",
        "std:label",
        "reference/arrays.scalars.html#arrays-scalars",
        "Scalars",
    ),
    ("numpy.inf", "py:data", "reference/constants.html#$", "-"),
    ("numpy.nan", "py:data", "reference/constants.html#$", "-"),
    ("numpy", "py:module", "reference/index.html#module-numpy", "-"),
]

# NumPy documents its random generators on pages of their own.
_NUMPY_PAGES = {
    "numpy.random.Generator": "reference/random/generator.html",
    "numpy.random.RandomState": "reference/random/legacy.html",
    "numpy.random.default_rng": "reference/random/generator.html",
}


def _public(module):
    names = getattr(module, "__all__", None)
    if names is None:
        names = [name for name in dir(module) if not name.startswith("_")]
    for name in names:
        try:
            yield name, getattr(module, name)
        except (AttributeError, ImportError):  # experimental, needs enabling
            continue


def sklearn_entries():
    """(name, role, uri) of scikit-learn's public classes, their public
    methods, and its public functions, in the layout of its site."""
    import sklearn

    entries = []
    for module_name in sklearn.__all__:
        if module_name.startswith("_"):
            continue
        try:
            module = importlib.import_module(f"sklearn.{module_name}")
        except ImportError:
            continue
        for name, obj in _public(module):
            full = f"sklearn.{module_name}.{name}"
            page = f"modules/generated/{full}.html"
            if inspect.isclass(obj):
                entries.append((full, "py:class", f"{page}#$"))
                for member, _ in inspect.getmembers(obj, inspect.isroutine):
                    if not member.startswith("_"):
                        entries.append((f"{full}.{member}", "py:method", f"{page}#$"))
            elif inspect.isroutine(obj):
                entries.append((full, "py:function", f"{page}#$"))
    return entries


def numpy_entries():
    """(name, role, uri) of NumPy's top-level classes and functions, and of
    its random generators."""
    import numpy as np

    entries = []
    for name, obj in _public(np):
        full = f"numpy.{name}"
        if inspect.isclass(obj):
            entries.append((full, "py:class", f"reference/generated/{full}.html#$"))
        elif callable(obj):
            entries.append((full, "py:function", f"reference/generated/{full}.html#$"))
    for full, page in _NUMPY_PAGES.items():
        role = "py:function" if full.endswith("default_rng") else "py:class"
        entries.append((full, role, f"{page}#$"))
    return entries + _NUMPY_TARGETS


def write_inventory(path, project, version, entries):
    """Write ``entries`` as a Sphinx inventory (format version 2)."""
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n"
        f"# Version: {version}\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    lines = "".join(
        f"{name} {role} {-1 if role.startswith('std:') else 1} {uri} {shown}\n"
        for name, role, uri, shown in sorted(
            {entry if len(entry) == 4 else (*entry, "-") for entry in entries}
        )
    )
    path.write_bytes(header.encode() + zlib.compress(lines.encode()))


def write_inventories(folder):
    """Write the inventories into ``folder``; return ``intersphinx_mapping``."""
    import numpy as np
    import sklearn

    folder.mkdir(parents=True, exist_ok=True)
    files = {name: folder / f"{name}.inv" for name in ("sklearn", "numpy", "python")}
    write_inventory(
        files["sklearn"], "scikit-learn", sklearn.__version__, sklearn_entries()
    )
    write_inventory(files["numpy"], "NumPy", np.__version__, numpy_entries())
    write_inventory(files["python"], "Python", "3", _PYTHON_TARGETS)
    return {
        "sklearn": (SKLEARN_URL, str(files["sklearn"])),
        "numpy": (NUMPY_URL, str(files["numpy"])),
        "python": (PYTHON_URL, str(files["python"])),
    }
