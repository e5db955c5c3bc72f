"""The array API side of a fit: what the fitter asks of the arrays it
trains on, when they are another namespace's than NumPy's.

:class:`ArrayAPIBackend` builds the :class:`~skmlp._array_api._engine.ArrayAPIEngine`,
its rows (:class:`~skmlp._array_api._rows.DeviceRows`) and its augmenter
(:class:`~skmlp._array_api._augment.ArrayAPIAugmenter`), takes the rows the
early-stopping split holds out, computes the validation logits on the
device, and runs L-BFGS: SciPy's L-BFGS-B works on NumPy arrays on the host,
so each evaluation moves the iterate to the device and the objective's
gradient back (a full-batch pass on the device between two small
transfers); the weights end on the device.
"""

import numpy as np

from .._layers import ACTIVATIONS
from .._lbfgs import minimize_lbfgs
from ._augment import ArrayAPIAugmenter
from ._engine import ArrayAPIEngine
from ._kernels import forward
from ._namespace import namespace_and_device, to_device, to_numpy
from ._rows import DeviceRows


class ArrayAPIBackend:
    """A fit on arrays of the namespace ``xp``, on ``device``.

    Parameters
    ----------
    xp : namespace
    device : device of ``xp``
    """

    def __init__(self, xp, device):
        self.xp, self.device = xp, device

    @classmethod
    def of(cls, X):
        """The backend of X's namespace and device."""
        return cls(*namespace_and_device(X))

    def make_engine(self, config):
        return ArrayAPIEngine(config, xp=self.xp, device=self.device)

    def make_rows(self, X, y_codes, sample_weight, rows, n_classes):
        return DeviceRows(
            X, y_codes, sample_weight, rows, n_classes, xp=self.xp, device=self.device
        )

    def make_augmenter(self, augmentation, n_features, dtype, seed):
        return ArrayAPIAugmenter(
            augmentation, n_features, dtype, seed, xp=self.xp, device=self.device
        )

    def take_rows(self, X, rows):
        """The rows of X at the (NumPy) indices ``rows``, on the device."""
        indices = to_device(np.asarray(rows, dtype=np.int64), self.xp, self.device)
        return self.xp.take(X, indices, axis=0)

    def logits(self, X, coefs, intercepts, activation):
        """The output layer's inputs for X, computed on the device, as a NumPy
        array (for the validation score and loss: one transfer per epoch)."""
        _, _, logits = forward(
            self.xp, X, coefs, intercepts, ACTIVATIONS[activation].code
        )
        return np.ascontiguousarray(to_numpy(logits))

    def minimize_lbfgs(self, engine, rows, params, *, on_iteration, **options):
        """L-BFGS-B on the host (:func:`skmlp._lbfgs.minimize_lbfgs`), its
        objective and gradient computed on the device; ``params`` (on the
        device) hold the last iterate on return, and after an interruption."""
        xp, device = self.xp, self.device
        host_params = np.array(to_numpy(params), copy=True)
        device_grad = xp.empty_like(params)

        def to_params(values):
            params[...] = to_device(values, xp, device)

        class DeviceObjective:
            """The engine's loss_gradient, called with host arrays."""

            @staticmethod
            def loss_gradient(_, host_iterate, host_grad):
                to_params(host_iterate)
                loss = engine.loss_gradient(rows, params, device_grad)
                host_grad[...] = to_numpy(device_grad)
                return loss

        def on_host_iteration(loss):
            # The fitter's callbacks see the iterate in params.
            to_params(host_params)
            return on_iteration(loss)

        try:
            return minimize_lbfgs(
                DeviceObjective(),
                rows,
                host_params,
                on_iteration=on_host_iteration,
                **options,
            )
        finally:
            to_params(host_params)
