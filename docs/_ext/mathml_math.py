"""Math rendered when the site is built: LaTeX to MathML, no JavaScript.

Sphinx's default math renderer, MathJax, loads a script from a CDN when a
page is opened: read offline, the formulas show as raw LaTeX. This renderer
converts each formula to MathML with ``latex2mathml`` at build time, which
browsers draw natively, online or not. ``conf.py`` selects it with
``html_math_renderer = "mathml"``.
"""

from docutils import nodes
from latex2mathml.converter import convert
from sphinx.util.math import get_node_equation_number


def _mathml(latex, display):
    return convert(latex.strip(), display=display)


def visit_math(self, node):
    self.body.append(
        f'<span class="math notranslate">{_mathml(node.astext(), "inline")}</span>'
    )
    raise nodes.SkipNode


def visit_displaymath(self, node):
    if node["nowrap"]:
        latex = node.astext()
    else:
        latex = " \\\\ ".join(part.strip() for part in node.astext().split("\n\n"))
    self.body.append(self.starttag(node, "div", CLASS="math notranslate"))
    if node["number"]:
        number = get_node_equation_number(self, node)
        self.body.append(f'<span class="eqno">({number})</span>')
    self.body.append(_mathml(latex, "block"))
    self.body.append("</div>\n")
    raise nodes.SkipNode


def setup(app):
    app.add_html_math_renderer(
        "mathml",
        inline_renderers=(visit_math, None),
        block_renderers=(visit_displaymath, None),
    )
    return {"parallel_read_safe": True, "parallel_write_safe": True}
