"""Every code example of the documentation runs.

- The examples in the package's docstrings run as doctests, module by module.
- Every ```` ```python ```` block of ``README.md`` and of the site's Markdown
  pages (``docs/**/*.md``) runs, in the order of its document and in one
  namespace per document, in a fresh interpreter per document, as a reader
  would paste them one after the other (``tests/doc_blocks.py``). They
  run in an empty temporary folder holding the image files the examples name
  (``drawn_digit.png``, ...), with ``HOME`` pointing to a temporary home whose
  ``~/data/mnist`` is a small MNIST-format folder (IDX files made from
  ``load_digits``, upsampled to 28 x 28).
- A block that cannot run here is skipped only when the line right before its
  opening fence is ``<!-- skip-test: REASON -->`` (invisible once rendered),
  REASON saying what it needs, e.g. ``needs a Ray cluster``; a block that
  only works first in a session (``import skl2onnx`` before ``skmlp``) starts
  a new interpreter after ``<!-- fresh-interpreter: REASON -->``.

The gallery (``examples/plot_*.py``) runs in the documentation build
(``bash .ci/docs``), whose warnings are errors.
"""

import doctest
import importlib
import pkgutil
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from doc_blocks import code_blocks, python_sessions, run_python_blocks
from small_mnist import write_small_mnist

import skmlp

ROOT = Path(__file__).resolve().parent.parent
RUNNER = Path(__file__).resolve().parent / "doc_blocks.py"


# -------------------------------------------------- the examples' world


def write_painted_digit(path, digit, ink=(0, 0, 0), paper=(255, 255, 255)):
    """``digit`` (28 x 28, light on dark, 0-255) as a paint program's picture:
    dark ink on a 320 x 240 canvas, smaller than it and off centre."""
    from PIL import Image

    strokes = Image.fromarray(digit).resize((140, 140), Image.Resampling.BICUBIC)
    amount = np.asarray(strokes, dtype=float)[..., None] / 255.0
    canvas = np.empty((240, 320, 3))
    canvas[:] = paper
    canvas[40:180, 60:200] = amount * np.array(ink) + (1 - amount) * np.array(paper)
    Image.fromarray(np.round(canvas).astype(np.uint8)).save(path)


