/*
 * tests/unit/test_eeprom.c - the emulated EEPROM: slot choice, power cuts
 * at every byte, sequence wrap, damaged and wrong-size files.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/lib/check_main.h"
#include "tools/pumpsim/eeprom.h"

static struct pb_eeprom_record make_rec(const char *serial, uint32_t cal_id,
    float gain)
{
	struct pb_eeprom_record r;
	memset(&r, 0, sizeof r);
	snprintf(r.serial, sizeof r.serial, "%s", serial);
	r.cal_valid = 3;
	for (int ch = 0; ch < PB_MAX_CH; ch++) {
		r.cal[ch].channel = (uint8_t)ch;
		r.cal[ch].order = 2;
		r.cal[ch].c[0] = -12.5f + (float)ch;
		r.cal[ch].c[1] = gain;
		r.cal[ch].c[2] = 1e-6f * (float)(ch + 1);
		r.cal[ch].cal_id = cal_id;
		r.cal[ch].date = 1790000000u + cal_id;
		snprintf(r.cal[ch].station, sizeof r.cal[ch].station, "ST-%u",
		    cal_id);
	}
	return r;
}

static bool rec_eq(const struct pb_eeprom_record *a,
    const struct pb_eeprom_record *b)
{
	if (strcmp(a->serial, b->serial) != 0 || a->cal_valid != b->cal_valid)
		return false;
	for (int ch = 0; ch < PB_MAX_CH; ch++) {
		const struct pb_cal *x = &a->cal[ch], *y = &b->cal[ch];
		if (x->channel != y->channel || x->order != y->order ||
		    x->cal_id != y->cal_id || x->date != y->date ||
		    memcmp(x->c, y->c, sizeof x->c) != 0 ||
		    strcmp(x->station, y->station) != 0)
			return false;
	}
	return true;
}

static char tmpdir[64];

static void mk_tmpdir(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/pb-eeprom-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void rm_tmpdir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(blank_has_no_record)
{
	struct pb_eeprom e;
	pb_eeprom_init(&e);
	char msg[256] = "";
	ck_assert_int_eq(pb_eeprom_scan(&e, msg, sizeof msg), PB_EEPROM_E_EMPTY);
	ck_assert_ptr_null(pb_eeprom_record(&e));
	ck_assert_str_eq(msg, "");    /* erased slots are not errors */
}
END_TEST

START_TEST(write_then_read_alternates_slots)
{
	struct pb_eeprom e;
	pb_eeprom_init(&e);
	struct pb_eeprom_record a = make_rec("SN-A", 1, 0.1f);
	struct pb_eeprom_record b = make_rec("SN-B", 2, 0.2f);
	ck_assert_int_eq(pb_eeprom_write_record(&e, &a), PB_EEPROM_OK);
	ck_assert_int_eq(e.rec_slot, 0);
	ck_assert_int_eq(pb_eeprom_write_record(&e, &b), PB_EEPROM_OK);
	ck_assert_int_eq(e.rec_slot, 1);
	/* fresh boot: scanning the image finds the newest */
	ck_assert_int_eq(pb_eeprom_scan(&e, NULL, 0), PB_EEPROM_OK);
	ck_assert(rec_eq(pb_eeprom_record(&e), &b));
	ck_assert_uint_eq(e.rec_seq, 2);
	ck_assert_int_eq(pb_eeprom_write_record(&e, &a), PB_EEPROM_OK);
	ck_assert_int_eq(e.rec_slot, 0);
	ck_assert_int_eq(pb_eeprom_scan(&e, NULL, 0), PB_EEPROM_OK);
	ck_assert(rec_eq(pb_eeprom_record(&e), &a));
	/* the older copy is still intact in slot 1 */
	struct pb_eeprom_record old;
	ck_assert_int_eq(pb_eeprom_decode_record(e.img + PB_EEPROM_REC_OFF1,
	    PB_EEPROM_REC_LEN, true, &old, NULL), 0);
	ck_assert(rec_eq(&old, &b));
}
END_TEST

/* The core property: a power cut after any number of bytes of a record
 * write leaves the old record or the new one, never anything else. */
