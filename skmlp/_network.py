"""Parameter layout and initialisation of a multi-layer perceptron.

All weights and biases of a network live in one contiguous buffer per dtype,
``W_0, b_0, W_1, b_1, ...``, each ``W_l`` row-major of shape
``(n_units[l], n_units[l + 1])``. Every offset the compiled engine walks is
computed here, once: the parameters' (:class:`ParameterLayout`) and those of
the engine's scratch buffers for a minibatch size (:class:`ScratchLayout`).
``coefs_`` and ``intercepts_`` are views into the parameter buffer. The
forward pass of prediction is :mod:`skmlp._prediction`'s.
"""

from functools import lru_cache
from typing import NamedTuple

import numpy as np
from sklearn.externals.array_api_compat import array_namespace

from ._array_api._namespace import host_values, is_array_api_array
from ._layers import ACTIVATIONS


class ScratchLayout(NamedTuple):
    """Where each layer's rows sit in the engine's scratch buffers, for
    minibatches of up to ``batch_size`` rows.

    Layer ``l``'s activations are a ``(batch_size, n_units[l])`` block of the
    activations buffer (layer 0: the gathered minibatch; the output layer:
    the logits, then the output deltas). Deltas (and dropout masks, laid out
    alike) are kept for the hidden layers only: layer ``l``'s block starts at
    ``delta_offsets[l]`` for ``1 <= l < n_layers``.
    """

    batch_size: int
    activation_offsets: np.ndarray  # (n_layers + 1,) intp
    delta_offsets: np.ndarray  # (n_layers,) intp; entry 0 unused
    n_activations: int  # size of the activations buffer
    n_deltas: int  # size of the deltas (and masks) buffer, at least 1


class ParameterLayout:
    """Where each layer's weights and biases sit in the flat parameter buffer.

    Parameters
    ----------
    n_units : sequence of int
        Units per layer: the input features first, the output classes last.

    Attributes
    ----------
    n_units : ndarray of shape (n_layers + 1,), dtype=intp
    coef_shapes : list of (int, int)
        ``coefs_[l].shape`` for each layer.
    weight_offsets, bias_offsets : ndarray of shape (n_layers,), dtype=intp
        Where ``W_l`` and ``b_l`` start in the flat buffer.
    n_params : int
        Size of the flat buffer.
    """

    def __init__(self, n_units):
        self.n_units = np.asarray(n_units, dtype=np.intp)
        shapes = list(zip(self.n_units[:-1], self.n_units[1:]))
        self.coef_shapes = [(int(n_in), int(n_out)) for n_in, n_out in shapes]
        weight_offsets, bias_offsets = [], []
        offset = 0
        for n_in, n_out in self.coef_shapes:
            weight_offsets.append(offset)
            offset += n_in * n_out
            bias_offsets.append(offset)
            offset += n_out
        self.weight_offsets = np.asarray(weight_offsets, dtype=np.intp)
        self.bias_offsets = np.asarray(bias_offsets, dtype=np.intp)
        self.n_params = offset

    @property
    def n_layers(self):
        """Number of weight matrices (layers with parameters)."""
        return len(self.coef_shapes)

    def scratch(self, batch_size):
        """The offsets of the engine's scratch buffers for ``batch_size`` rows.

        Returns
        -------
        ScratchLayout
        """
        hidden_units = self.n_units.copy()
        hidden_units[0] = hidden_units[-1] = 0
        return ScratchLayout(
            batch_size=int(batch_size),
            activation_offsets=_exclusive_cumsum(self.n_units * batch_size),
            delta_offsets=_exclusive_cumsum(hidden_units * batch_size)[: self.n_layers],
            n_activations=int(self.n_units.sum()) * batch_size,
            n_deltas=max(int(hidden_units.sum()) * batch_size, 1),
        )

    def views(self, params):
        """Split a flat buffer into per-layer views.

        Parameters
        ----------
        params : array of shape (n_params,)
            A NumPy array, or an array of another array API namespace (whose
            slices may be views or copies, as that namespace makes them).

        Returns
        -------
        coefs : list of arrays
            ``coefs[l]`` has shape ``(n_units[l], n_units[l + 1])``.
        intercepts : list of arrays
            ``intercepts[l]`` has shape ``(n_units[l + 1],)``.
        """
        if isinstance(params, np.ndarray):
            reshape = np.reshape
        else:
            reshape = array_namespace(params).reshape
        coefs, intercepts = [], []
        for (n_in, n_out), w, b in zip(
            self.coef_shapes, self.weight_offsets, self.bias_offsets
        ):
            coefs.append(reshape(params[w : w + n_in * n_out], (n_in, n_out)))
            intercepts.append(params[b : b + n_out])
        return coefs, intercepts

    def weight_mask(self):
        """Boolean mask of the flat buffer: True on weights, False on biases."""
        mask = np.zeros(self.n_params, dtype=bool)
        for (n_in, n_out), w in zip(self.coef_shapes, self.weight_offsets):
            mask[w : w + n_in * n_out] = True
        return mask

    def pack(self, coefs, intercepts, dtype):
        """Copy per-layer arrays into a new flat buffer of ``dtype``.

        Arrays of another array API namespace than NumPy's (a model fitted
        under array API dispatch) give a flat buffer of their namespace, on
        their device; anything else a NumPy array.

        Raises
        ------
        ValueError
            If the arrays do not have this layout's shapes.
        """
        coefs, intercepts = list(coefs), list(intercepts)
        if len(coefs) != self.n_layers or len(intercepts) != self.n_layers:
            raise ValueError(
                f"coefs_ and intercepts_ must hold {self.n_layers} layers for "
                f"n_units={self.n_units.tolist()}; got {len(coefs)} and "
                f"{len(intercepts)}."
            )
        for l, ((n_in, n_out), coef, intercept) in enumerate(
            zip(self.coef_shapes, coefs, intercepts)
        ):
            for name, array, shape in (
                ("coefs_", coef, (n_in, n_out)),
                ("intercepts_", intercept, (n_out,)),
            ):
                if tuple(np.shape(array)) != shape:
                    raise ValueError(
                        f"{name}[{l}] has shape {tuple(np.shape(array))}; "
                        f"expected {shape}."
                    )
        if all(map(is_array_api_array, coefs + intercepts)):
            return _pack_in_namespace(coefs, intercepts, dtype)
        arrays = [array for layer in zip(coefs, intercepts) for array in layer]
        if all(type(array) is np.ndarray for array in arrays):
            # One call in the buffer's order (each layer's weights, then its
            # biases): a third of the time of the copies view by view.
            # Cast as the view-by-view copy casts (anything castable).
            return np.concatenate(
                [array.ravel() for array in arrays], dtype=dtype, casting="unsafe"
            )
        params = np.empty(self.n_params, dtype=dtype)
        coef_views, intercept_views = self.views(params)
        for l, (coef, intercept) in enumerate(zip(coefs, intercepts)):
            coef_views[l][...] = np.asarray(host_values(coef))
            intercept_views[l][...] = np.asarray(host_values(intercept))
        return params


