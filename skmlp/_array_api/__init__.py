"""skmlp's engine in array API calls: training and prediction in X's own
namespace and on its device (PyTorch, CuPy, ``array_api_strict``), under
scikit-learn's array API dispatch, with the compiled engine's objective and
semantics; on NumPy arrays, the plain twin the compiled kernels are tested
against.

One job per module, each using only those listed before it:

- ``_namespace``: which arrays train here (:func:`uses_array_api`), and
  moving arrays between namespaces and devices;
- ``_random``: random draws on the device (dropout's stream, the
  augmentation's per-sample hash);
- ``_kernels``: activations, dropout, the output layers and their losses,
  back-propagation, penalties, the update rules (``UPDATE_RULES``, by the
  compiled engine's ``Update`` codes) and max-norm;
- ``_rows``: the training rows on the device (:class:`DeviceRows`);
- ``_augment``: the augmentation warp (:class:`ArrayAPIAugmenter`);
- ``_engine``: :class:`ArrayAPIEngine`, the compiled engine's interface
  (the epoch, the full-batch gradient);
- ``_backend``: :class:`ArrayAPIBackend`, what the fitter asks of a fit on
  such arrays (the engine and its parts, the hold-out's rows, the validation
  logits, L-BFGS through SciPy on the host);
- ``_prediction``: predictions in the weights' namespace and on their
  device.

:mod:`skmlp._backends` picks this engine or the compiled one for a fit.
"""