START_TEST(power_cut_at_every_byte)
{
	struct pb_eeprom_record old = make_rec("SN-OLD", 7, 0.25f);
	struct pb_eeprom_record neu = make_rec("SN-NEW", 8, 0.125f);
	int n_old = 0, n_new = 0;
	/* Each history: 0, 1 or 2 writes before the cut, so the slot being
	 * overwritten may be erased or hold an older valid record. */
	for (int pre = 1; pre <= 3; pre++) {
		for (size_t cut = 0; cut <= PB_EEPROM_REC_LEN; cut++) {
			struct pb_eeprom e;
			pb_eeprom_init(&e);
			for (int i = 0; i < pre; i++) {
				struct pb_eeprom_record h = make_rec("SN-H",
				    (uint32_t)i, (float)i);
				if (i == pre - 1)
					h = old;
				ck_assert_int_eq(pb_eeprom_write_record(&e, &h),
				    PB_EEPROM_OK);
			}
			pb_eeprom_arm_power_cut(&e, cut);
			int rc = pb_eeprom_write_record(&e, &neu);
			if (cut < PB_EEPROM_REC_LEN)
				ck_assert_int_eq(rc, PB_EEPROM_E_POWER);
			else
				ck_assert_int_eq(rc, PB_EEPROM_OK);
			/* supply back: the firmware boots and scans */
			pb_eeprom_disarm_power_cut(&e);
			ck_assert_int_eq(pb_eeprom_scan(&e, NULL, 0),
			    PB_EEPROM_OK);
			const struct pb_eeprom_record *r = pb_eeprom_record(&e);
			ck_assert_ptr_nonnull(r);
			bool is_old = rec_eq(r, &old), is_new = rec_eq(r, &neu);
			ck_assert_msg(is_old || is_new,
			    "pre %d cut %zu: neither old nor new", pre, cut);
			if (cut == 0)
				ck_assert(is_old);
			if (cut == PB_EEPROM_REC_LEN)
				ck_assert(is_new);
			n_old += is_old;
			n_new += is_new;
			/* and the next write after the cut works */
			ck_assert_int_eq(pb_eeprom_write_record(&e, &neu),
			    PB_EEPROM_OK);
			ck_assert_int_eq(pb_eeprom_scan(&e, NULL, 0),
			    PB_EEPROM_OK);
			ck_assert(rec_eq(pb_eeprom_record(&e), &neu));
		}
	}
	ck_assert_int_gt(n_old, 0);
	ck_assert_int_gt(n_new, 0);
}
END_TEST

START_TEST(power_cut_first_write_leaves_empty_not_corrupt)
{
	struct pb_eeprom_record neu = make_rec("SN-1", 1, 0.5f);
	for (size_t cut = 0; cut < PB_EEPROM_REC_LEN; cut++) {
		struct pb_eeprom e;
		pb_eeprom_init(&e);
		pb_eeprom_arm_power_cut(&e, cut);
		ck_assert_int_eq(pb_eeprom_write_record(&e, &neu),
		    PB_EEPROM_E_POWER);
		pb_eeprom_disarm_power_cut(&e);
		ck_assert_int_eq(pb_eeprom_scan(&e, NULL, 0),
		    PB_EEPROM_E_EMPTY);
	}
}
END_TEST

/* With the CRC check disabled (defect no-cal-crc) a torn write can be
 * taken for a record: the defect is observable. */
START_TEST(no_crc_check_accepts_torn_record)
{
	struct pb_eeprom_record old = make_rec("SN-OLD", 1, 0.25f);
	struct pb_eeprom_record neu = make_rec("SN-NEW", 2, 0.125f);
	struct pb_eeprom e;
	pb_eeprom_init(&e);
	e.check_crc = false;
	pb_eeprom_write_record(&e, &old);
	pb_eeprom_write_record(&e, &old);   /* slot 1 seq 2 */
	/* tear the third write after the header and serial */
	pb_eeprom_arm_power_cut(&e, 12 + 16 + 10);
	ck_assert_int_eq(pb_eeprom_write_record(&e, &neu), PB_EEPROM_E_POWER);
	pb_eeprom_disarm_power_cut(&e);
	pb_eeprom_scan(&e, NULL, 0);
	const struct pb_eeprom_record *r = pb_eeprom_record(&e);
	ck_assert_ptr_nonnull(r);
	ck_assert(!rec_eq(r, &old) && !rec_eq(r, &neu));
	/* the same image with the check on yields the old record */
	e.check_crc = true;
	pb_eeprom_scan(&e, NULL, 0);
	ck_assert(rec_eq(pb_eeprom_record(&e), &old));
}
END_TEST

