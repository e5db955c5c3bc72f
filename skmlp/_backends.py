"""Where a fit's arrays live, and the engine that trains on them.

The fitter (:mod:`skmlp._fit_loop`) trains through one backend, which the
training data picks (:func:`backend_for`):

- :data:`COMPILED` for NumPy arrays and sparse matrices: the compiled engine
  (:mod:`skmlp._engine`), on the CPU;
- an :class:`~skmlp._array_api._backend.ArrayAPIBackend` for arrays of
  another namespace (PyTorch, CuPy, ``array_api_strict``) when
  scikit-learn's array API dispatch is on: the same objective and steps in
  array API calls, in X's namespace and on its device.

A backend builds the engine, its rows and its augmenter, takes rows of X
(the early-stopping split), computes the logits of the validation data and
runs L-BFGS; the fitter does the rest the same way for both.
"""

from ._array_api._backend import ArrayAPIBackend
from ._array_api._namespace import uses_array_api
from ._engine._engine import Engine
from ._engine._rows import RowSource
from ._holdout import rows_ready
from ._lbfgs import minimize_lbfgs
from ._prediction import forward_proba


class CompiledBackend:
    """A fit on NumPy arrays (or CSR matrices), by the compiled engine."""

    def make_engine(self, config):
        return Engine(config)

    def make_rows(self, X, y_codes, sample_weight, rows, n_classes):
        return RowSource(X, y_codes, sample_weight, rows, n_classes)

    def make_augmenter(self, augmentation, n_features, dtype, seed):
        return augmentation._build_augmenter(n_features, dtype, seed)

    def take_rows(self, X, rows):
        return rows_ready(X[rows])

    def logits(self, X, coefs, intercepts, activation):
        return forward_proba(X, coefs, intercepts, activation, output=None)

    def minimize_lbfgs(self, engine, rows, params, **options):
        return minimize_lbfgs(engine, rows, params, **options)


#: The backend of NumPy arrays and sparse matrices.
COMPILED = CompiledBackend()


def backend_for(X):
    """The backend that trains on X: the array API one for arrays of another
    namespace than NumPy's under array API dispatch, else the compiled one."""
    if uses_array_api(X):
        return ArrayAPIBackend.of(X)
    return COMPILED