@pytest.fixture
def documentation_world(tmp_path, monkeypatch):
    """The folder and home the documentation's examples expect.

    Working directory: an empty folder holding ``drawn_digit.png`` (a 7) and
    ``photo_of_a_three.jpg``. ``HOME``: a folder whose ``data/mnist`` is a
    small MNIST-format folder. matplotlib draws off screen (``MPLBACKEND``).
    """
    home = tmp_path / "home"
    pixels, labels = write_small_mnist(home / "data" / "mnist")
    work = tmp_path / "work"
    work.mkdir()
    seven = pixels[np.flatnonzero(labels == 7)[0]]
    three = pixels[np.flatnonzero(labels == 3)[0]]
    write_painted_digit(work / "drawn_digit.png", seven)
    write_painted_digit(
        work / "photo_of_a_three.jpg", three, (30, 30, 90), (220, 210, 190)
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(work)
    return work


# ------------------------------------------------------------- documents


def markdown_documents():
    """README.md and the site's Markdown pages that hold Python blocks."""
    documents = [ROOT / "README.md"]
    docs = ROOT / "docs"
    if docs.is_dir():
        documents += sorted(
            path
            for path in docs.rglob("*.md")
            if "_build" not in path.relative_to(docs).parts
        )
    return [
        path.relative_to(ROOT)
        for path in documents
        if any(
            block.is_python for block in code_blocks(path.read_text(encoding="utf-8"))
        )
    ]


@pytest.mark.parametrize("document", markdown_documents(), ids=str)
def test_markdown_code_blocks_run(document, documentation_world):
    """The document's Python blocks run, each session in a fresh interpreter
    (so that import order is the one the document shows), in its world."""
    sessions = python_sessions((ROOT / document).read_text(encoding="utf-8"))
    for number, session in enumerate(sessions):
        result = subprocess.run(
            [sys.executable, str(RUNNER), str(ROOT / document), str(number)],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, result.stderr[-5000:]
        n_skipped = sum(block.skip_reason is not None for block in session)
        ran = f"ran {len(session) - n_skipped}, skipped {n_skipped}"
        assert result.stdout.splitlines()[-1] == ran, result.stdout[-2000:]


# What a test machine lacks, by the module a block imports: the only blocks
# that may carry <!-- skip-test: ... -->. Extend it knowingly.
UNAVAILABLE = {
    "ray": "a Ray cluster (ray is not a test dependency)",
    "torch": "a CUDA GPU (and PyTorch, which is not a test dependency)",
}


def test_only_blocks_that_need_what_tests_lack_are_skipped():
    skipped = []
    for document in markdown_documents():
        text = (ROOT / document).read_text(encoding="utf-8")
        skipped += [
            (document, block)
            for block in code_blocks(text)
            if block.is_python and block.skip_reason is not None
        ]
    for document, block in skipped:
        imported = re.findall(r"^(?:import|from) (\w+)", block.source, re.MULTILINE)
        assert set(imported) & set(UNAVAILABLE), (
            f"{document}:{block.line} is skipped ({block.skip_reason}) but imports "
            f"nothing a test machine lacks ({sorted(UNAVAILABLE)}): make it run"
        )


def test_readme_has_python_examples():
    blocks = code_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    assert sum(block.is_python for block in blocks) >= 3


def test_readme_links_lead_to_files_of_the_repository():
    """The README is read on a forge, outside the site: its relative links
    (into docs/, pictures) must name files that exist. The site's own links
    are checked by its build."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    relative = [
        target.split("#", 1)[0]
        for target in targets
        if not re.match(r"[a-z]+:", target) and not target.startswith("#")
    ]
    assert any(target.startswith("docs/user_guide/") for target in relative)
    missing = sorted({target for target in relative if not (ROOT / target).is_file()})
    assert not missing, f"README.md links to files that do not exist: {missing}"


# ------------------------------------------------ the runner's own checks


def test_code_blocks_finds_languages_lines_and_skip_markers():
    text = (
        "# Title\n"
        "```python\n"
        "x = 1\n"
        "```\n"
        "\n"
        "<!-- skip-test: needs a Ray cluster -->\n"
        "```python\n"
        "import ray\n"
        "```\n"
        "```bash\n"
        "skmlp\n"
        "```\n"
        "- item:\n"
        "\n"
        "  ```python\n"
        "  y = 2\n"
        "  ```\n"
    )
    blocks = code_blocks(text)
    assert [block.language for block in blocks] == [
        "python",
        "python",
        "bash",
        "python",
    ]
    assert [block.line for block in blocks] == [2, 7, 10, 15]
    assert [block.skip_reason for block in blocks] == [
        None,
        "needs a Ray cluster",
        None,
        None,
    ]
    assert blocks[3].source == "y = 2\n"


def test_a_failing_block_fails_with_its_file_and_line(tmp_path):
    document = tmp_path / "page.md"
    document.write_text(
        "```python\nx = 1\n```\n\nText.\n\n```python\nx = undefined\n```\n"
    )
    with pytest.raises(AssertionError, match=r"page\.md:7.*NameError"):
        run_python_blocks(document)


def test_blocks_share_one_namespace_and_skip_only_marked_blocks(tmp_path):
    document = tmp_path / "page.md"
    document.write_text(
        "```python\nx = 1\n```\n"
        "<!-- skip-test: needs a cluster -->\n"
        "```python\nraise RuntimeError\n```\n"
        "```python\nassert x == 1\n```\n"
    )
    assert run_python_blocks(document) == (2, ["needs a cluster"])


def test_the_small_mnist_folder_loads(tmp_path):
    from skmlp.datasets import load_mnist

    write_small_mnist(tmp_path / "mnist")
    X, y = load_mnist(tmp_path / "mnist", return_X_y=True)
    X_test, y_test = load_mnist(tmp_path / "mnist", subset="test", return_X_y=True)
    assert X.shape == (1500, 784) and X_test.shape == (297, 784)
    assert X.dtype == np.float32 and 0.0 <= X.min() and X.max() == 1.0
    assert set(np.unique(y)) == set(range(10))


# ---------------------------------------------------------- docstrings


def package_modules():
    names = [skmlp.__name__]
    for module in pkgutil.walk_packages(skmlp.__path__, prefix="skmlp."):
        if module.name.rsplit(".", 1)[-1] != "__main__":  # importing it runs the CLI
            names.append(module.name)
    return sorted(names)


def modules_with_examples():
    finder = doctest.DocTestFinder(exclude_empty=True)
    found = []
    for name in package_modules():
        module = importlib.import_module(name)
        if any(test.examples for test in finder.find(module, name)):
            found.append(name)
    return found


@pytest.mark.parametrize("module_name", modules_with_examples())
def test_docstring_examples(module_name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    module = importlib.import_module(module_name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    report = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=Warning)
        for test in finder.find(module, module_name):
            # The finder keeps to the module's own objects: names it
            # imports are tested in the modules that define them.
            if test.examples:
                runner.run(test, out=report.append)
    import matplotlib.pyplot as plt

    plt.close("all")
    assert runner.failures == 0, "".join(report)
    assert runner.tries > 0


def public_names():
    """``module.name`` of every public name skmlp defines (scikit-learn's
    re-exported ``ConfusionMatrixDisplay`` is documented by scikit-learn)."""
    from skmlp import augmentation, datasets, plotting, preprocessing, utils

    names = set()
    for module in (skmlp, datasets, preprocessing, augmentation, plotting, utils):
        for name in module.__all__:
            obj = getattr(module, name)
            if name.startswith("__") or getattr(obj, "__module__", "").startswith(
                "sklearn"
            ):
                continue
            names.add(f"{module.__name__}.{name}")
    return names


def api_reference_names(text):
    """``module.name`` of every entry of the autosummary tables of an
    ``api.rst``, each under the ``currentmodule`` before it."""
    names, module, in_table = set(), None, False
    for line in text.splitlines():
        directive = re.match(r"\.\. currentmodule:: (\S+)", line)
        if directive:
            module = directive.group(1)
        if line.startswith(".. autosummary::"):
            in_table = True
        elif in_table and line and not line.startswith(" "):
            in_table = False
        elif in_table and re.match(r"   \w+$", line):
            names.add(f"{module}.{line.strip()}")
    return names


def test_api_reference_lists_every_public_name():
    listed = api_reference_names((ROOT / "docs" / "api.rst").read_text("utf-8"))
    public = public_names()
    assert not public - listed, f"missing from docs/api.rst: {sorted(public - listed)}"
    assert not listed - public, f"not public, yet in docs/api.rst: {listed - public}"


def test_api_reference_names_reads_autosummary_tables():
    text = (
        ".. currentmodule:: pkg\n\n"
        ".. autosummary::\n"
        "   :toctree: generated/\n\n"
        "   First\n"
        "   Second\n\n"
        "Prose that is not a table.\n\n"
        ".. currentmodule:: pkg.sub\n\n"
        ".. autosummary::\n"
        "   :nosignatures:\n\n"
        "   third\n"
    )
    assert api_reference_names(text) == {"pkg.First", "pkg.Second", "pkg.sub.third"}


def test_every_public_name_has_a_docstring_example():
    missing = []
    for qualified in sorted(public_names()):
        module, name = qualified.rsplit(".", 1)
        if ">>>" not in (getattr(importlib.import_module(module), name).__doc__ or ""):
            missing.append(qualified)
    assert not missing, f"public names without an Examples section: {missing}"


# ------------------------------------------------------- one source each


def _benchmarks_module(name):
    """A module of benchmarks/ (not a package), imported by file."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))


def test_published_numbers_are_those_of_the_results_file():
    """README.md, docs/index.md and docs/performance.md show what
    benchmarks/results.json renders, region by region."""
    publish = _benchmarks_module("publish_results")
    stale = publish.stale_pages()
    assert not stale, (
        f"{stale} differ from benchmarks/results.json: run "
        "python benchmarks/publish_results.py"
    )


def test_a_changed_result_shows_on_every_page(tmp_path):
    """The check can fail: one number changed in the results file changes
    the README, the home page and the performance page alike."""
    import json

    publish = _benchmarks_module("publish_results")
    results = json.loads((ROOT / "benchmarks" / "results.json").read_text("utf-8"))
    for row in results["train"]["latest"]["rows"]:
        if row["scenario"] == 1 and row["threads"] == 1:
            row["speedup"]["sklearn"] = 1.23
    changed = tmp_path / "results.json"
    changed.write_text(json.dumps(results), encoding="utf-8")
    assert sorted(publish.stale_pages(results_file=changed)) == [
        "README.md",
        "docs/index.md",
        "docs/performance.md",
    ]
    page = (ROOT / "docs" / "index.md").read_text("utf-8")
    assert "1.23× to" in publish.render_regions(page, results)


def test_a_page_without_its_regions_is_refused():
    publish = _benchmarks_module("publish_results")
    results = publish.load_results()
    with pytest.raises(ValueError, match=r"^results regions missing: index-speed$"):
        publish.render_regions("no regions here\n", results, ["index-speed"])
    with pytest.raises(ValueError, match=r"^unknown results region 'nope'$"):
        publish.render_regions("<!-- results: nope -->\n<!-- /results -->\n", results)


def _plain(text):
    """Markdown as words: no code marks or emphasis, one space between."""
    return " ".join(text.replace("`", "").replace("**", "").split())


_ALL_KINDS = [
    ".skops",
    ".joblib",
    "checkpoints",
    "mnist.pkl.gz",
    "IDX files and images",
]


@pytest.mark.parametrize(
    "document, kinds",
    [
        ("README.md", _ALL_KINDS),
        ("docs/user_guide/persistence.md", _ALL_KINDS),
        ("docs/user_guide/cli.md", [".skops", ".joblib", "checkpoints"]),
        ("docs/user_guide/checkpoints.md", ["checkpoints"]),
        ("docs/user_guide/mnist.md", ["mnist.pkl.gz"]),
    ],
)
def test_documents_say_what_help_says_about_each_file(document, kinds):
    """What each kind of file can do when loaded is said once, in
    skmlp/cli/_file_trust.py, which --help prints: the README and the guides
    repeat it word for word."""
    from skmlp.cli._file_trust import LOADING

    text = _plain((ROOT / document).read_text("utf-8"))
    for kind in kinds:
        assert _plain(LOADING[kind]) in text, f"{document}: {kind}"


def test_help_says_what_each_file_can_do(capsys):
    from skmlp.cli import main
    from skmlp.cli._file_trust import LOADING

    assert main(["--help"]) == 0
    said = _plain(capsys.readouterr().out)
    for sentence in LOADING.values():
        assert _plain(sentence) in said
    assert "pickles, which run code" not in said


def test_every_list_of_image_formats_is_the_readers():
    """Each paragraph of the README and the guides that lists the image
    formats lists skmlp._images.FORMAT_NAMES, as --help and the reader's
    errors do."""
    from skmlp._images import FORMAT_NAMES

    documents = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    listing = 0
    for document in documents:
        if "_build" in document.parts:
            continue
        for paragraph in document.read_text("utf-8").split("\n\n"):
            if "TIFF" in paragraph:
                listing += 1
                assert FORMAT_NAMES in _plain(paragraph.replace("#", "")), (
                    f"{document.relative_to(ROOT)}: {paragraph[:200]}"
                )
    assert listing >= 4


def test_readme_and_mnist_guide_say_where_mnist_comes_from():
    for document in ("README.md", "docs/user_guide/mnist.md"):
        text = _plain((ROOT / document).read_text("utf-8"))
        assert "skmlp never downloads anything" in text, document
        assert "Yann LeCun's MNIST page" in text, document
        assert "http://yann.lecun.com/exdb/mnist/" in text, document


def test_recipe_timings_keep_the_last_runs_and_render_their_range(tmp_path):
    """bench_mnist_recipes --time-on --results adds each run to its recipe's
    runs on the kernels it ran on (the last KEPT_RUNS), and the recipes page
    shows their range: the two-thread phases, not one lucky run."""
    from types import SimpleNamespace

    recipes = _benchmarks_module("bench_mnist_recipes")
    publish = _benchmarks_module("publish_results")
    results_file = tmp_path / "results.json"
    for recipe in ("3min", "30min"):
        args = SimpleNamespace(recipe=recipe, results=results_file)
        for seconds in range(1, recipes.KEPT_RUNS + 3):
            recipes.record_time(args, float(seconds), 3, 40.0 * seconds, 0.0)
    results = publish.load_results(results_file)
    (family,) = results["recipes"]["mnist_time"]["3min"].values()
    kept = [run["seconds_per_epoch"] for run in family["runs"]]
    assert kept == [float(s) for s in range(3, recipes.KEPT_RUNS + 3)]
    text = _plain(publish.recipes_mnist_time(results))
    assert f"3.00–{recipes.KEPT_RUNS + 2:.2f} s on OpenBLAS's" in text
    assert f"120–{40 * (recipes.KEPT_RUNS + 2)} s projected for its 40 epochs" in text
    assert "against 180 s" in text and "against 1,800 s" in text
