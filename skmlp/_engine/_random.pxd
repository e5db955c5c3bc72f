# splitmix64 (Steele, Lea & Flood, 2014), the engine's random streams: fast,
# statistically sound, and a pure function of its 64-bit state, so that
# streams seeded from the estimator's random_state repeat. Inlined into the
# modules that draw: dropout's masks (_activations) and the augmentation's
# distortions (_augment).

cdef extern from *:
    """
    #define SKMLP_SPLITMIX64_GOLDEN 0x9E3779B97F4A7C15ULL
    """
    # The stream's increment: 2**64 divided by the golden ratio, made odd.
    const unsigned long long GOLDEN "SKMLP_SPLITMIX64_GOLDEN"


cdef inline unsigned long long mix(unsigned long long z) noexcept nogil:
    """splitmix64's finaliser: a bijection of 64-bit words that spreads every
    input bit over the whole output."""
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL
    return z ^ (z >> 31)


cdef inline unsigned long long next_bits(unsigned long long *state) noexcept nogil:
    """The next 64 random bits of a splitmix64 stream."""
    state[0] += GOLDEN
    return mix(state[0])


cdef inline double uniform(unsigned long long *state) noexcept nogil:
    """A draw uniform in [0, 1): the top 53 bits of the next draw."""
    return (next_bits(state) >> 11) * (1.0 / 9007199254740992.0)
