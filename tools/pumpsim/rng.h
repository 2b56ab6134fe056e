/*
 * tools/pumpsim/rng.h - seeded random numbers for the pump models.
 *
 * Promise: pure and deterministic.  The generator is xoshiro256** seeded
 * through splitmix64; its whole state lives in struct pb_rng (no globals),
 * so two generators seeded alike give the same sequence on every platform.
 * pb_rng_gauss() draws standard normal numbers (Marsaglia polar method,
 * keeping the spare value in the state).
 */
#ifndef PB_PUMPSIM_RNG_H
#define PB_PUMPSIM_RNG_H

#include <stdbool.h>
#include <stdint.h>

struct pb_rng {
	uint64_t s[4];
	bool     have_spare;
	double   spare;
};

void     pb_rng_seed(struct pb_rng *r, uint64_t seed);
uint64_t pb_rng_u64(struct pb_rng *r);
/* Uniform in [0, 1) with 53 random bits. */
double   pb_rng_uniform(struct pb_rng *r);
/* Standard normal (mean 0, sd 1). */
double   pb_rng_gauss(struct pb_rng *r);
/* A new independent seed derived from r (for per-model sub-streams). */
uint64_t pb_rng_split(struct pb_rng *r);

#endif
