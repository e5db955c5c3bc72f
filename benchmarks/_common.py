"""Helpers shared by the benchmark scripts: timing, threads, memory, tables.

The scripts run as ``python benchmarks/bench_x.py``: Python puts
``benchmarks/`` first on the path, so ``import _common`` works. They benchmark
the skmlp the environment imports: the development build, an editable install
of this checkout (``pip install -e .``), is the one the tests run too;
:func:`environment_summary` prints where it comes from.
"""

import ctypes
import gc
import os
import platform
import resource
import statistics
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent

# Where the Debian/Ubuntu package dataset-fashion-mnist installs the IDX files.
FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"

FASHION_MNIST_HINT = (
    "install it with `apt-get install dataset-fashion-mnist` (Debian/Ubuntu), or "
    "download the four IDX files from https://github.com/zalandoresearch/"
    "fashion-mnist and pass their folder with --fashion-mnist DIR"
)

TORCH_HINT = "install a CPU build with `pip install torch==2.13.0`"


# ------------------------------------------------------------------ timing

# Pause before each timed call, so that the worker threads of whatever ran
# before (OpenBLAS spins its threads ~0.1 s after each call) stop competing
# for the CPUs. NumPy's and SciPy's OpenBLAS and PyTorch each have their own.
SETTLE_SECONDS = 0.2


def time_call(function, *args, **kwargs):
    """Seconds one call of ``function(*args, **kwargs)`` takes (wall clock)."""
    start = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - start


def time_repeats(function, repeats):
    """Wall-clock seconds of each of ``repeats`` calls of ``function()``."""
    return [time_call(function) for _ in range(repeats)]


def time_round_robin(functions, repeats, settle=None, on_round=None, idle_timeout=30.0):
    """Time several functions ``repeats`` times each, taking turns.

    A machine's speed drifts: other programs start, a shared host gets busy,
    clocks change. Running A, B, C, A, B, C, ... rather than A, A, ..., B,
    B, ... spreads such phases over every function instead of handicapping
    one. Each round starts with a different function, and waits for other
    programs to leave the CPUs alone first.

    Parameters
    ----------
    functions : dict of str to callable
        What to time, by name; each called without arguments.
    repeats : int
        Calls of each function.
    settle : dict of str to float, default=None
        Seconds to pause before each call of each function (see
        ``SETTLE_SECONDS``); none when None.
    on_round : callable, default=None
        Called with the round number (from 0) before each round.
    idle_timeout : float, default=30.0
        Longest wait, in seconds, for the machine to go idle before a round.

    Returns
    -------
    seconds : dict of str to list of float
        The wall-clock time of every call.
    other_load : dict of str to float
        The share of the CPU time other programs took during each function's
        calls (see :class:`OtherLoad`).
    """
    names = list(functions)
    settle = settle or {}
    seconds = {name: [] for name in names}
    loads = {name: OtherLoad() for name in names}
    for round_number in range(repeats):
        if on_round is not None:
            on_round(round_number)
        wait_for_idle_machine(timeout=idle_timeout)
        first = round_number % len(names)
        for name in names[first:] + names[:first]:
            time.sleep(settle.get(name, 0.0))
            with loads[name]:
                seconds[name].append(time_call(functions[name]))
    return seconds, {name: load.share for name, load in loads.items()}


def median(values):
    """Median of a sequence, NaN when it is empty or None."""
    return statistics.median(values) if values else float("nan")


# ----------------------------------------------------------------- threads


def default_threads():
    """CPUs this process may run on (the affinity mask, not the machine's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@contextmanager
def limit_threads(n_threads):
    """Run the block with every BLAS and OpenMP pool capped at ``n_threads``.

    This covers NumPy's and SciPy's OpenBLAS (skmlp calls SciPy's) and any
    OpenMP runtime; PyTorch's intra-op pool is set separately with
    ``torch.set_num_threads``.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=n_threads):
        yield


def import_torch():
    """The ``torch`` module, or None when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    return torch


# -------------------------------------------------------------- contention


def _machine_cpu_ticks():
    """(busy, total) clock ticks of all CPUs since boot, or None (not Linux)."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    # user nice system idle iowait irq softirq steal: idle and iowait are idle;
    # steal (the hypervisor running other guests) counts as busy elsewhere.
    total = sum(fields)
    return total - fields[3] - fields[4], total


