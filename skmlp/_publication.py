"""Publication of a fitted model: fits one at a time, and the new fitted
attributes swapped in all at once.

A fit prepares its model in a draft (a copy of the estimator) and the
estimator takes the draft's fitted attributes in one step when the fit ends,
so that a ``predict`` running meanwhile in another thread uses the previous
model entirely, and then the new one, never a mix. Fits of one estimator
object run one at a time.
"""

import threading
import weakref
from contextlib import contextmanager
from functools import lru_cache

#: Fitted attributes of the model that training does not change.
MODEL_ATTRIBUTES = (
    "classes_",
    "n_features_in_",
    "feature_names_in_",
    "n_layers_",
    "n_outputs_",
    "out_activation_",
)

# One lock per estimator object, kept outside its __dict__ so that pickling,
# clone and get_params never see it.
_FIT_LOCKS = weakref.WeakKeyDictionary()
_FIT_LOCKS_GUARD = threading.Lock()


@contextmanager
def one_fit_at_a_time(estimator):
    """Serialise the fits of one estimator object (from several threads)."""
    with _FIT_LOCKS_GUARD:
        lock = _FIT_LOCKS.get(estimator)
        if lock is None:
            lock = _FIT_LOCKS[estimator] = threading.RLock()
    with lock:
        yield


@lru_cache(maxsize=1024)
def is_fitted_attribute(name):
    """Whether an attribute belongs to the fitted model (published together).

    Cached: ``publish`` asks for each of the estimator's ~50 attributes, a
    twentieth of a small ``partial_fit``'s Python time uncached.
    """
    return (name.endswith("_") and not name.startswith("__")) or name in (
        "_optimizer_state",
        "_no_improvement_count",
    )


def draft_of(estimator, first_call):
    """A copy of ``estimator`` for a fit to prepare the new model in; without
    weights nor optimizer state for a fit from scratch."""
    draft = object.__new__(type(estimator))
    draft.__dict__.update(estimator.__dict__)
    if first_call:
        for name in ("coefs_", "intercepts_", "_optimizer_state"):
            draft.__dict__.pop(name, None)
    return draft


def publish(estimator, draft, fitted_attributes):
    """Replace the estimator's fitted attributes with the draft's, updated
    with ``fitted_attributes``, at once: the instance dict is swapped in one
    step, so that a reader in another thread sees the old model or the new
    one, never a mix."""
    draft.__dict__.update(fitted_attributes)
    state = {
        name: value
        for name, value in estimator.__dict__.items()
        if not is_fitted_attribute(name)
    }
    state.update(
        (name, value)
        for name, value in draft.__dict__.items()
        if is_fitted_attribute(name)
    )
    estimator.__dict__ = state