def _pack_in_namespace(coefs, intercepts, dtype):
    """The flat buffer of weights of one array API namespace, there (a warm
    start on a device stays on the device)."""
    xp = array_namespace(coefs[0])
    dtype = xp.float32 if np.dtype(dtype) == np.float32 else xp.float64
    pieces = []
    for coef, intercept in zip(coefs, intercepts):
        pieces += [
            xp.reshape(xp.astype(coef, dtype), (-1,)),
            xp.astype(intercept, dtype),
        ]
    return xp.concat(pieces)


def _exclusive_cumsum(sizes):
    """[0, s0, s0 + s1, ...]: where consecutive blocks of these sizes start."""
    return np.concatenate([[0], np.cumsum(sizes)[: len(sizes) - 1]]).astype(np.intp)


def overflow_limit(dtype):
    """Largest weight magnitude a network of ``dtype`` can hold safely: beyond
    the fourth root of the largest number, a few layers of products overflow."""
    return _overflow_limit(np.dtype(dtype))


@lru_cache(maxsize=8)
def _overflow_limit(dtype):
    # Cached: np.finfo costs a small partial_fit a few microseconds a call.
    return float(np.finfo(dtype).max) ** 0.25


#: Weight initialisations by name; the default scale of those that take one.
INITIALIZATIONS = {
    "glorot_uniform": None,
    "he_normal": None,
    "normal": 0.01,
    "uniform": 0.12,
}


def initialize(
    layout, *, init, init_scale, output_init, activation, random_state, dtype
):
    """Draw the initial weights of a network; biases start at zero.

    Parameters
    ----------
    layout : ParameterLayout
    init : {'glorot_uniform', 'he_normal', 'normal', 'uniform'}
        ``'glorot_uniform'``: ``U(-r, r)`` with ``r = sqrt(6 / (fan_in +
        fan_out))``, times the activation's ``glorot_gain`` for hidden layers
        (4 for logistic ones: Glorot & Bengio, as the Theano MLP tutorial
        does it). ``'he_normal'``:
        ``N(0, 2 / fan_in)``. ``'normal'``: ``N(0, init_scale**2)`` (the Blocks
        tutorial's isotropic Gaussian). ``'uniform'``: ``U(-init_scale,
        init_scale)`` (the Coursera exercise's epsilon).
    init_scale : float or None
        Standard deviation of ``'normal'``, bound of ``'uniform'``; None for
        their defaults (0.01 and 0.12). Unused by the other two.
    output_init : {'same', 'zeros'}
        ``'zeros'`` starts the output layer's weights at zero, as the
        tutorials' logistic-regression layer does.
    activation : str
        The hidden layers' activation (a key of
        :data:`skmlp._layers.ACTIVATIONS`).
    random_state : numpy.random.RandomState
    dtype : numpy dtype

    Returns
    -------
    params : ndarray of shape (layout.n_params,)
    """
    if init_scale is None:
        init_scale = INITIALIZATIONS[init]
    params = np.zeros(layout.n_params, dtype=dtype)
    coefs, _ = layout.views(params)
    for l, coef in enumerate(coefs):
        fan_in, fan_out = coef.shape
        is_output = l == layout.n_layers - 1
        if is_output and output_init == "zeros":
            continue
        if init == "glorot_uniform":
            bound = np.sqrt(6.0 / (fan_in + fan_out))
            if not is_output:
                bound *= ACTIVATIONS[activation].glorot_gain
            coef[...] = random_state.uniform(-bound, bound, size=coef.shape)
        elif init == "he_normal":
            coef[...] = random_state.normal(0.0, np.sqrt(2.0 / fan_in), size=coef.shape)
        elif init == "normal":
            coef[...] = random_state.normal(0.0, init_scale, size=coef.shape)
        else:
            coef[...] = random_state.uniform(-init_scale, init_scale, size=coef.shape)
    return params
