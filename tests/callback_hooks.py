"""A callback of scikit-learn's callback API that does nothing, for tests:
each test's callback overrides the hooks it needs."""


class Hooks:
    """Every hook of a fit callback, doing nothing (and never asking the fit
    to stop)."""

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context, **kwargs):
        pass

    def on_fit_task_end(self, estimator, context, **kwargs):
        return False
