"""Random numbers on the arrays' device: dropout's draws and the
augmentation's per-sample streams.

The array API standard has no random numbers. Two sources serve here:

- :class:`DeviceUniform`, dropout's stream: the namespace's own generator
  where it has one (a ``torch.Generator`` on the tensors' device, CuPy's
  ``default_rng``), one kernel per mask and no transfer; else NumPy's
  generator on the host, its draws moved to the device (``array_api_strict``,
  and any namespace without a generator). Seeded from the fit's dropout
  seed: a fit repeats on one namespace and device, not across them (the
  compiled engine's splitmix64 stream gives other bits again).
- :func:`hashed_uniforms`, the augmentation's: a counter-based hash of
  (seed, epoch, sample, draw) in int64 arithmetic that any namespace
  computes, on any device, with the same bits. As the compiled augmenter's
  streams, each sample's distortion at an epoch depends on nothing else: not
  on the order of the rows, the batch size, the namespace or the device.
"""

from sklearn.externals import array_api_compat

from ._namespace import numpy_dtype

# The hash's words are 32 bits, held in int64 (whose products of a word and a
# multiplier below 2**31 never overflow): every namespace has int64 and its
# shifts, and not every one has uint32 arithmetic (PyTorch's is partial).
_WORD = 0xFFFFFFFF
# Thomas Mueller's 32-bit integer hash multiplier (a bijection of 32-bit
# words, whose every output bit depends on every input bit).
_MULTIPLIER = 0x45D9F3B
# 2**32 divided by the golden ratio: consecutive counters spread apart.
_GOLDEN = 0x9E3779B9


def _mix(x):
    """Mueller's hash of 32-bit words held in int64 (arrays or Python ints)."""
    x = ((x >> 16) ^ x) * _MULTIPLIER & _WORD
    x = ((x >> 16) ^ x) * _MULTIPLIER & _WORD
    return (x >> 16) ^ x


def stream_key(seed, epoch):
    """The 32-bit key of one epoch's streams, from a 64-bit seed (Python ints)."""
    seed = int(seed) % 2**64
    key = _mix((seed & _WORD) ^ _mix(seed >> 32))
    return _mix(key ^ _mix((int(epoch) * _GOLDEN) & _WORD))


def hashed_uniforms(xp, key, samples, n_draws, dtype):
    """Draws uniform in [0, 1), ``n_draws`` per sample, from each sample's own
    stream under ``key`` (:func:`stream_key`).

    Parameters
    ----------
    xp : namespace
    key : int
        The epoch's key.
    samples : array of int64, shape (n,)
        The samples' indices (below 2**31), on the device of the result.
    n_draws : int
    dtype : float dtype of ``xp``

    Returns
    -------
    uniforms : array of shape (n, n_draws)
        32 random bits each, scaled to [0, 1).
    """
    device = array_api_compat.device(samples)
    draws = xp.arange(n_draws, dtype=xp.int64, device=device) * _GOLDEN & _WORD
    sample_keys = _mix((samples ^ key) & _WORD)
    words = _mix(_mix((sample_keys[:, None] + draws[None, :]) & _WORD))
    return xp.astype(words, dtype) * (1.0 / 2**32)


class DeviceUniform:
    """Dropout's stream: uniform draws in [0, 1) on a device.

    Parameters
    ----------
    xp : namespace
    device : device of ``xp``
    seed : int
    """

    def __init__(self, xp, device, seed):
        self.xp, self.device = xp, device
        seed = int(seed) % 2**63
        if array_api_compat.is_torch_namespace(xp):
            import torch

            self._torch = torch.Generator(device=device).manual_seed(seed)
            self._draw = self._draw_torch
        elif array_api_compat.is_cupy_namespace(xp):
            import cupy

            with cupy.cuda.Device(device):
                self._cupy = cupy.random.default_rng(seed)
            self._draw = self._draw_cupy
        else:
            import numpy as np

            self._numpy = np.random.default_rng(seed)
            self._draw = self._draw_numpy

    def __call__(self, shape, dtype):
        """An array of ``shape`` and ``dtype`` of draws uniform in [0, 1)."""
        return self._draw(shape, dtype)

    def _draw_torch(self, shape, dtype):
        import torch

        return torch.rand(shape, generator=self._torch, dtype=dtype, device=self.device)

    def _draw_cupy(self, shape, dtype):
        import cupy

        with cupy.cuda.Device(self.device):
            return self._cupy.random(shape, dtype=numpy_dtype(dtype))

    def _draw_numpy(self, shape, dtype):
        draws = self._numpy.random(shape, dtype=numpy_dtype(dtype))
        return self.xp.asarray(draws, device=self.device)
