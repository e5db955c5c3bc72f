/* splitmix64 (Steele, Lea & Flood, 2014), the engine's random streams: fast,
 * statistically sound, and a pure function of its 64-bit state, so that
 * streams seeded from the estimator's random_state repeat. The n-th draw
 * after state s is skmlp_splitmix64_mix(s + n * SKMLP_SPLITMIX64_GOLDEN):
 * draws need not wait for each other, and a loop of them vectorises.
 * _random.pxd declares these for Cython. */
#ifndef SKMLP_RANDOM_H
#define SKMLP_RANDOM_H

/* The stream's increment: 2**64 divided by the golden ratio, made odd. */
#define SKMLP_SPLITMIX64_GOLDEN 0x9E3779B97F4A7C15ULL

/* splitmix64's finaliser: a bijection of 64-bit words that spreads every
 * input bit over the whole output. */
static inline unsigned long long skmlp_splitmix64_mix(unsigned long long z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

#endif
