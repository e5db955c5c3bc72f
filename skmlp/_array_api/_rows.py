"""Training rows on the device: the array API twin of the compiled
:class:`~skmlp._engine._rows.RowSource`.

:class:`DeviceRows` holds X, the targets and the sample weights on X's
device, and the order of the coming epoch on the host. The Fitter shuffles
the order with NumPy's generator exactly as it shuffles a RowSource's, so
that the two engines see the same minibatches; the order goes to the device
once per epoch, and each minibatch is then a ``take`` of X on the device.
"""

import numpy as np

from ._kernels import softmax_targets
from ._namespace import to_device


class DeviceRows:
    """The training data of one fit, on X's device.

    Parameters
    ----------
    X : array of shape (n_samples, n_features)
        float32 or float64, of the namespace ``xp`` and on ``device``.
    y : ndarray of shape (n_samples,) or (n_samples, n_classes)
        Class codes (intc), or the 0/1 indicator matrix (uint8) of multilabel
        targets, as a RowSource takes them (NumPy, checked here).
    sample_weight : ndarray of shape (n_samples,)
        NumPy, of X's dtype.
    rows : ndarray of shape (n_rows,), dtype=intp
        The rows of X to train on, in order; copied.
    n_classes : int
    xp : namespace
    device : device of ``xp``

    Attributes
    ----------
    targets : array of shape (n_samples, n_classes)
        Each sample's class as a one-hot row, or its label indicators, in X's
        dtype, on the device.
    sample_weight : array of shape (n_samples,)
        On the device.
    host_weight : ndarray of shape (n_samples,)
        The same weights on the host, from which the minibatches' total weights
        are known without asking the device.
    """

    def __init__(self, X, y, sample_weight, rows, n_classes, *, xp, device):
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D, got shape {tuple(X.shape)}.")
        n_samples, self.n_features = X.shape
        y, sample_weight = np.asarray(y), np.asarray(sample_weight)
        self.multilabel = y.ndim == 2
        if y.shape != ((n_samples, n_classes) if self.multilabel else (n_samples,)):
            raise ValueError(
                f"y must hold the targets of X's {n_samples} rows, got shape {y.shape}."
            )
        if y.size and (y.min() < 0 or y.max() >= (2 if self.multilabel else n_classes)):
            raise ValueError("y holds targets outside the network's outputs.")
        if sample_weight.shape != (n_samples,):
            raise ValueError(
                f"sample_weight must hold {n_samples} weights, got shape "
                f"{sample_weight.shape}."
            )
        self.xp, self.device = xp, device
        self.X = X
        self.dtype = X.dtype
        self.n_samples, self.n_classes = n_samples, n_classes
        if self.multilabel:
            self.targets = xp.astype(to_device(y, xp, device), X.dtype)
        else:
            self.targets = softmax_targets(
                xp,
                to_device(y.astype(np.int64), xp, device),
                n_classes,
                0.0,
                X.dtype,
            )
        self.host_weight = sample_weight
        self.sample_weight = xp.astype(to_device(sample_weight, xp, device), X.dtype)
        self._set_rows(rows)

    def _set_rows(self, rows):
        rows = np.array(rows, dtype=np.intp, copy=True, order="C")
        if rows.ndim != 1:
            raise ValueError(f"rows must be 1-D, got shape {rows.shape}.")
        if rows.size and (rows.min() < 0 or rows.max() >= self.n_samples):
            raise ValueError(f"rows holds row indices outside [0, {self.n_samples}).")
        self._order = rows
        self.n_rows = rows.shape[0]

    def shuffle(self, rng):
        """Reorder the rows for the next epoch, in place, with ``rng.shuffle``
        (as :meth:`RowSource.shuffle <skmlp._engine._rows.RowSource.shuffle>`)."""
        rng.shuffle(self._order)

    @property
    def order(self):
        """The rows of the coming epoch, in order (a read-only view)."""
        view = self._order.view()
        view.flags.writeable = False
        return view

    def epoch(self):
        """The coming epoch on the device: the order, and the targets and
        weights of its rows in that order.

        Returns
        -------
        order : array of int64, shape (n_rows,)
        targets : array of shape (n_rows, n_classes)
        sample_weight : array of shape (n_rows,)
        """
        xp = self.xp
        order = to_device(self._order.astype(np.int64), xp, self.device)
        return (
            order,
            xp.take(self.targets, order, axis=0),
            xp.take(self.sample_weight, order, axis=0),
        )

    def batch_weights(self, batch_size):
        """The total weight of each minibatch of the coming epoch, in double,
        from the host's copy of the weights (known without a device sync)."""
        if self.n_rows == 0:
            return np.zeros(0)
        weights = self.host_weight[self._order].astype(np.float64)
        return np.add.reduceat(weights, np.arange(0, self.n_rows, batch_size))

    def total_weight(self):
        """The sum of the weights of the rows, in double."""
        return float(np.sum(self.host_weight[self._order], dtype=np.float64))
