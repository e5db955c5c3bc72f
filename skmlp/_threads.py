"""Keep fits that run at once in one process from oversubscribing the cores.

The engine releases the GIL, so ``GridSearchCV(n_jobs=k)`` under joblib's
threading backend really trains k models at once. If each of them also asked
OpenBLAS for every core, the BLAS threads would fight for the cores (OpenBLAS
threads spin while they wait, which makes oversubscription very costly).
While two or more fits overlap, BLAS runs single-threaded; the original limit
comes back when the last of them ends. Changing the limit only between two
overlapping fits, never while a lone fit runs, keeps single fits untouched.
"""

import threading
from contextlib import contextmanager

from threadpoolctl import ThreadpoolController

_lock = threading.Lock()
_running_fits = 0
_limiter = None
_controller = None


@contextmanager
def share_cores_between_fits():
    """Context of one fit: single-threaded BLAS while other fits overlap it."""
    global _running_fits, _limiter, _controller
    with _lock:
        _running_fits += 1
        if _running_fits == 2 and _limiter is None:
            if _controller is None:
                _controller = ThreadpoolController()
            _limiter = _controller.limit(limits=1, user_api="blas")
    try:
        yield
    finally:
        with _lock:
            _running_fits -= 1
            if _running_fits == 0 and _limiter is not None:
                _limiter.restore_original_limits()
                _limiter = None