def _own_cpu_ticks():
    """CPU time of this process (all threads), in clock ticks."""
    times = os.times()
    return (times.user + times.system) * os.sysconf("SC_CLK_TCK")


class OtherLoad:
    """Context manager measuring how busy other programs kept the CPUs.

    Use it around one block or several (it accumulates). ``share`` is the
    fraction of the machine's CPU time, over the blocks, that went to
    anything but this process (other programs, and steal time: the
    hypervisor running other guests): 0 on an idle machine. Timings taken
    while it is high are not to be trusted.
    """

    # The kernel counts CPU time in ticks (100 per second per CPU): below this
    # many, rounding alone could move the share by a few percent.
    MIN_TICKS = 100

    def __init__(self):
        self.other_ticks = 0.0
        self.total_ticks = 0

    @property
    def share(self):
        """Other programs' share of the CPU time; NaN where /proc/stat is
        unavailable or the blocks were too short to tell."""
        if self.total_ticks < self.MIN_TICKS:
            return float("nan")
        return min(max(self.other_ticks / self.total_ticks, 0.0), 1.0)

    def __enter__(self):
        self._machine = _machine_cpu_ticks()
        self._own = _own_cpu_ticks()
        return self

    def __exit__(self, *exc_info):
        machine = _machine_cpu_ticks()
        if machine is not None and self._machine is not None:
            busy = machine[0] - self._machine[0]
            self.total_ticks += machine[1] - self._machine[1]
            self.other_ticks += busy - (_own_cpu_ticks() - self._own)
        return False


def wait_for_idle_machine(max_share=0.1, window=0.3, timeout=60.0):
    """Wait until other programs leave the CPUs alone, for at most ``timeout`` s.

    Returns
    -------
    idle : bool or None
        True once other programs took less than ``max_share`` of the CPU time
        over a ``window``-second interval, False on timeout, None where the
        load cannot be measured.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with OtherLoad() as load:
            time.sleep(window)
        if load.total_ticks == 0:
            return None
        if load.other_ticks < max_share * load.total_ticks:
            return True
    return False


# ------------------------------------------------------------------ memory


def _proc_status_kb(field):
    """A ``kB`` field of /proc/self/status (Linux), or None."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak_rss():
    """Reset the kernel's resident-set high-water mark; False if not possible.

    Writing 5 to /proc/self/clear_refs (Linux >= 4.0) resets VmHWM, so the
    peak of each benchmarked method is measured from its own start rather
    than hidden under an earlier, larger one.
    """
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return _proc_status_kb("VmHWM") is not None


class PeakMemory:
    """Context manager measuring the peak resident memory a block adds.

    ``mb`` is the highest resident set size reached inside the block minus
    the resident size at its start, in MiB: what the block allocated and
    touched at its worst moment (data created before it is not counted).
    Where the high-water mark cannot be reset (not Linux), it falls back to
    the growth of ``getrusage``'s ``ru_maxrss``, which stays at 0 when an
    earlier peak was higher; ``exact`` tells which was used.
    """

    def __enter__(self):
        gc.collect()
        _release_free_heap()
        self.exact = _reset_peak_rss()
        if self.exact:
            self._start_kb = _proc_status_kb("VmRSS")
        else:
            self._start_kb = _maxrss_kb()
        self.mb = float("nan")
        return self

    def __exit__(self, *exc_info):
        end_kb = _proc_status_kb("VmHWM") if self.exact else _maxrss_kb()
        self.mb = max(end_kb - self._start_kb, 0) / 1024
        return False


def _release_free_heap():
    """Give memory freed earlier back to the OS (glibc only; no-op elsewhere).

    Otherwise what earlier code freed stays resident in the C heap, the block
    reuses it, and its allocations never show in the resident set size.
    """
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (AttributeError, OSError):
        pass