START_TEST(seq_wraps)
{
	ck_assert(pb_eeprom_seq_newer(1, 0));
	ck_assert(pb_eeprom_seq_newer(0, 0xFFFFFFFFu));
	ck_assert(pb_eeprom_seq_newer(5, 0xFFFFFFF0u));
	ck_assert(!pb_eeprom_seq_newer(0xFFFFFFFFu, 0));
	ck_assert(!pb_eeprom_seq_newer(3, 3));

	/* slot 0 holds seq 0xFFFFFFFF, slot 1 holds seq 0: slot 1 wins */
	struct pb_eeprom e;
	pb_eeprom_init(&e);
	struct pb_eeprom_record a = make_rec("SN-A", 1, 1.0f);
	struct pb_eeprom_record b = make_rec("SN-B", 2, 2.0f);
	pb_eeprom_encode_record(&a, 0xFFFFFFFFu, e.img + PB_EEPROM_REC_OFF0);
	pb_eeprom_encode_record(&b, 0u, e.img + PB_EEPROM_REC_OFF1);
	ck_assert_int_eq(pb_eeprom_scan(&e, NULL, 0), PB_EEPROM_OK);
	ck_assert_int_eq(e.rec_slot, 1);
	ck_assert(rec_eq(pb_eeprom_record(&e), &b));
	/* the next write goes to slot 0 with seq 1 and wins */
	pb_eeprom_write_record(&e, &a);
	ck_assert_int_eq(e.rec_slot, 0);
	ck_assert_uint_eq(e.rec_seq, 1);
	pb_eeprom_scan(&e, NULL, 0);
	ck_assert(rec_eq(pb_eeprom_record(&e), &a));

	/* the reverse order of slots */
	pb_eeprom_init(&e);
	pb_eeprom_encode_record(&a, 0u, e.img + PB_EEPROM_REC_OFF0);
	pb_eeprom_encode_record(&b, 0xFFFFFFFEu, e.img + PB_EEPROM_REC_OFF1);
	pb_eeprom_scan(&e, NULL, 0);
	ck_assert_int_eq(e.rec_slot, 0);
}
END_TEST

START_TEST(corrupt_slot_is_reported_and_skipped)
{
	struct pb_eeprom e;
	pb_eeprom_init(&e);
	struct pb_eeprom_record a = make_rec("SN-A", 1, 1.0f);
	struct pb_eeprom_record b = make_rec("SN-B", 2, 2.0f);
	pb_eeprom_write_record(&e, &a);
	pb_eeprom_write_record(&e, &b);
	e.img[PB_EEPROM_REC_OFF1 + 40] ^= 0x01;   /* flip a bit in slot 1 */
	char msg[512] = "";
	ck_assert_int_eq(pb_eeprom_scan(&e, msg, sizeof msg), PB_EEPROM_OK);
	ck_assert(rec_eq(pb_eeprom_record(&e), &a));
	ck_assert_ptr_nonnull(strstr(msg, "slot 1"));
	ck_assert_ptr_nonnull(strstr(msg, "CRC"));
	ck_assert(e.slot_bad[1]);
	/* the next write replaces the damaged slot, not the good one */
	pb_eeprom_write_record(&e, &b);
	ck_assert_int_eq(e.rec_slot, 1);
	pb_eeprom_scan(&e, NULL, 0);
	ck_assert(rec_eq(pb_eeprom_record(&e), &b));
}
END_TEST

START_TEST(random_images_never_crash)
{
	/* any garbage: scanning never crashes, and a record found always
	 * re-encodes to bytes whose CRC checks */
	unsigned s = 12345;
	for (int it = 0; it < 2000; it++) {
		uint8_t img[PB_EEPROM_SIZE];
		for (size_t i = 0; i < sizeof img; i++) {
			s = s * 1103515245u + 12345u;
			img[i] = (uint8_t)(s >> 16);
		}
		if (it % 3 == 0) {   /* valid header, garbage body */
			struct pb_eeprom_record r = make_rec("X", 1, 1.0f);
			pb_eeprom_encode_record(&r, 9, img);
			img[50] ^= (uint8_t)(1u << (it % 8));
		}
		struct pb_eeprom e;
		pb_eeprom_init(&e);
		char msg[512] = "";
		int rc = pb_eeprom_load_image(&e, img, sizeof img, msg,
		    sizeof msg);
		ck_assert(rc == PB_EEPROM_OK || rc == PB_EEPROM_E_EMPTY);
		ck_assert_int_eq(pb_eeprom_load_image(&e, img, (size_t)it % 1024,
		    msg, sizeof msg), PB_EEPROM_E_EMPTY);
	}
}
END_TEST

