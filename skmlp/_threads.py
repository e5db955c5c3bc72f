"""How many BLAS threads a fit uses.

Two cases call for single-threaded BLAS:

- Small networks. The matrix products of a minibatch of, say, load_digits
  take microseconds: splitting them across cores gains nothing, and when
  other programs keep the cores busy, OpenBLAS threads waiting for each other
  (they spin) slowed a 0.3 s fit to over a minute.
- Fits that overlap. The engine releases the GIL, so ``GridSearchCV(n_jobs=k)``
  under joblib's threading backend trains k models at once; each already has
  a core of its own.

The limit is set when the first such fit starts and lifted when the last fit
running in the process ends, never while a lone large fit is running. OpenBLAS
ignores a request for more threads made from a thread other than the main one,
so a limit whose last fit ended in a worker thread (joblib's threading backend)
is lifted when the next fit starts in the main thread.
"""

import threading
from contextlib import contextmanager

from threadpoolctl import ThreadpoolController

# Below this many floating-point operations per minibatch step, BLAS runs on
# one thread (load_digits' 64-100-10 at batch 200 needs ~9e6; MNIST's
# 784-500-10 at batch 20 ~5e7).
SINGLE_THREAD_FLOPS = 2e7

_lock = threading.Lock()
_running_fits = 0
_limiter = None
_controller = None
_original_counts = None


def flops_per_step(coef_shapes, batch_size):
    """Floating-point operations of one training step's matrix products."""
    return 6.0 * batch_size * sum(n_in * n_out for n_in, n_out in coef_shapes)


@contextmanager
def blas_threads_for_fit(flops):
    """Context of one fit doing ``flops`` operations per minibatch step."""
    global _running_fits, _limiter, _controller, _original_counts
    with _lock:
        if _running_fits == 0:
            _lift_limit()
        _running_fits += 1
        single_threaded = flops < SINGLE_THREAD_FLOPS or _running_fits >= 2
        if single_threaded and _limiter is None:
            if _controller is None:
                _controller = ThreadpoolController()
            _original_counts = _blas_thread_counts()
            _limiter = _controller.limit(limits=1, user_api="blas")
    try:
        yield
    finally:
        with _lock:
            _running_fits -= 1
            if _running_fits == 0:
                _lift_limit()


def _lift_limit():
    """Restore BLAS's own thread count, from the main thread only (see above).

    OpenBLAS was seen, rarely, to keep one thread after a restore that
    followed fits in worker threads: the counts are checked, and set again.
    """
    global _limiter
    if _limiter is None or threading.current_thread() is not threading.main_thread():
        return
    for _ in range(3):
        _limiter.restore_original_limits()
        if _blas_thread_counts() == _original_counts:
            break
    _limiter = None


def _blas_thread_counts():
    return [
        lib["num_threads"] for lib in _controller.info() if lib["user_api"] == "blas"
    ]
