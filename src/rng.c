/*
 * rng.c — the random-number seam: GSL's gsl_rng_mt19937 behind a small API.
 * MT19937 takes a 32-bit seed through gsl_rng_set; a 64-bit seed is folded
 * into it so that seeds differing only in the high half still differ.
 */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "rng_internal.h"

struct pc_rng {
    gsl_rng *gen;
};

pc_rng *pc_rng_new(uint64_t seed)
{
    pc_rng *rng = pc_malloc(sizeof *rng);
    if (!rng)
        return NULL;
    rng->gen = gsl_rng_alloc(gsl_rng_mt19937);
    if (!rng->gen) {
        free(rng);
        return NULL;
    }
    gsl_rng_set(rng->gen, (unsigned long)((seed ^ (seed >> 32)) & 0xffffffffu));
    return rng;
}

void pc_rng_free(pc_rng *rng)
{
    if (!rng)
        return;
    gsl_rng_free(rng->gen);
    free(rng);
}

uint64_t pc_rng_below(pc_rng *rng, uint64_t n)
{
    if (n <= 1)
        return 0;
    if (n <= gsl_rng_max(rng->gen) - gsl_rng_min(rng->gen))
        return gsl_rng_uniform_int(rng->gen, (unsigned long)n);
    return (uint64_t)(gsl_rng_uniform(rng->gen) * (double)n) % n;
}

double pc_rng_uniform(pc_rng *rng)
{
    return gsl_rng_uniform(rng->gen);
}

double pc_rng_gaussian(pc_rng *rng)
{
    return gsl_ran_gaussian_ziggurat(rng->gen, 1.0);
}

size_t pc_rng_weighted(pc_rng *rng, const double *cumulative, size_t n)
{
    double target = gsl_rng_uniform(rng->gen) * cumulative[n - 1];
    size_t lo = 0, hi = n - 1;
    while (lo < hi) { /* first i with cumulative[i] > target */
        size_t mid = lo + (hi - lo) / 2;
        if (cumulative[mid] > target)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

int pc_rng_sample(int32_t n, int32_t m, uint64_t seed, int32_t *chosen)
{
    int32_t *perm = pc_malloc_array((size_t)n + 1, sizeof *perm);
    pc_rng *rng = pc_rng_new(seed);
    int ok = perm && rng;
    if (ok) {
        for (int32_t i = 0; i < n; i++)
            perm[i] = i;
        for (int32_t t = 0; t < m; t++) {
            int32_t j = t + (int32_t)pc_rng_below(rng, (uint64_t)(n - t));
            int32_t swap = perm[t];
            perm[t] = perm[j];
            perm[j] = swap;
        }
        memcpy(chosen, perm, (size_t)m * sizeof *chosen);
        qsort(chosen, (size_t)m, sizeof *chosen, pc_compare_int32);
    }
    free(perm);
    pc_rng_free(rng);
    return ok ? 0 : -1;
}

uint64_t pc_id_hash(const char *id, uint64_t seed)
{
    uint64_t h = 1469598103934665603ULL ^ seed;
    for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb53fe63e3c7bULL;
    return h ^ (h >> 33);
}
