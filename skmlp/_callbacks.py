"""scikit-learn's callback API (``sklearn.callback``), where the installed
scikit-learn has it, and a do-nothing stand-in where it does not.

With it, ``MLPDigitClassifier().set_callbacks(ProgressBar())`` shows a
progress bar over epochs that nests under ``GridSearchCV`` and ``Pipeline``
as scikit-learn's own estimators' bars do, and ``ScoringMonitor`` scores the
model after each epoch.
"""


class _NoCallbackContext:
    """Accepts the calls of a callback context and does nothing."""

    def subcontext(self, *args, **kwargs):
        return self

    def call_on_fit_task_begin(self, **kwargs):
        return False

    def call_on_fit_task_end(self, **kwargs):
        return False


#: The callback context of a fit that tells no callbacks (a fitter built
#: without an estimator, or a scikit-learn without the callback API).
NO_CALLBACKS = _NoCallbackContext()

try:
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # scikit-learn < 1.9

    class CallbackSupportMixin:
        """Stand-in for ``sklearn.callback.CallbackSupportMixin``."""

        def _init_callback_context(self, task_name="fit", max_subtasks=0, **kwargs):
            return NO_CALLBACKS


__all__ = ["CallbackSupportMixin", "NO_CALLBACKS"]
