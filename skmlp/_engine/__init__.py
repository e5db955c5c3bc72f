"""The compiled engine of skmlp: training and prediction without the GIL.

One job per module, each using only those listed before it:

- ``_types``: the structs and enums the modules share (``Layout``, ``Hyper``,
  ``Activation``, ``OutputLayer``, ``Update``, ``Status``);
- ``_blas``: the row-major GEMM wrapper over SciPy's BLAS;
- ``_activations``: bias + activation, its derivative, dropout;
- ``_losses``: output layers (softmax + cross-entropy) and their deltas;
- ``_updates``: penalties, weight decay and the update rules' kernels;
- ``_rows``: training rows, dense or CSR, gathered into the minibatch;
- ``_engine``: :class:`~skmlp._engine._engine.Engine`, the epoch and the
  full-batch gradient;
- ``_predict``: the forward pass of prediction.

The kernels never allocate and never validate; the Python layer
(:mod:`skmlp._network`, :mod:`skmlp._fit_loop`) checks every size and index
once per fit, before compiled code sees it.
"""
