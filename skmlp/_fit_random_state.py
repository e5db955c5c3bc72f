"""A fit's ``random_state``, built when first used.

``check_random_state(seed)`` seeds a Mersenne Twister: a tenth of a
millisecond, a tenth of what a later ``partial_fit`` call on load_digits
costs beside its epoch. Such a call (and a warm start that holds no rows
out) draws one number only from it: the seed of its own streams, the first
``randint`` of a fresh ``RandomState(seed)`` for an int seed, which is
cached here per seed. Any other use builds the RandomState itself, after
replaying that draw if it was served, so every draw is the one
``check_random_state``'s would have given.
"""

from functools import lru_cache
from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state

#: The stream seeds are drawn below this.
STREAM_SEED_BOUND = np.iinfo(np.int32).max


@lru_cache(maxsize=256)
def _first_stream_seed(seed):
    """The first ``randint(STREAM_SEED_BOUND)`` of ``RandomState(seed)``."""
    return int(np.random.RandomState(seed).randint(STREAM_SEED_BOUND))


class FitRandomState:
    """``check_random_state(random_state)`` for one fit, built on first use.

    Parameters
    ----------
    random_state : int, RandomState instance or None
        The estimator's ``random_state``.
    """

    def __init__(self, random_state):
        self._random_state = random_state
        self._state = None
        self._seed_served = False

    @classmethod
    def of(cls, random_state):
        """``random_state`` if it is one already, else one of it."""
        return random_state if isinstance(random_state, cls) else cls(random_state)

    def _is_int_seed(self):
        seed = self._random_state
        return isinstance(seed, Integral) and not isinstance(seed, bool)

    @property
    def state(self):
        """The RandomState, as ``check_random_state`` gives it, at the
        position the draws so far left it."""
        if self._state is None:
            self._state = check_random_state(self._random_state)
            if self._seed_served:
                self._state.randint(STREAM_SEED_BOUND)  # the draw served
        return self._state

    def stream_seed(self):
        """The next ``randint(STREAM_SEED_BOUND)``: the seed of a fit's
        streams, without building a RandomState when it is an int seed's
        first draw."""
        if self._state is None and not self._seed_served and self._is_int_seed():
            self._seed_served = True
            return _first_stream_seed(int(self._random_state))
        return int(self.state.randint(STREAM_SEED_BOUND))
