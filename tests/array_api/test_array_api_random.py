"""Random draws on the device: dropout's stream and the augmentation's
counter-based hash."""

import numpy as np
from array_api_helpers import numpy_namespace, to_numpy
from numpy.testing import assert_allclose

from skmlp._array_api._random import DeviceUniform, hashed_uniforms, stream_key


def test_hashed_uniforms_are_uniform_and_independent(namespace):
    xp = namespace.xp
    samples = xp.arange(20_000, dtype=xp.int64, device=namespace.device)
    u = to_numpy(hashed_uniforms(xp, stream_key(7, 0), samples, 8, xp.float64))
    assert u.shape == (20_000, 8) and u.min() >= 0 and u.max() < 1
    assert abs(u.mean() - 0.5) < 0.005 and abs(u.var() - 1 / 12) < 0.002
    # Neither the draws of a sample nor consecutive samples correlate.
    correlations = np.corrcoef(u.T)
    assert np.abs(correlations - np.eye(8)).max() < 0.03
    assert abs(np.corrcoef(u[:-1, 0], u[1:, 0])[0, 1]) < 0.03
    counts = np.histogram(u, bins=16, range=(0, 1))[0]
    assert counts.min() > 0.95 * counts.mean()


def test_hashed_uniforms_are_the_same_bits_on_every_namespace(namespace):
    xp = namespace.xp
    samples = xp.asarray([0, 5, 2**31 - 1], device=namespace.device)
    on_numpy = numpy_namespace().xp
    expected = hashed_uniforms(
        on_numpy, stream_key(2**64 - 1, 3), np.array([0, 5, 2**31 - 1]), 4, np.float64
    )
    got = hashed_uniforms(xp, stream_key(2**64 - 1, 3), samples, 4, xp.float64)
    assert np.array_equal(to_numpy(got), expected)


def test_stream_keys_differ_by_seed_and_epoch():
    keys = {stream_key(seed, epoch) for seed in range(50) for epoch in range(50)}
    assert len(keys) == 2500 and all(0 <= key < 2**32 for key in keys)


def test_device_uniform_repeats_with_its_seed(namespace):
    xp = namespace.xp
    first = DeviceUniform(xp, namespace.device, 3)((1000,), xp.float32)
    again = DeviceUniform(xp, namespace.device, 3)((1000,), xp.float32)
    other = DeviceUniform(xp, namespace.device, 4)((1000,), xp.float32)
    assert first.dtype == xp.float32
    assert np.array_equal(to_numpy(first), to_numpy(again))
    assert not np.array_equal(to_numpy(first), to_numpy(other))
    draws = to_numpy(DeviceUniform(xp, namespace.device, 5)((100_000,), xp.float64))
    assert draws.min() >= 0 and draws.max() < 1
    assert_allclose(draws.mean(), 0.5, atol=0.005)
