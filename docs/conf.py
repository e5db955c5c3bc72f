"""Sphinx configuration of skmlp's documentation.

Build it with ``bash .ci/docs`` (installs the ``docs`` extra, then builds with
warnings as errors) or, once the extra is installed::

    sphinx-build -W --keep-going -b html docs docs/_build/html

The gallery (``examples/plot_*.py``) is executed during the build, so every
figure and printed output on the site comes from the installed skmlp.
"""

import os
import re
import sys
from pathlib import Path

import skmlp

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
# The gallery's order (sphinx-gallery imports it by name), the math renderer
# and the offline inventories; the renderer of benchmarks/results.json.
sys.path.insert(0, str(DOCS / "_ext"))
sys.path.insert(0, str(ROOT / "benchmarks"))
from offline_inventories import write_inventories  # noqa: E402
from publish_results import RENDERERS, load_results, render_regions  # noqa: E402

# -- Project -------------------------------------------------------------------

project = "skmlp"
author = "the skmlp developers"
copyright = "the skmlp developers, BSD-3-Clause"
version = release = skmlp.__version__

# -- Extensions ----------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.viewcode",
    "sphinx.ext.intersphinx",
    "mathml_math",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    # The gallery's own bookkeeping pages, regenerated on every build.
    "sg_execution_times.rst",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    # The pictures' folder and its script (the README's images).
    "gallery",
]

# -- API reference -------------------------------------------------------------

autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": True, "inherited-members": True}
autodoc_typehints = "none"
# numpydoc writes the members' tables itself from the class templates
# (_templates/autosummary/class.rst), so autodoc's own list would repeat them.
numpydoc_show_class_members = False
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
# Parameter types link to NumPy's and scikit-learn's pages where a word names
# one of theirs; other words stay text.
numpydoc_xref_param_type = True
numpydoc_xref_ignore = "all"
numpydoc_xref_aliases = {
    "ndarray": "numpy.ndarray",
    "dtype": "numpy.dtype",
    "RandomState": "numpy.random.RandomState",
    "Generator": "numpy.random.Generator",
    "Bunch": "sklearn.utils.Bunch",
    "Pipeline": "sklearn.pipeline.Pipeline",
    "ConfusionMatrixDisplay": "sklearn.metrics.ConfusionMatrixDisplay",
    "MLPClassifier": "sklearn.neural_network.MLPClassifier",
}

# -- Links to scikit-learn and NumPy -------------------------------------------

# Their inventories, written from the installed packages (the build must work
# offline, and intersphinx would download them): docs/_ext/offline_inventories.py.
intersphinx_mapping = write_inventories(DOCS / "_build" / "intersphinx")
intersphinx_timeout = 1


# Methods inherited from scikit-learn (get_params, score, set_output, the
# metadata-routing requests) bring docstrings that cross-reference scikit-learn's
# own user guide and glossary, which this site does not have (and the build,
# offline, cannot fetch an intersphinx inventory for): such references become
# plain text in them.
_SKLEARN_ROLE = re.compile(r":(?:ref|term):`(?:([^`<]*?)\s*<[^`>]*>|([^`]*))`")


def _plain_sklearn_references(app, what, name, obj, options, lines):
    module = getattr(obj, "__module__", None) or ""
    if not module.startswith("sklearn"):
        return
    for index, line in enumerate(lines):
        lines[index] = _SKLEARN_ROLE.sub(
            lambda match: f"*{match.group(1) or match.group(2)}*", line
        )


# In reStructuredText a word ending in "_" is a link: the shapes in parameter
# types, "ndarray of shape (n_features_in_,)", name attributes instead.
_SHAPE_ATTRIBUTE = re.compile(r"(?<=[(\s,])([A-Za-z]\w*[A-Za-z0-9])_(?=[,)])")


def _escaped_attribute_shapes(app, what, name, obj, options, lines):
    for index, line in enumerate(lines):
        if "of shape (" in line:
            lines[index] = _SHAPE_ATTRIBUTE.sub(r"\1\\_", line)


# scikit-learn's version notes ("Added in version 1.3") read as skmlp's on
# skmlp's pages: they become "Added in scikit-learn 1.3", their text kept.
_VERSION_NOTE = re.compile(r"^(\s*)\.\. (versionadded|versionchanged):: (\S+)\s*(.*)$")
_VERSION_WORDS = {"versionadded": "Added", "versionchanged": "Changed"}


