"""A fit's random_state built on first use gives check_random_state's draws."""

import numpy as np
import pytest
from sklearn.utils import check_random_state

from skmlp._fit_random_state import STREAM_SEED_BOUND, FitRandomState


def _expected(random_state, n_seeds, then_uniform):
    state = check_random_state(random_state)
    seeds = [int(state.randint(STREAM_SEED_BOUND)) for _ in range(n_seeds)]
    return seeds, state.uniform(size=3) if then_uniform else None


@pytest.mark.parametrize("seed", [0, 7, np.int64(12345), 2**32 - 1])
@pytest.mark.parametrize("n_seeds", [1, 2])
@pytest.mark.parametrize("then_uniform", [False, True])
def test_int_seeds_give_check_random_states_draws(seed, n_seeds, then_uniform):
    """The stream seed served without a RandomState, a second one, and the
    RandomState used afterwards: every draw is the one check_random_state's
    RandomState gives, in the same order."""
    expected_seeds, expected_uniform = _expected(seed, n_seeds, then_uniform)
    lazy = FitRandomState(seed)
    assert [lazy.stream_seed() for _ in range(n_seeds)] == expected_seeds
    if then_uniform:
        np.testing.assert_array_equal(lazy.state.uniform(size=3), expected_uniform)


def test_the_state_first_then_the_stream_seed():
    """A fit from scratch draws its initial weights first."""
    expected = check_random_state(3)
    weights = expected.normal(size=4)
    seed = int(expected.randint(STREAM_SEED_BOUND))
    lazy = FitRandomState(3)
    np.testing.assert_array_equal(lazy.state.normal(size=4), weights)
    assert lazy.stream_seed() == seed


def test_an_int_seeds_first_draw_builds_no_random_state(monkeypatch):
    expected = _expected(5, 1, False)[0][0]
    FitRandomState(5).stream_seed()  # cached from now on
    built = []
    real = np.random.RandomState
    monkeypatch.setattr(
        np.random, "RandomState", lambda *a: built.append(a) or real(*a)
    )
    assert FitRandomState(5).stream_seed() == expected
    assert built == []


def test_a_random_state_instance_is_drawn_from_in_place():
    given = np.random.RandomState(9)
    lazy = FitRandomState(given)
    assert lazy.stream_seed() == int(
        np.random.RandomState(9).randint(STREAM_SEED_BOUND)
    )
    assert lazy.state is given


def test_of_keeps_one_and_wraps_others():
    lazy = FitRandomState(1)
    assert FitRandomState.of(lazy) is lazy
    assert isinstance(FitRandomState.of(None), FitRandomState)