START_TEST(boot_counter_survives_cuts)
{
	struct pb_eeprom e;
	pb_eeprom_init(&e);
	uint32_t n = 0;
	for (uint32_t i = 1; i <= 5; i++) {
		ck_assert_int_eq(pb_eeprom_boot(&e, &n), PB_EEPROM_OK);
		ck_assert_uint_eq(n, i);
	}
	for (size_t cut = 0; cut <= PB_EEPROM_BOOT_SLOT; cut++) {
		struct pb_eeprom c = e;
		pb_eeprom_arm_power_cut(&c, cut);
		int rc = pb_eeprom_boot(&c, &n);
		pb_eeprom_disarm_power_cut(&c);
		pb_eeprom_scan(&c, NULL, 0);
		if (cut < PB_EEPROM_BOOT_SLOT) {
			ck_assert_int_eq(rc, PB_EEPROM_E_POWER);
			ck_assert(c.boot_count == 5 || c.boot_count == 6);
		} else {
			ck_assert_uint_eq(c.boot_count, 6);
		}
	}
	/* the record is untouched by boot counting */
	ck_assert_ptr_null(pb_eeprom_record(&e));
}
END_TEST

static void read_file(const char *path, uint8_t *buf, size_t cap, size_t *n)
{
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	*n = fread(buf, 1, cap, f);
	fclose(f);
}

START_TEST(file_write_through_and_reload)
{
	mk_tmpdir();
	char path[128];
	snprintf(path, sizeof path, "%s/ee.bin", tmpdir);
	struct pb_eeprom e;
	pb_eeprom_init(&e);
	char msg[512] = "";
	ck_assert_int_eq(pb_eeprom_attach_file(&e, path, msg, sizeof msg),
	    PB_EEPROM_OK);
	ck_assert_str_eq(msg, "");
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq((int)st.st_size, PB_EEPROM_SIZE);
	ck_assert_int_eq(st.st_mode & 077, 0);
	struct pb_eeprom_record a = make_rec("SN-FILE", 3, 0.3f);
	ck_assert_int_eq(pb_eeprom_write_record(&e, &a), PB_EEPROM_OK);
	uint32_t n;
	pb_eeprom_boot(&e, &n);
	/* the file has the same bytes as the image, without closing */
	uint8_t buf[2048];
	size_t got;
	read_file(path, buf, sizeof buf, &got);
	ck_assert_uint_eq(got, PB_EEPROM_SIZE);
	ck_assert(memcmp(buf, e.img, PB_EEPROM_SIZE) == 0);
	pb_eeprom_detach_file(&e);

	struct pb_eeprom f;
	pb_eeprom_init(&f);
	ck_assert_int_eq(pb_eeprom_attach_file(&f, path, msg, sizeof msg),
	    PB_EEPROM_OK);
	ck_assert(rec_eq(pb_eeprom_record(&f), &a));
	ck_assert_uint_eq(f.boot_count, 1);
	/* a second emulator on the same file is refused */
	struct pb_eeprom g;
	pb_eeprom_init(&g);
	msg[0] = '\0';
	ck_assert_int_eq(pb_eeprom_attach_file(&g, path, msg, sizeof msg),
	    PB_EEPROM_E_FILE);
	ck_assert_ptr_nonnull(strstr(msg, "in use"));
	/* a cut write reaches the file only partially; reload finds old */
	struct pb_eeprom_record b = make_rec("SN-FILE2", 4, 0.4f);
	pb_eeprom_arm_power_cut(&f, 30);
	ck_assert_int_eq(pb_eeprom_write_record(&f, &b), PB_EEPROM_E_POWER);
	pb_eeprom_detach_file(&f);
	pb_eeprom_init(&f);
	pb_eeprom_attach_file(&f, path, msg, sizeof msg);
	ck_assert(rec_eq(pb_eeprom_record(&f), &a));
	ck_assert_ptr_nonnull(strstr(msg, "slot 1"));
	pb_eeprom_detach_file(&f);
	rm_tmpdir();
}
END_TEST

