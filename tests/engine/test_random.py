"""splitmix64 (``skmlp/_engine/_random.pxd``), the engine's random streams,
against a Python reference: dropout's masks draw from it, and the
augmenter's distortions (tested in ``tests/test_augment.py``)."""

from kernel_helpers import splitmix64_uniforms
from numpy.testing import assert_allclose

from skmlp._engine._activations import _next_uniform_for_tests


def test_uniform_draws_are_splitmix64s():
    seed = 0x1234_5678_9ABC_DEF0
    assert_allclose(
        _next_uniform_for_tests(seed, 50), splitmix64_uniforms(seed, 50)[0], rtol=0
    )


def test_a_stream_is_a_function_of_its_seed():
    first, second = _next_uniform_for_tests(7, 20), _next_uniform_for_tests(8, 20)
    assert first == _next_uniform_for_tests(7, 20)
    assert first != second
    assert all(0 <= draw < 1 for draw in first + second)
