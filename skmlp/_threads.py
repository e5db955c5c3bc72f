"""How many BLAS threads a fit uses, and leaving BLAS as the fit found it.

The policy, as the user guide states it (docs/user_guide/threads.md):

1. A fit runs its matrix products on one BLAS thread, unless each minibatch
   step does enough work for two threads to pay off
   (:data:`MULTI_THREAD_FLOPS`), it is the only skmlp fit running in the
   process, and the machine has a core to spare (no other program's threads
   waiting for one; checked as the fit starts and at every epoch). It never
   asks for more threads than BLAS had when it started, so a limit the user
   set (``threadpool_limits``, ``OPENBLAS_NUM_THREADS``) holds inside the
   fit.
   Predictions follow the same rules, their products judged as those of a
   training step of one chunk of rows (``MLPDigitClassifier._forward``).
2. skmlp changes only the BLAS it calls (NumPy's OpenBLAS, or SciPy's BLAS:
   :mod:`skmlp._engine._blas_provider`), only while fits run, and
   when the last running fit ends, in whatever thread, it puts back the
   count the first one found — unless somebody else changed the count in
   the meantime, whose setting then stands. Somebody else is also a thread
   that entered a ``threadpool_limits`` block after the fits started, even
   one setting the count skmlp had set (no change to see): threadpoolctl
   lets one thread at a time control OpenBLAS's process-wide pool, and while
   a thread other than the one in control when the fits started holds it,
   skmlp leaves the count alone, so the user's limit stays in force until
   their block exits. (The block then puts back the count it found: skmlp's,
   if the fits were still running when it started.)
3. Why one thread so often: OpenBLAS's worker threads spin while they wait
   for work. A minibatch step of a small network is a few short products,
   each a hand-off between threads: with two threads such fits were never
   faster, and on a machine whose cores are busy with other programs the
   waiting threads made an epoch up to 78 times slower. Larger steps gain
   from a second thread only if it gets a core of its own.

OpenBLAS keeps one thread count per process (``openblas_set_num_threads_local``
is process-wide too), so fits running at the same time share one setting:
a registry of the running fits decides it, under a lock.
"""

import ctypes
import itertools
import os
import threading
import time
from contextlib import contextmanager

from threadpoolctl import ThreadpoolController

# Floating-point operations per minibatch step from which a lone fit keeps
# BLAS's own thread count. Measured on these 2-core machines
# (benchmarks/bench_contention.py): the tutorial's 784-500-10 network at
# batch 20 (4.8e7 per step) ran faster on one thread; at batch 128 (3.1e8)
# on two.
MULTI_THREAD_FLOPS = 1.5e8

_lock = threading.Lock()
_running = {}  # fit token -> True if that fit would use several threads
_baseline = None  # the thread count found when the first running fit started
_applied = None  # the count skmlp set, or None if it set none
_owner = None  # the thread controlling OpenBLAS through threadpoolctl then
_libraries = None


def flops_per_step(coef_shapes, batch_size):
    """Floating-point operations of one training step's matrix products."""
    return 6.0 * batch_size * sum(n_in * n_out for n_in, n_out in coef_shapes)


@contextmanager
def blas_threads_for_fit(flops):
    """Context of one fit doing ``flops`` operations per minibatch step (or of
    one prediction, whose chunks make the products of such a step).

    Yields a function the fit calls between epochs to look at the machine's
    load again (a busy neighbour may have started or stopped).
    """
    global _baseline, _applied, _owner
    token = object()
    eligible = flops >= MULTI_THREAD_FLOPS

    def recheck():
        wants_more = eligible and has_spare_core()
        with _lock:
            if _running.get(token) != wants_more:
                _running[token] = wants_more
                _apply()

    with _lock:
        if not _running:
            _baseline = _get_threads()
            _applied = None
            _owner = _threadpoolctl_owner()
        _running[token] = eligible and has_spare_core()
        _apply()
    try:
        yield recheck
    finally:
        with _lock:
            del _running[token]
            if _running:
                _apply()
            else:
                if (
                    _applied is not None
                    and _get_threads() == _applied
                    and not _taken_over()
                ):
                    _set_threads(_baseline)
                _baseline = _applied = _owner = None


# OpenBLAS runs a GEMM whose M * N * K is at most this on the calling thread,
# whatever its thread count: 65536 * GEMM_MULTITHREAD_THRESHOLD, whose
# default (4) the wheels of NumPy and SciPy keep (interface/gemm.c).
SINGLE_THREAD_GEMM_SIZE = 65536 * 4


@contextmanager
def _nothing_to_decide():
    yield lambda: None


def blas_threads_for_prediction(coef_shapes, chunk_rows):
    """Context of a prediction whose chunks of ``chunk_rows`` rows go through
    layers of these weight shapes: :func:`blas_threads_for_fit`'s, unless
    every product is one OpenBLAS runs on one thread anyway, when the policy
    has nothing to decide and costs nothing (a one-row prediction spent half
    its time reading and setting the thread count)."""
    if all(
        chunk_rows * n_in * n_out <= SINGLE_THREAD_GEMM_SIZE
        for n_in, n_out in coef_shapes
    ):
        return _nothing_to_decide()
    return blas_threads_for_fit(flops_per_step(coef_shapes, chunk_rows))