def _maxrss_kb():
    """Peak resident set size of this process so far, in kB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # macOS reports bytes, Linux kilobytes.
    return peak / 1024 if platform.system() == "Darwin" else peak


# ------------------------------------------------------------------- GEMMs


def gemm_floor_epoch(n_units, n_samples, batch_size, dtype, blas="numpy", seed=0):
    """A function running the matrix products of one epoch of backpropagation.

    One training step of an MLP with layer sizes ``n_units`` (input first)
    needs ``3 * n_layers - 1`` matrix products: ``A[l] @ W[l]`` forward for
    every layer, then backward ``A[l].T @ D[l + 1]`` (the weight gradient)
    for every layer and ``D[l + 1] @ W[l].T`` (the deltas) for every layer
    but the first. The returned function runs them into arrays preallocated
    here, for each minibatch of an epoch (the last one partial), and nothing
    else: no activations, loss, update or row gathering. Its time is a floor
    for any implementation that calls that BLAS for these products.

    Parameters
    ----------
    n_units : sequence of int
        Units per layer, input features first, classes last.
    n_samples : int
        Training samples per epoch.
    batch_size : int
        Samples per minibatch.
    dtype : numpy dtype
        float32 or float64.
    blas : {"numpy", "scipy"}, default="numpy"
        ``"numpy"`` calls ``np.matmul(..., out=...)``, so NumPy's BLAS;
        ``"scipy"`` calls ``scipy.linalg.blas`` ``sgemm``/``dgemm`` in place,
        so SciPy's BLAS. Wheels of the two may bundle different OpenBLAS
        builds; skmlp's engine calls NumPy's where it can
        (:mod:`skmlp._engine._blas_provider`).
    seed : int, default=0
        Seeds the (random) contents of the arrays.

    Returns
    -------
    epoch : callable
        Runs one epoch's products; takes no arguments.
    """
    n_full, remainder = divmod(n_samples, batch_size)
    rng = np.random.default_rng(seed)
    weights = [
        (rng.standard_normal((n_in, n_out)) / np.sqrt(n_in)).astype(dtype)
        for n_in, n_out in zip(n_units[:-1], n_units[1:], strict=True)
    ]
    full = _gemm_buffers(n_units, weights, batch_size, dtype, rng)
    partial = _gemm_buffers(n_units, weights, remainder, dtype, rng)
    if blas == "numpy":
        step = _numpy_gemm_step
    else:
        from scipy.linalg import blas as scipy_blas

        gemm = scipy_blas.sgemm if np.dtype(dtype) == np.float32 else scipy_blas.dgemm

        def step(*buffers):
            _scipy_gemm_step(gemm, *buffers)

    def epoch():
        for _ in range(n_full):
            step(weights, *full)
        if remainder:
            step(weights, *partial)

    return epoch


def _gemm_buffers(n_units, weights, n_rows, dtype, rng):
    """Activations, deltas and weight gradients for minibatches of n_rows."""
    activations = [rng.random((n_rows, n)).astype(dtype) for n in n_units]
    deltas = [rng.standard_normal((n_rows, n)).astype(dtype) for n in n_units]
    gradients = [np.empty_like(w) for w in weights]
    return activations, deltas, gradients


def _numpy_gemm_step(weights, activations, deltas, gradients):
    """The matrix products of one forward and backward pass, with np.matmul."""
    for l, w in enumerate(weights):
        np.matmul(activations[l], w, out=activations[l + 1])
    for l in range(len(weights) - 1, -1, -1):
        np.matmul(activations[l].T, deltas[l + 1], out=gradients[l])
        if l > 0:
            np.matmul(deltas[l + 1], weights[l].T, out=deltas[l])


def _scipy_gemm_step(gemm, weights, activations, deltas, gradients):
    """The same products with SciPy's gemm, writing in place.

    SciPy's BLAS is column-major; the transpose of a row-major array is a
    column-major view of it, so ``C = A @ B`` is computed as
    ``C.T = B.T @ A.T`` on those views, as skmlp's engine does.
    """
    for l, w in enumerate(weights):
        a, out = activations[l], activations[l + 1]
        gemm(1.0, w.T, a.T, c=out.T, overwrite_c=1)
    for l in range(len(weights) - 1, -1, -1):
        a, d = activations[l], deltas[l + 1]
        # gradient A.T @ D, as its transpose D.T @ A
        gemm(1.0, d.T, a.T, trans_b=1, c=gradients[l].T, overwrite_c=1)
        if l > 0:
            # delta D @ W.T, as its transpose W @ D.T
            gemm(1.0, weights[l].T, d.T, trans_a=1, c=deltas[l].T, overwrite_c=1)


# ------------------------------------------------------------------ output


def format_table(headers, rows):
    """A plain-text table: left-aligned first column, right-aligned others.

    Parameters
    ----------
    headers : sequence of str
    rows : sequence of sequence of str
        Cells already formatted; one sequence per row, ``len(headers)`` long.

    Returns
    -------
    table : str
    """
    columns = zip(headers, *rows, strict=True)
    widths = [max(len(str(cell)) for cell in column) for column in columns]

    def line(cells):
        first = str(cells[0]).ljust(widths[0])
        rest = [str(c).rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


def format_number(value, spec, missing="-"):
    """``format(value, spec)``, or ``missing`` for None and NaN."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return missing
    return format(value, spec)


