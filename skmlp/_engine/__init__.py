"""The compiled engine of skmlp: training and prediction without the GIL.

One job per module, each using only those listed before it:

- ``_types``: the structs and enums the modules share (``Layout``, ``Hyper``,
  ``Activation``, ``OutputLayer``, ``Update``, ``Status``);
- ``_math`` (a ``.pxd`` only): exp, log, tanh, ... inlined on float and double;
- ``_blas``: the row-major GEMM wrapper over SciPy's BLAS;
- ``_activations``: bias + activation, its derivative, dropout;
- ``_losses``: output layers (softmax + cross-entropy) and their deltas;
- ``_updates``: penalties, weight decay, the update rules' kernels and the
  max-norm projection;
- ``_rows``: training rows, dense or CSR, gathered into the minibatch;
- ``_augment``: random affine and elastic distortions of the gathered
  minibatch's images (:class:`~skmlp._engine._augment.Augmenter`);
- ``_engine``: :class:`~skmlp._engine._engine.Engine`, the epoch and the
  full-batch gradient;
- ``_predict``: the forward pass of prediction.

The kernels never allocate and never validate: every size and index they
use is checked in Python once per fit, before compiled code sees it (by
:mod:`skmlp._network`, the constructors of ``RowSource``, ``Augmenter`` and
``Engine``, and a few O(1) checks per call).
"""
