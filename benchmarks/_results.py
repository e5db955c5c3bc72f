"""The results file: the numbers the README and the site show, in one place.

``benchmarks/results.json`` holds the latest measured speed-ups, times and
accuracies. The benchmarks write their part of it when run with ``--results
benchmarks/results.json`` (never by default: a ``--quick`` run or a run on a
busy laptop must not replace the published numbers unless asked);
``publish_results.py`` renders it into the README, the site's index and its
performance page.
"""

import json
import os
import tempfile
from pathlib import Path

RESULTS_FILE = Path(__file__).resolve().parent / "results.json"


def load_results(path=RESULTS_FILE):
    """The results file as a dict."""
    with open(path, encoding="utf-8") as file:
        return json.load(file)


def record_results(path, keys, value):
    """Store ``value`` at ``results[keys[0]][keys[1]]...`` in the file
    ``path``, keeping everything else it holds; written atomically.

    Parameters
    ----------
    path : str or Path
        The results file (created if missing).
    keys : sequence of str
        Where the value goes, e.g. ``("search", "latest")``.
    value : dict, list, str or number
        What a benchmark measured, JSON-serialisable.
    """
    path = Path(path)
    results = load_results(path) if path.exists() else {}
    node = results
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    node[keys[-1]] = value
    text = json.dumps(results, indent=2, ensure_ascii=False) + "\n"
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
    os.replace(temporary, path)
    print(f"Recorded {'.'.join(keys)} in {path}")


def add_results_argument(parser):
    """``--results FILE``: record this run's numbers in FILE."""
    parser.add_argument(
        "--results",
        type=Path,
        default=None,
        metavar="FILE",
        help="record this run's numbers in FILE (the published ones: "
        "benchmarks/results.json, then python benchmarks/publish_results.py); "
        "default: record nothing",
    )
