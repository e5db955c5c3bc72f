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
# The gallery's order (sphinx-gallery imports it by name).
sys.path.insert(0, str(DOCS / "_ext"))

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
numpydoc_xref_param_type = False


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


def setup(app):
    app.connect("autodoc-process-docstring", _plain_sklearn_references)
    app.connect("autodoc-process-docstring", _escaped_attribute_shapes)


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
html_static_path = []
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {"index": []}
html_show_sourcelink = True

# matplotlib must not try to open windows while the gallery runs.
os.environ.setdefault("MPLBACKEND", "agg")
