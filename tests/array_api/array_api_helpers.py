"""What the array API tests share: the namespaces they run on, conversions
and the data of the equivalence tests."""

from typing import NamedTuple

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.externals import array_api_compat

#: The namespaces of the CPU equivalence tests (each skipped where absent).
NAMESPACES = ["array_api_strict", "torch"]


class Namespace(NamedTuple):
    """An array API namespace and a device of it."""

    name: str
    xp: object  # array_api_compat's wrapper where there is one
    device: object

    def asarray(self, values, dtype=None):
        """A copy of NumPy values (or a list) as an array of this namespace and
        device (a copy: PyTorch and array_api_strict would share a NumPy
        array's memory, and an engine training on it would train both)."""
        values = np.asarray(values)
        if dtype is not None:
            values = values.astype(dtype)
        return self.xp.asarray(values, device=self.device, copy=True)


def namespace_on_cpu(name):
    """The :class:`Namespace` of ``name`` on the CPU (skipped if absent)."""
    module = pytest.importorskip(name)
    if name == "torch":
        # One thread: the tests' arrays are small, and on a loaded machine
        # PyTorch's threads wait for each other at every operation.
        module.set_num_threads(1)
        return Namespace(name, array_api_compat.array_namespace(module.zeros(1)), "cpu")
    module.set_array_api_strict_flags(api_version="2025.12")
    return Namespace(name, module, module.Device("CPU_DEVICE"))


def numpy_namespace():
    """NumPy through array_api_compat: the array API code on NumPy arrays."""
    return Namespace("numpy", array_api_compat.numpy, "cpu")


def to_numpy(array):
    """An array of any namespace as a NumPy array."""
    from skmlp._array_api._namespace import to_numpy as convert

    return np.asarray(convert(array))


def digits(n_samples=300, seed=0):
    """A small shuffled slice of scikit-learn's digits in [0, 1] (float64)."""
    X, y = load_digits(return_X_y=True)
    rows = np.random.RandomState(seed).permutation(len(X))[:n_samples]
    return X[rows] / 16.0, y[rows]
