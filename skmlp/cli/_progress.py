"""The progress bar of ``skmlp train``, which stops where training stopped.

scikit-learn's ``ProgressBar`` fills a fit's bar to 100 % when the fit's
task ends, however many epochs it ran: right after early stopping, wrong
after Ctrl-C, where the bar would claim a finished training just before the
command says ``interrupted``. :func:`progress_bar` gives a ``ProgressBar``
whose fit bar stays at the epochs done when the end comes from Ctrl-C, and
:func:`noting_interrupts` is how it learns that it did.
"""

import contextlib
import signal
import threading

# Set by noting_interrupts' handler when Ctrl-C arrives during a fit: module
# state, not the callback's, so that any copy of the callback sees it.
_interrupted = threading.Event()


def progress_bar():
    """A ``ProgressBar`` whose fit bar stays where training stopped on Ctrl-C.

    Returns
    -------
    callback : sklearn.callback.ProgressBar
        To pass to ``set_callbacks``.

    Raises
    ------
    ImportError
        If the installed scikit-learn has no callback API (before 1.9) or
        rich is not installed.
    """
    from sklearn.callback import ProgressBar

    class StopsWhereTrainingStopped(ProgressBar):
        def on_fit_task_end(self, estimator, context):
            if _interrupted.is_set() and context.parent is None:
                # The fit's own task ended because of Ctrl-C: leave its bar
                # at the epochs it finished.
                return False
            return super().on_fit_task_end(estimator, context)

    return StopsWhereTrainingStopped()


@contextlib.contextmanager
def noting_interrupts():
    """Within the block, Ctrl-C is noted for the progress bar, then raises
    KeyboardInterrupt as usual (through the handler that was there).

    Signal handlers belong to the main thread: elsewhere (``main`` called
    from a worker thread), or where Ctrl-C is not Python's to handle (ignored,
    or left to the system), the block runs as it is, and a bar that an
    interruption ends fills up as scikit-learn's does.
    """
    _interrupted.clear()
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or not callable(
        previous
    ):
        yield
        return

    def note_and_interrupt(signum, frame):
        _interrupted.set()
        previous(signum, frame)

    signal.signal(signal.SIGINT, note_and_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        _interrupted.clear()
