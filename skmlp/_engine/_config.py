"""The settings an :class:`~skmlp._engine._engine.Engine` is built from, in
one object (pure Python: the fit loop and the tests build it)."""

from typing import NamedTuple

from ._types import OutputLayer


class EngineConfig(NamedTuple):
    """Everything one fit's engine is built from.

    Attributes
    ----------
    layout : skmlp._network.ParameterLayout
        The network's layout: every offset comes from it (``layout.scratch``
        for the scratch buffers).
    batch_size : int
        The largest minibatch the buffers must hold.
    dtype : {np.float32, np.float64}
        The training dtype, of the parameters, the data and the optimizer state.
    activation : int
        An :class:`~skmlp._engine._types.Activation` code for the hidden layers.
    optimizer : skmlp._optimizers.Optimizer
        The update rule: ``optimizer.hyper()`` gives every setting its kernels
        read, and its state buffers and step counter are updated in place.
    output : int, default=OutputLayer.SOFTMAX
        An :class:`~skmlp._engine._types.OutputLayer` code.
    l1, l2 : float, default=0.0
        Penalties on the weights.
    dropout : sequence of float or None, default=None
        Dropout rate of each hidden layer.
    seed : int, default=0
        Seed of the dropout masks' random stream.
    signal_interval : int, default=1
        Check for Ctrl-C every this many minibatches.
    augmenter : skmlp._engine._augment.Augmenter or None, default=None
        Distorts every training minibatch right after it is gathered (never
        in ``loss_gradient``); of this engine's dtype and input size.
    max_norm : float or None, default=None
        After each update, scale every column of each hidden layer's weights
        (a hidden unit's incoming weights) longer than this back to this
        length; the output layer's are left alone. None: no constraint.
    label_smoothing : float, default=0.0
        An output layer that smooths its targets (SOFTMAX) trains on
        ``(1 - label_smoothing) * onehot + label_smoothing / n_classes``, in
        [0, 1); the others take 0 only.
    scaled_decay : {"auto", "always", "never"}, default="auto"
        Which layers plain SGD with an L2 penalty decays through a scale
        instead of a pass over their weights at every step
        (:mod:`skmlp._engine._scaled_decay`): those where it is cheaper
        (``"auto"``), all, or none. The same training up to rounding.
    """

    layout: object
    batch_size: int
    dtype: object
    activation: int
    optimizer: object
    output: int = OutputLayer.SOFTMAX
    l1: float = 0.0
    l2: float = 0.0
    dropout: object = None
    seed: int = 0
    signal_interval: int = 1
    augmenter: object = None
    max_norm: float | None = None
    label_smoothing: float = 0.0
    scaled_decay: str = "auto"
