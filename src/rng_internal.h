/*
 * rng_internal.h — every random choice of the library goes through here
 * (GSL's MT19937), so a run is reproducible from its seed.
 */
#ifndef PC_RNG_INTERNAL_H
#define PC_RNG_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

typedef struct pc_rng pc_rng;

/* A generator seeded with `seed`, or NULL when out of memory. */
pc_rng *pc_rng_new(uint64_t seed);
void pc_rng_free(pc_rng *rng);

/* A uniform integer in [0, n), n ≥ 1. */
uint64_t pc_rng_below(pc_rng *rng, uint64_t n);

/* A uniform double in [0, 1). */
double pc_rng_uniform(pc_rng *rng);

/* A standard normal draw (GSL's ziggurat). */
double pc_rng_gaussian(pc_rng *rng);

/* An index i drawn with probability weight[i] / Σ weight, given the inclusive
 * prefix sums cumulative[0..n) (cumulative[n-1] > 0). */
size_t pc_rng_weighted(pc_rng *rng, const double *cumulative, size_t n);

/*
 * A 64-bit hash of a paper's id and a seed (FNV-1a from a basis XORed with
 * the seed, then MurmurHash3's fmix64 finaliser), for samples that depend on
 * the paper, not on where it stands: a paper is in when its hash is at most
 * a cut.  The finaliser spreads every byte over the high bits a cut
 * compares; FNV-1a alone leaves them to the first bytes, so that ids sharing
 * a prefix ("2401.00001", "2401.00002", ...) fall in or out together.
 */
uint64_t pc_id_hash(const char *id, uint64_t seed);

/* Draws m distinct integers of [0, n) (partial Fisher-Yates, a generator
 * seeded with `seed`) into chosen[0 .. m), sorted ascending; 0, or -1 when
 * out of memory.  m <= n. */
int pc_rng_sample(int32_t n, int32_t m, uint64_t seed, int32_t *chosen);

#endif
