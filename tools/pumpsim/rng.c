/*
 * tools/pumpsim/rng.c - xoshiro256** seeded by splitmix64, polar Gaussian.
 */
#include "tools/pumpsim/rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void pb_rng_seed(struct pb_rng *r, uint64_t seed)
{
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
	r->have_spare = false;
	r->spare = 0.0;
}

uint64_t pb_rng_u64(struct pb_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double pb_rng_uniform(struct pb_rng *r)
{
	return (double)(pb_rng_u64(r) >> 11) * 0x1.0p-53;
}

double pb_rng_gauss(struct pb_rng *r)
{
	if (r->have_spare) {
		r->have_spare = false;
		return r->spare;
	}
	double u, v, s;
	do {
		u = 2.0 * pb_rng_uniform(r) - 1.0;
		v = 2.0 * pb_rng_uniform(r) - 1.0;
		s = u * u + v * v;
	} while (s >= 1.0 || s == 0.0);
	double m = sqrt(-2.0 * log(s) / s);
	r->spare = v * m;
	r->have_spare = true;
	return u * m;
}

uint64_t pb_rng_split(struct pb_rng *r)
{
	uint64_t x = pb_rng_u64(r);
	return splitmix64(&x);
}