# How often, and how far apart, has_spare_core counts the runnable threads:
# one count is a snapshot that a passing process (a cron job, the kernel's
# own threads) can catch, and an epoch of a large network then ran on one
# thread at half speed (784-500-10 at batch 128: 1.3 s instead of 0.63 s, in
# one fit start of three on an idle machine).
SPARE_CORE_SAMPLES = 3
SPARE_CORE_INTERVAL = 0.001  # seconds


def has_spare_core():
    """Whether a second BLAS thread would get a core of its own right now.

    Counts the threads the kernel could run (``procs_running`` of
    ``/proc/stat``, a snapshot, unlike the load average's minute-long
    memory), less this process's own, plus one for the thread asking;
    ``SPARE_CORE_SAMPLES`` counts ``SPARE_CORE_INTERVAL`` apart, the least
    of them: a machine is busy when others keep its cores busy, not when one
    count catches a passing process. Where ``/proc`` is missing (not Linux),
    assumes a spare core, as BLAS itself does.
    """
    cores = os.cpu_count() or 1
    for sample in range(SPARE_CORE_SAMPLES):
        if sample:
            time.sleep(SPARE_CORE_INTERVAL)
        others = _other_running_threads()
        if others is None or others + 1 < cores:
            return True
    return False


def _other_running_threads():
    """Runnable threads of other processes now, or None where ``/proc``
    cannot tell."""
    try:
        with open("/proc/stat", "rb") as stat:
            for line in stat:
                if line.startswith(b"procs_running "):
                    running = int(line.split()[1])
                    break
            else:
                return None
    except (OSError, ValueError):
        return None
    return running - _own_running_threads()


def _own_running_threads():
    """How many of this process's threads are running or runnable."""
    count = 0
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return 1
    for task in tasks:
        try:
            with open(f"/proc/self/task/{task}/stat", "rb") as stat:
                # The state follows the command name, which is in parentheses.
                state = stat.read().rpartition(b")")[2].split(None, 1)[0]
        except (OSError, IndexError):
            continue  # the thread ended meanwhile
        count += state == b"R"
    return max(count, 1)


def _threadpoolctl_owner():
    """The thread controlling OpenBLAS's process-wide pool through
    threadpoolctl (one inside a ``threadpool_limits`` block), or None.

    threadpoolctl (3.6 and later) lets a single thread at a time set the
    count of an OpenBLAS that is not built on OpenMP, and records which; an
    older threadpoolctl has no such record, and None is the answer.
    """
    from threadpoolctl import OpenBLASController

    state = getattr(OpenBLASController, "_SHARED_STATE", None)
    return getattr(state, "controlling_thread", None)


def _taken_over():
    """Whether another thread took control of OpenBLAS through threadpoolctl
    since the running fits started (lock held): its limit then stands."""
    return _threadpoolctl_owner() is not _owner


def _apply():
    """Set the thread count the running fits call for (lock held)."""
    global _applied
    many = len(_running) == 1 and next(iter(_running.values()))
    wanted = _baseline if many else 1
    if _baseline is None or wanted is None or _taken_over():
        return
    wanted = min(wanted, _baseline)
    current = _get_threads()
    if current == wanted:
        return
    if _applied is not None and current != _applied:
        # Somebody else changed the count while fits ran: theirs stands.
        return
    _set_threads(wanted)
    _applied = wanted


def _blas_libraries():
    """``(get, set)`` thread-count functions of the BLAS that skmlp calls.

    That is the engine's (:data:`skmlp._engine._blas.PROVIDER`): NumPy's
    OpenBLAS where the engine calls it, or SciPy's, whose wheels bundle their
    own OpenBLAS (in ``scipy.libs``) apart from NumPy's; where SciPy shares
    one BLAS with NumPy (conda), that one. The other library is left alone.
    """
    global _libraries
    if _libraries is None:
        from skmlp._engine._blas import PROVIDER

        blas = ThreadpoolController().select(user_api="blas").lib_controllers
        own = [lib for lib in blas if lib.filepath == PROVIDER.filepath]
        _libraries = [_thread_count_functions(lib) for lib in own or blas]
    return _libraries


def _thread_count_functions(lib):
    """``(get, set)`` of one library's thread count, from any thread.

    threadpoolctl finds the library, but lets only the first thread that
    limited OpenBLAS's (process-wide) pool change it and silently ignores
    the others: a fit ending in a worker thread could not restore the count.
    Under the registry's lock, skmlp calls OpenBLAS's own functions instead.
    """
    if lib.internal_api == "openblas" and lib.threading_layer != "openmp":
        for prefix, suffix in itertools.product(("", "scipy_"), ("", "64_", "_64")):
            name = f"{prefix}openblas_{{}}_num_threads{suffix}"
            get = getattr(lib.dynlib, name.format("get"), None)
            set_ = getattr(lib.dynlib, name.format("set"), None)
            if get is not None and set_ is not None:
                get.restype, get.argtypes = ctypes.c_int, []
                set_.restype, set_.argtypes = None, [ctypes.c_int]
                return get, set_
    return lib.get_num_threads, lib.set_num_threads


def _get_threads():
    counts = [get() for get, _ in _blas_libraries()]
    return min(counts) if counts else None


def _set_threads(n_threads):
    for _, set_threads in _blas_libraries():
        set_threads(n_threads)