START_TEST(short_file_kept_and_blank)
{
	mk_tmpdir();
	char path[128], bad[140];
	snprintf(path, sizeof path, "%s/ee.bin", tmpdir);
	snprintf(bad, sizeof bad, "%s.bad", path);
	FILE *fp = fopen(path, "wb");
	ck_assert_ptr_nonnull(fp);
	fputs("not an eeprom", fp);
	fclose(fp);
	struct pb_eeprom e;
	pb_eeprom_init(&e);
	char msg[512] = "";
	ck_assert_int_eq(pb_eeprom_attach_file(&e, path, msg, sizeof msg),
	    PB_EEPROM_OK);
	ck_assert_ptr_nonnull(strstr(msg, path));
	ck_assert_ptr_nonnull(strstr(msg, "13 bytes"));
	ck_assert_ptr_null(pb_eeprom_record(&e));
	/* the odd bytes are kept; the new file is a full blank image */
	uint8_t buf[2048];
	size_t got;
	read_file(bad, buf, sizeof buf, &got);
	ck_assert_uint_eq(got, 13);
	read_file(path, buf, sizeof buf, &got);
	ck_assert_uint_eq(got, PB_EEPROM_SIZE);
	ck_assert_uint_eq(buf[0], 0xFF);
	pb_eeprom_detach_file(&e);

	/* a right-size file of garbage: slots ignored with messages */
	fp = fopen(path, "wb");
	for (int i = 0; i < PB_EEPROM_SIZE; i++)
		fputc(i * 7, fp);
	fclose(fp);
	pb_eeprom_init(&e);
	msg[0] = '\0';
	ck_assert_int_eq(pb_eeprom_attach_file(&e, path, msg, sizeof msg),
	    PB_EEPROM_OK);
	ck_assert_ptr_null(pb_eeprom_record(&e));
	ck_assert_ptr_nonnull(strstr(msg, "slot 0"));
	/* and it can be written again */
	struct pb_eeprom_record a = make_rec("SN-X", 1, 1.0f);
	ck_assert_int_eq(pb_eeprom_write_record(&e, &a), PB_EEPROM_OK);
	pb_eeprom_detach_file(&e);
	pb_eeprom_init(&e);
	pb_eeprom_attach_file(&e, path, NULL, 0);
	ck_assert(rec_eq(pb_eeprom_record(&e), &a));
	pb_eeprom_detach_file(&e);

	/* a directory is refused with a message, not a crash */
	msg[0] = '\0';
	pb_eeprom_init(&e);
	ck_assert_int_eq(pb_eeprom_attach_file(&e, tmpdir, msg, sizeof msg),
	    PB_EEPROM_E_FILE);
	ck_assert_ptr_nonnull(strstr(msg, tmpdir));
	/* a FIFO: refused at once (never waits for a peer), the kind named,
	 * and nothing renamed or created in its place */
	char fifo[128];
	snprintf(fifo, sizeof fifo, "%s/ee.fifo", tmpdir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	msg[0] = '\0';
	pb_eeprom_init(&e);
	ck_assert_int_eq(pb_eeprom_attach_file(&e, fifo, msg, sizeof msg),
	    PB_EEPROM_E_FILE);
	ck_assert_msg(strstr(msg, "ee.fifo: EEPROM file is not a regular file "
	    "(a FIFO)"), "%s", msg);
	struct stat st;
	ck_assert_int_eq(lstat(fifo, &st), 0);
	ck_assert(S_ISFIFO(st.st_mode));
	unlink(fifo);
	rm_tmpdir();
}
END_TEST

static Suite *eeprom_suite(void)
{
	Suite *s = suite_create("eeprom");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, blank_has_no_record);
	tcase_add_test(tc, write_then_read_alternates_slots);
	tcase_add_test(tc, power_cut_at_every_byte);
	tcase_add_test(tc, power_cut_first_write_leaves_empty_not_corrupt);
	tcase_add_test(tc, no_crc_check_accepts_torn_record);
	tcase_add_test(tc, seq_wraps);
	tcase_add_test(tc, corrupt_slot_is_reported_and_skipped);
	tcase_add_test(tc, random_images_never_crash);
	tcase_add_test(tc, boot_counter_survives_cuts);
	suite_add_tcase(s, tc);
	TCase *tf = tcase_create("file");
	tcase_add_test(tf, file_write_through_and_reload);
	tcase_add_test(tf, short_file_kept_and_blank);
	suite_add_tcase(s, tf);
	return s;
}

PB_CHECK_MAIN(eeprom_suite)