def environment_summary(n_threads, torch=None):
    """CPU and threads; which BLAS (and kernels) each package uses; versions."""
    import scipy
    import sklearn
    from threadpoolctl import threadpool_info

    import skmlp
    from skmlp._engine._blas import PROVIDER

    blas_infos = [info for info in threadpool_info() if info["user_api"] == "blas"]
    blas = sorted(
        f"BLAS of {_owner(info['filepath'])}: {info['internal_api']} "
        f"{info.get('version')}"
        + (f", {info['architecture']} kernels" if info.get("architecture") else "")
        + (" (the one skmlp calls)" if info["filepath"] == PROVIDER.filepath else "")
        for info in blas_infos
    )
    versions = [
        f"skmlp {skmlp.__version__} (from {Path(skmlp.__file__).parent})",
        f"numpy {np.__version__}",
        f"scipy {scipy.__version__}",
        f"scikit-learn {sklearn.__version__}",
    ]
    if torch is not None:
        versions.append(f"torch {torch.__version__}")
    lines = [
        f"{_cpu_name()}, {n_threads} thread(s), Python {platform.python_version()}",
        *(blas or ["BLAS: ?"]),
        ", ".join(versions),
    ]
    # Machines may pin OpenBLAS's kernels (these set OPENBLAS_CORETYPE=Haswell).
    coretype = os.environ.get("OPENBLAS_CORETYPE")
    if coretype:
        lines.append(f"OPENBLAS_CORETYPE={coretype}")
    return "\n".join(lines)


def blas_kernels():
    """The kernel family of the BLAS skmlp's engine calls (NumPy's OpenBLAS,
    or SciPy's: ``"Haswell"``, ``"SkylakeX"``, ...), or None where it does
    not say."""
    from threadpoolctl import threadpool_info

    from skmlp._engine._blas import PROVIDER

    kernels = [
        info.get("architecture")
        for info in threadpool_info()
        if info["user_api"] == "blas" and info["filepath"] == PROVIDER.filepath
    ]
    return kernels[0] if kernels and kernels[0] else None


def host_summary():
    """The machine in a few words, as the results file records it: the CPU
    and the kernels of the BLAS skmlp calls."""
    text = f"a {os.cpu_count()}-core {_cpu_name()}"
    kernels = blas_kernels()
    if kernels:
        text += f" (OpenBLAS's {kernels} kernels)"
    return text


def _owner(library_path):
    """The package a wheel-bundled shared library came with (numpy.libs/...)."""
    parts = Path(library_path).parts
    for part in reversed(parts[:-1]):
        if part.endswith(".libs"):
            return part.removesuffix(".libs")
        if part not in ("lib", "lib64"):
            return part
    return "?"


def _cpu_name():
    """The CPU's model name, as well as the platform tells."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_fashion_images(fashion_dir, n_images):
    """The first ``n_images`` of Fashion-MNIST's training images as float32
    in [0, 1], their labels, and where they come from: random pixels and
    labels where ``fashion_dir`` is not a folder (timings only)."""
    from skmlp.datasets import load_mnist

    if Path(fashion_dir).is_dir():
        X, y = load_mnist(fashion_dir, subset="train", return_X_y=True)
        X = np.ascontiguousarray(X[:n_images], dtype=np.float32)
        return X, y[:n_images], "Fashion-MNIST"
    rng = np.random.default_rng(0)
    X = rng.random((n_images, 784), dtype=np.float32)
    return X, rng.integers(0, 10, n_images), "random pixels"
