# splitmix64, the engine's random streams (defined once, in _random.h, for C
# and Cython alike). Inlined into the modules that draw: dropout's masks
# (_activations, whose vectorised pass is in _vector_passes_body.h) and the
# augmentation's distortions (_augment).

cdef extern from "_random.h" nogil:
    # The stream's increment: 2**64 divided by the golden ratio, made odd.
    const unsigned long long GOLDEN "SKMLP_SPLITMIX64_GOLDEN"
    # splitmix64's finaliser: a bijection of 64-bit words that spreads every
    # input bit over the whole output.
    unsigned long long mix "skmlp_splitmix64_mix" (unsigned long long z)


cdef inline unsigned long long next_bits(unsigned long long *state) noexcept nogil:
    """The next 64 random bits of a splitmix64 stream."""
    state[0] += GOLDEN
    return mix(state[0])


cdef inline double uniform(unsigned long long *state) noexcept nogil:
    """A draw uniform in [0, 1): the top 53 bits of the next draw."""
    return (next_bits(state) >> 11) * (1.0 / 9007199254740992.0)
