"""The compiled engine of skmlp: training and prediction without the GIL.

One job per module, each using only those listed before it:

- ``_vector_passes.h`` (C): the element-wise passes compiled for the
  baseline CPU and for AVX2 (update rules, lane sums, column sums, the
  softmax's exp) and the hidden activations, listed once
  (``SKMLP_ACTIVATIONS``), which numbers them for C and Cython alike and
  writes each one's case in the passes;
- ``_types``: the structs and enums the modules share (``Layout``, ``Hyper``,
  ``Activation`` (declared from the C header), ``OutputLayer``, ``Update``,
  ``Status``);
- ``_math`` and ``_random`` (``.pxd`` only): exp, log, ... inlined on float
  and double; splitmix64, the random streams of dropout and augmentation;
- ``_blas_provider`` (Python) and ``_blas``: which BLAS the products go to
  (NumPy's bundled OpenBLAS, else SciPy's; ``SKMLP_BLAS``), and the row-major
  GEMM and GEMV wrappers over it;
- ``_activations``: bias + activation, its derivative, dropout;
- ``_losses``: output layers (softmax + cross-entropy, sigmoid + binary
  cross-entropy), their deltas, and what each trains on;
- ``_penalties``: the L1 and L2 penalties, their gradient, weight decay;
- ``_max_norm``: the columns' squared norms and their projection;
- ``_update_rules``: the bias gradient and each update rule's pass over a
  span of the parameters (what each rule reads: ``rule_settings``);
- ``_scaled_decay``: plain SGD's L2 decay through a scale per layer, its
  penalty carried from step to step, instead of a pass over the weights at
  every step (where that is cheaper: small minibatches of wide layers);
- ``_rows``: training rows, dense or CSR, gathered into the minibatch;
- ``_augment``: random affine and elastic distortions of the gathered
  minibatch's images (:class:`~skmlp._engine._augment.Augmenter`);
- ``_config`` (Python): :class:`~skmlp._engine._config.EngineConfig`, the one
  object an engine is built from;
- ``_engine``: :class:`~skmlp._engine._engine.Engine`, the epoch and the
  full-batch gradient;
- ``_predict``: the forward pass of prediction, and the output layer's loss
  of its logits (the fit loop's validation loss).

The kernels never allocate and never validate: every size and index they
use is checked in Python once per fit, before compiled code sees it (by
:mod:`skmlp._network`, the constructors of ``RowSource``, ``Augmenter`` and
``Engine``, and a few O(1) checks per call).
"""