def _sklearn_version_notes(app, what, name, obj, options, lines):
    module = getattr(obj, "__module__", None) or ""
    if not module.startswith("sklearn"):
        return
    out, body_indent = [], None
    for line in lines:
        match = _VERSION_NOTE.match(line)
        if match:
            indent, kind, version, text = match.groups()
            note = f"{indent}*{_VERSION_WORDS[kind]} in scikit-learn {version}.*"
            out.append(f"{note} {text}".rstrip())
            body_indent = len(indent)
            continue
        if body_indent is not None and line.strip():
            if len(line) - len(line.lstrip()) > body_indent:
                out.append(" " * body_indent + line.strip())
                continue
            body_indent = None
        elif body_indent is not None:
            body_indent = None
        out.append(line)
    lines[:] = out


# The metadata-routing requests (set_fit_request, ...) are scikit-learn's,
# generated for every estimator with docstrings written for scikit-learn's
# own pages ("default=sklearn.utils.metadata_routing.UNCHANGED", shown as
# '$UNCHANGED$'): skmlp's pages leave them out and say where they are
# documented.
_ROUTING = re.compile(r"^(set_\w+_request|get_metadata_routing)$")
_ROUTING_NOTE = [
    "",
    ".. rubric:: Metadata routing",
    "",
    "``get_metadata_routing`` and the ``set_*_request`` methods (such as "
    "``set_fit_request``) are scikit-learn's, inherited unchanged: see "
    "`metadata routing in scikit-learn's user guide "
    "<https://scikit-learn.org/stable/metadata_routing.html>`_.",
]


def _skip_routing_methods(app, what, name, obj, skip, options):
    if _ROUTING.match(name):
        return True
    return None


def _routing_note(app, what, name, obj, options, lines):
    if what == "class" and hasattr(obj, "get_metadata_routing"):
        if name.startswith("skmlp."):
            lines.extend(_ROUTING_NOTE)


# The pages that show benchmark numbers render them from the results file, as
# benchmarks/publish_results.py writes them into the Markdown sources (a test
# keeps the two equal): the site always shows benchmarks/results.json.
_RESULTS = load_results()


def _render_results(app, docname, source):
    if "<!-- results: " in source[0]:
        source[0] = render_regions(source[0], _RESULTS)


def setup(app):
    app.connect("autodoc-process-docstring", _plain_sklearn_references)
    app.connect("autodoc-process-docstring", _escaped_attribute_shapes)
    app.connect("autodoc-process-docstring", _sklearn_version_notes)
    app.connect("autodoc-process-docstring", _routing_note)
    app.connect("autodoc-skip-member", _skip_routing_methods)
    app.connect("source-read", _render_results)
    assert RENDERERS  # the regions' renderers, imported above


# -- Markdown (MyST) -----------------------------------------------------------

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# -- Gallery -------------------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    # Only plot_*.py run at build time. The long recipes (recipe_*.py) are
    # shown with the output stored in their text and the command that
    # reproduces it: they take minutes to an hour on these machines.
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py|/_",
    "within_subsection_order": "gallery_order.ExampleOrder",
    "backreferences_dir": "gen_modules/backreferences",
    "doc_module": ("skmlp",),
    "download_all_examples": False,
    "remove_config_comments": True,
    "image_scrapers": ("matplotlib",),
    # A failing example fails the build (with -W, any warning does too).
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
    "show_memory": False,
    # Show what the examples print, not the repr of a display they return.
    "capture_repr": (),
    "min_reported_time": 1,
    "matplotlib_animations": False,
    "plot_gallery": "True",
}

# -- HTML ----------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"skmlp {release}"
html_static_path = ["_static"]
# Wide tables scroll inside their box, with a scroll bar that shows.
html_css_files = ["skmlp.css"]
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    # The performance page's tables need the whole width: no page table of
    # contents beside them (nor the section navigation, see html_sidebars).
    "secondary_sidebar_items": {
        "**": ["page-toc", "sourcelink"],
        "performance": [],
    },
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {"index": [], "performance": []}
html_show_sourcelink = True

# matplotlib must not try to open windows while the gallery runs.
os.environ.setdefault("MPLBACKEND", "agg")
