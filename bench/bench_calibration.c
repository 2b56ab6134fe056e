/*
 * bench_calibration: calibrate N emulated units (random sensor errors
 * drawn from the profile's spreads: offset sd 7.5 mmHg, gain sd 2 %,
 * 0.3 %FS non-linearity, 1 mmHg noise) on the simulated rig and report
 * the distribution of the worst calibrated error over 0-300 mmHg, the
 * pump time a calibration takes and the wall time it costs here.
 *
 *   build/rel/bench/bench_calibration [UNITS] [PROFILE]
 *
 * The error is measured black-box: the pump holds 0, 25, ... 300 mmHg and
 * its own reading, averaged over 2 s, is compared with the true vacuum of
 * the emulated pneumatics.  Exits non-zero if any unit is off by more than
 * 1 mmHg.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hil/calibrate.h"
#include "hil/dut.h"
#include "hil/fixture.h"
#include "hil/rig.h"
#include "proto/station.h"
#include "pump/profile.h"

static double
wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The pump's worst |reading - true vacuum| at mmhg, NAN on failure. */
static double
error_at(struct pb_dut *d, int channels, double mmhg)
{
	double worst;
	return pb_hil_cal_error(d, channels, mmhg, &worst) == 0 ? worst : NAN;
}

int
main(int argc, char **argv)
{
	int units = argc > 1 ? atoi(argv[1]) : 50;
	const char *profile = argc > 2 ? argv[2] : "s10pro";
	char err[512], keypath[] = "/tmp/pbbenchkeyXXXXXX";
	int fd = mkstemp(keypath);
	const char *hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n";
	if (fd < 0 || fchmod(fd, 0600) != 0 ||
	    write(fd, hex, strlen(hex)) != (ssize_t)strlen(hex)) {
		perror("key");
		return 2;
	}
	close(fd);
	struct pb_rig rig;
	struct pb_profile prof;
	if (pb_rig_find(&rig, "sim", err, sizeof err) != 0 ||
	    pb_profile_find(&prof, profile, err, sizeof err) != 0) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	double *before = calloc((size_t)units, sizeof *before);
	double *after = calloc((size_t)units, sizeof *after);
	double *pump_s = calloc((size_t)units, sizeof *pump_s);
	double cal_wall = 0;
	int bad = 0;
	printf("unit  seed  before(mmHg)  after(mmHg)  pump-time(s)  verdict\n");
	for (int u = 0; u < units; u++) {
		struct pb_fixture_opts o;
		memset(&o, 0, sizeof o);
		o.profile = &prof;
		o.seed = 1000 + (uint64_t)u;
		o.sensor_errors = true;
		o.factory_key_path = keypath;
		o.dut_serial = "BENCH";
		struct pb_fixture *fix;
		struct pb_dut *d;
		if (pb_fixture_open(&rig, &o, &fix, err, sizeof err) != 0 ||
		    pb_dut_new(fix, &d, err, sizeof err) != 0) {
			fprintf(stderr, "%s\n", err);
			return 2;
		}
		pb_fixture_set_power(fix, true);
		pb_dut_hello_until(d, 10);
		before[u] = 0;
		for (double v = 0; v <= 300; v += 25)
			before[u] = fmax(before[u], error_at(d, prof.channels, v));
		struct pb_cal_config cfg;
		memset(&cfg, 0, sizeof cfg);
		cfg.profile = &prof;
		pb_station_load_key(keypath, cfg.key, &cfg.key_len, err, sizeof err);
		strcpy(cfg.station, "bench");
		struct pb_cal_result res;
		double w0 = wall();
		int rc = pb_hil_calibrate(d, &cfg, NULL, 600, &res, err, sizeof err);
		cal_wall += wall() - w0;
		pump_s[u] = (res.finished_us - res.started_us) / 1e6;
		after[u] = 0;
		for (double v = 0; v <= 300; v += 25)
			after[u] = fmax(after[u], error_at(d, prof.channels, v));
		printf("%4d  %4d  %12.2f  %11.3f  %12.1f  %s\n", u, 1000 + u,
		    before[u], after[u], pump_s[u],
		    rc ? err : pb_cal_verdict_name(res.verdict));
		if (rc != 0 || res.verdict != PB_CAL_PASS || !(after[u] <= 1.0))
			bad++;
		pb_dut_free(d);
		pb_fixture_close(fix);
	}
	unlink(keypath);
	qsort(before, (size_t)units, sizeof *before, cmp);
	qsort(after, (size_t)units, sizeof *after, cmp);
	qsort(pump_s, (size_t)units, sizeof *pump_s, cmp);
	printf("\nworst |error| over 0-300 mmHg across %d %s units:\n", units,
	    profile);
	printf("  before calibration: median %.2f  p90 %.2f  max %.2f mmHg\n",
	    before[units / 2], before[units * 9 / 10], before[units - 1]);
	printf("  after calibration:  median %.3f  p90 %.3f  max %.3f mmHg\n",
	    after[units / 2], after[units * 9 / 10], after[units - 1]);
	printf("  histogram after (mmHg):");
	for (double b = 0.1; b <= 1.0 + 1e-9; b += 0.1) {
		int c = 0;
		for (int u = 0; u < units; u++)
			if (after[u] <= b && after[u] > b - 0.1)
				c++;
		printf(" <=%.1f:%d", b, c);
	}
	printf("\n  calibration pump time: median %.1f s, max %.1f s\n",
	    pump_s[units / 2], pump_s[units - 1]);
	printf("  calibration wall time here (virtual-time rig): %.2f s per unit\n",
	    cal_wall / units);
	printf("%d of %d units within +/-1 mmHg\n", units - bad, units);
	return bad ? 1 : 0;
}
