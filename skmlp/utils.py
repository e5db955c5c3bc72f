"""Utilities for fitted models.

A model fitted under scikit-learn's array API dispatch on PyTorch or CuPy
arrays (see :doc:`/user_guide/array_api`) keeps its weights, and its
optimizer's state, in that namespace and on that device. skops files, the
ONNX converter and the ``skmlp`` command line read NumPy models:
:func:`to_numpy` gives one.
"""

from sklearn.utils._array_api import _estimator_with_converted_arrays

from ._array_api._namespace import to_numpy as _array_to_numpy

__all__ = ["to_numpy"]


def to_numpy(estimator):
    """A copy of a fitted estimator whose arrays are NumPy arrays on the CPU.

    Every array attribute of ``estimator`` (the weights ``coefs_`` and
    ``intercepts_``, the optimizer's state kept for ``partial_fit`` and warm
    starts, ...) that belongs to another array API namespace than NumPy's (a
    PyTorch tensor on a GPU, a CuPy array) is copied to the host as a NumPy
    array; the others are kept as they are. A pipeline's steps are converted
    alike. The estimator itself is left unchanged. The copy predicts NumPy
    arrays with the compiled engine, can be saved with skops, converted to
    ONNX, used by the ``skmlp`` command line, and trained further on the CPU.

    This is scikit-learn's conversion of array attributes
    (``sklearn.utils._array_api._estimator_with_converted_arrays``, by which
    ``move_estimator_to`` moves estimators between namespaces), with NumPy as
    the target; it works whether array API dispatch is on or not.

    Parameters
    ----------
    estimator : estimator object
        A fitted estimator, such as :class:`~skmlp.MLPDigitClassifier`, or a
        pipeline containing one.

    Returns
    -------
    estimator_numpy : estimator object
        A clone of ``estimator`` with the converted fitted attributes.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from skmlp import MLPDigitClassifier
    >>> from skmlp.utils import to_numpy
    >>> X, y = load_digits(return_X_y=True)
    >>> model = MLPDigitClassifier(max_iter=5, random_state=0).fit(X / 16, y)
    >>> model_numpy = to_numpy(model)
    >>> type(model_numpy.coefs_[0]).__name__
    'ndarray'
    >>> bool(np.all(model_numpy.predict(X / 16) == model.predict(X / 16)))
    True
    """
    return _estimator_with_converted_arrays(estimator, _array_to_numpy)
