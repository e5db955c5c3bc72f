"""Version checks on loading a pickled (or skops-saved) estimator.

scikit-learn records its version in the pickles of its own estimators and
warns when one is loaded under another version, but only for classes defined
in ``sklearn.*`` modules: ``BaseEstimator.__getstate__`` leaves third-party
estimators alone. :class:`VersionedPickleMixin` does the same for skmlp's
version.
"""

import warnings

__all__ = ["InconsistentVersionWarning", "VersionedPickleMixin"]

#: Key of the skmlp version in an estimator's pickled state.
VERSION_KEY = "_skmlp_version"


class InconsistentVersionWarning(UserWarning):
    """An estimator was saved by one version of skmlp and loaded by another.

    The fitted attributes may mean something else, or be missing, in the
    version that loads them: predictions may be wrong without any error.
    Refit the model, or load it with the version that saved it.

    Parameters
    ----------
    estimator_name : str
        Class name of the estimator.
    current_version : str
        skmlp version loading the estimator.
    original_version : str or None
        skmlp version that saved it; None when the pickle records none (it was
        made before skmlp recorded its version).

    Examples
    --------
    Make it an error, so that a model saved by another version of skmlp is
    never used by mistake (a model saved by this version loads as usual):

    >>> import pickle
    >>> import warnings
    >>> from skmlp import InconsistentVersionWarning, MLPDigitClassifier
    >>> saved = pickle.dumps(MLPDigitClassifier())
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("error", InconsistentVersionWarning)
    ...     model = pickle.loads(saved)

    What it says when the versions differ:

    >>> print(InconsistentVersionWarning(
    ...     estimator_name="MLPDigitClassifier",
    ...     current_version="0.2.0",
    ...     original_version="0.1.0",
    ... ))  # doctest: +NORMALIZE_WHITESPACE
    Trying to unpickle estimator MLPDigitClassifier from skmlp version 0.1.0
    when using version 0.2.0. This might lead to breaking code or invalid
    results. Use at your own risk.
    """

    def __init__(self, *, estimator_name, current_version, original_version):
        self.estimator_name = estimator_name
        self.current_version = current_version
        self.original_version = original_version

    def __str__(self):
        saved_by = (
            "an unknown version"
            if self.original_version is None
            else f"version {self.original_version}"
        )
        return (
            f"Trying to unpickle estimator {self.estimator_name} from skmlp "
            f"{saved_by} when using version {self.current_version}. This might "
            "lead to breaking code or invalid results. Use at your own risk."
        )


class VersionedPickleMixin:
    """Record skmlp's version when pickled; warn when loaded under another.

    Put it before ``BaseEstimator`` in the bases: both methods call
    ``super()``, so that scikit-learn's own handling of the state (and any
    other mixin's) still runs, and ``BaseEstimator`` provides the
    ``__getstate__`` and ``__setstate__`` that ``object`` lacks on Python
    3.10. skops, which saves ``__getstate__`` and restores through
    ``__setstate__``, gets the same check.
    """

    def __getstate__(self):
        state = super().__getstate__()
        return {**state, VERSION_KEY: _current_version()}

    def __setstate__(self, state):
        # A copy: the caller's dict is not ours to change.
        state = dict(state)
        original_version = state.pop(VERSION_KEY, None)
        current_version = _current_version()
        if original_version != current_version:
            warnings.warn(
                InconsistentVersionWarning(
                    estimator_name=type(self).__name__,
                    current_version=current_version,
                    original_version=original_version,
                ),
                stacklevel=2,
            )
        super().__setstate__(state)


def _current_version():
    # Looked up at call time: this module is imported while skmlp/__init__.py
    # runs, before it defines __version__.
    import skmlp

    return skmlp.__version__
