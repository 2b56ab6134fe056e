/*
 * tests/unit/test_vectors.c - the test vectors in docs/protocol.md, read
 * from the document at test time (run from the repository root), must be
 * exactly what pb_frame_encode_msg() produces for the messages described
 * there (tests/unit/vectors.h), and must decode back to them.  Every vector
 * in the document has a builder here and every builder a vector there.
 */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/crc32c.h"
#include "proto/frame.h"
#include "tests/lib/check_main.h"
#include "tests/unit/msg_gen.h"
#include "tests/unit/vectors.h"

#define DOC "docs/protocol.md"
#define MAXV 64

struct doc_vec {
	char name[64];
	uint8_t bytes[PB_WIRE_MAX + 64];
	size_t n;
	int line;
};

static struct doc_vec docv[MAXV];
static size_t ndocv;

/* Parse "vector <name>: hh hh ..." lines inside ``` blocks. */
static void load_doc(void)
{
	FILE *f = fopen(DOC, "r");
	char line[4096];
	int lineno = 0, fenced = 0;
	ck_assert_msg(f != NULL, "cannot open %s (run from the repo root)",
	    DOC);
	ndocv = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		ck_assert_msg(strchr(line, '\n') || feof(f),
		    "%s:%d: line too long", DOC, lineno);
		if (strncmp(line, "```", 3) == 0) {
			fenced = !fenced;
			continue;
		}
		if (!fenced || strncmp(line, "vector ", 7) != 0)
			continue;
		ck_assert_msg(ndocv < MAXV, "too many vectors");
		struct doc_vec *v = &docv[ndocv++];
		memset(v, 0, sizeof *v);
		v->line = lineno;
		char *p = line + 7, *colon = strchr(p, ':');
		ck_assert_msg(colon && (size_t)(colon - p) < sizeof v->name,
		    "%s:%d: expected 'vector <name>: <hex>'", DOC, lineno);
		memcpy(v->name, p, (size_t)(colon - p));
		for (p = colon + 1;;) {
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p == '\n' || *p == '\r' || *p == '\0')
				break;
			ck_assert_msg(isxdigit((unsigned char)p[0]) &&
			    isxdigit((unsigned char)p[1]) &&
			    (p[2] == ' ' || p[2] == '\n' || p[2] == '\r' ||
			    p[2] == '\0'), "%s:%d: bad hex byte near '%.8s'",
			    DOC, lineno, p);
			ck_assert_msg(v->n < sizeof v->bytes, "%s:%d: too long",
			    DOC, lineno);
			v->bytes[v->n++] = (uint8_t)strtoul((char[3]){ p[0],
			    p[1], 0 }, NULL, 16);
			p += 2;
		}
	}
	fclose(f);
}

START_TEST(doc_vectors_match_code)
{
	load_doc();
	ck_assert_uint_ge(ndocv, 5);
	/* every vector in the document is known here, once */
	for (size_t i = 0; i < ndocv; i++) {
		size_t hits = 0;
		for (size_t k = 0; k < VEC_COUNT; k++)
			hits += strcmp(docv[i].name, vec_defs[k].name) == 0;
		ck_assert_msg(hits == 1, "%s:%d: vector '%s' has no builder in "
		    "tests/unit/vectors.h", DOC, docv[i].line, docv[i].name);
		for (size_t j = 0; j < i; j++)
			ck_assert_msg(strcmp(docv[i].name, docv[j].name) != 0,
			    "%s:%d: vector '%s' twice", DOC, docv[i].line,
			    docv[i].name);
	}
	/* every builder has its vector, byte for byte */
	for (size_t k = 0; k < VEC_COUNT; k++) {
		const struct doc_vec *v = NULL;
		for (size_t i = 0; i < ndocv; i++)
			if (strcmp(docv[i].name, vec_defs[k].name) == 0)
				v = &docv[i];
		ck_assert_msg(v != NULL, "%s: vector '%s' missing", DOC,
		    vec_defs[k].name);
		struct pb_msg m;
		uint8_t w[PB_WIRE_MAX];
		vec_defs[k].build(&m);
		int n = pb_frame_encode_msg(&m, w, sizeof w);
		ck_assert_msg(n > 0, "vector %s: encode failed (%d)", v->name,
		    n);
		char got[3 * PB_WIRE_MAX + 1] = "";
		for (int i = 0; i < n; i++)
			sprintf(got + 3 * i, "%02x ", w[i]);
		ck_assert_msg((size_t)n == v->n && memcmp(w, v->bytes, v->n) == 0,
		    "%s:%d: vector %s differs from the code; code gives: %s",
		    DOC, v->line, v->name, got);
	}
}
END_TEST

START_TEST(doc_vectors_decode)
{
	load_doc();
	for (size_t i = 0; i < ndocv; i++) {
		const struct doc_vec *v = &docv[i];
		const struct vec_def *def = NULL;
		for (size_t k = 0; k < VEC_COUNT; k++)
			if (strcmp(v->name, vec_defs[k].name) == 0)
				def = &vec_defs[k];
		ck_assert_ptr_nonnull(def);
		struct pb_msg want, got;
		def->build(&want);
		/* the stream decoder, one byte at a time */
		pb_decoder d;
		pb_decoder_init(&d);
		struct pb_frame_hdr h;
		uint8_t payload[PB_MAX_PAYLOAD];
		ck_assert_uint_eq(v->bytes[v->n - 1], 0);
		ck_assert_int_eq(pb_frame_decode(v->bytes, v->n - 1, &h,
		    payload), PB_FRAME_OK);
		for (size_t b = 0; b < v->n; b++)
			pb_decoder_feed(&d, v->bytes + b, 1, NULL, NULL);
		ck_assert_uint_eq(d.st.frames_ok, 1);
		ck_assert_uint_eq(h.version, 1);
		ck_assert_uint_eq(h.flags, want.flags);
		ck_assert_uint_eq(h.seq, want.seq);
		ck_assert_uint_eq(h.type, want.type);
		ck_assert_uint_eq(h.txn, want.txn);
		ck_assert_int_eq(pb_msg_decode(h.type, h.flags, payload, h.len,
		    &got), PB_MSG_OK);
		ck_assert_msg(gen_msg_eq(&got, &want), "vector %s: decoded "
		    "message differs", v->name);
	}
}
END_TEST

START_TEST(worked_example)
{
	/* The worked example of section 9: STOP, seq 7, txn 5. */
	static const uint8_t raw[] = { 0x01, 0x01, 0x07, 0x00, 0x11, 0x05,
	    0x00 };
	ck_assert_uint_eq(pb_crc32c(raw, sizeof raw), 0x1CB035A7u);
}
END_TEST

static Suite *vectors_suite(void)
{
	Suite *s = suite_create("vectors");
	TCase *tc = tcase_create("doc");
	tcase_add_test(tc, doc_vectors_match_code);
	tcase_add_test(tc, doc_vectors_decode);
	tcase_add_test(tc, worked_example);
	suite_add_tcase(s, tc);
	return s;
}

PB_CHECK_MAIN(vectors_suite)
