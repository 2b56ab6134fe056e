/*
 * proto/msg.c - message payload codecs, see msg.h; layouts in
 * docs/protocol.md ("Message catalogue").
 *
 * Encoding and decoding apply the same rules, so a message that encodes
 * decodes back to the same structure and a payload that decodes encodes
 * back to the same bytes (every valid payload has one canonical form:
 * strings NUL-padded, reserved bytes 0).
 */
#include "proto/config.h"
#include "proto/msg.h"

#include <math.h>
#include <string.h>

/* ---- little-endian helpers ---------------------------------------------- */

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static inline void putf(uint8_t *p, float f)
{
	uint32_t v;
	memcpy(&v, &f, 4);
	put32(p, v);
}

static inline float getf(const uint8_t *p)
{
	uint32_t v = get32(p);
	float f;
	memcpy(&f, &v, 4);
	return f;
}

/* ---- field rules (shared by encode and decode) -------------------------- */

#define ALARM_MASK ((uint16_t)((1u << PB_AL_COUNT) - 1))
#define CH_MASK    ((uint8_t)((1u << PB_MAX_CH) - 1))
#define MODES_MASK ((uint8_t)((1u << PB_MODE_STIMULATION) | \
	(1u << PB_MODE_EXPRESSION) | (1u << PB_MODE_MIXED)))

/* Wire payload sizes. */
#define L_HELLO     (2 + PB_STR_LEN)
#define L_HEARTBEAT 7
#define L_EVENT     11
#define L_INFO      (1 + 3 * PB_STR_LEN + 4 + 2 + 2 + 2 + 4)  /* 63 */
#define L_CAL       (2 + 12 + 4 + 4 + PB_STR_LEN)             /* 38 */
#define L_CAL_SET   (2 + PB_MAX_CH * L_CAL)                   /* 78 */
#define L_HOLD      3
#define L_INJECT    6
#define L_STATS     (16 * 4)                                  /* 64 */
#define L_RESP_HDR  2

static bool valid_mode(unsigned m)
{
	return m >= PB_MODE_STIMULATION && m <= PB_MODE_MIXED;
}

/* Fixed string: at most PB_STR_LEN-1 printable ASCII characters, NUL
 * padded.  On the wire the bytes after the text are all 0x00. */
static bool str_ok(const char *s)
{
	size_t i = 0;
	for (; i < PB_STR_LEN && s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7E)
			return false;
	return i < PB_STR_LEN;
}

static void put_str(uint8_t *p, const char *s)
{
	size_t n = 0;
	while (n < PB_STR_LEN && s[n] != '\0')
		n++;
	memcpy(p, s, n);
	memset(p + n, 0, PB_STR_LEN - n);
}

static bool get_str(char *s, const uint8_t *p)
{
	size_t i = 0;
	for (; i < PB_STR_LEN && p[i] != 0; i++)
		if (p[i] < 0x20 || p[i] > 0x7E)
			return false;
	if (i == PB_STR_LEN)
		return false;             /* no room for the terminator */
	for (size_t j = i; j < PB_STR_LEN; j++)
		if (p[j] != 0)
			return false;     /* non-canonical padding */
	memcpy(s, p, PB_STR_LEN);
	return true;
}

static bool hb_ok(const struct pb_heartbeat *h)
{
	return h->run_state <= PB_RS_OFF && (h->alarms & ~ALARM_MASK) == 0;
}

static bool ch_mask_ok(unsigned mask)
{
	return mask != 0 && (mask & ~(unsigned)CH_MASK) == 0;
}

static bool tel_ok(const struct pb_telemetry *t)
{
	unsigned lanes;
	if (t->channels < 1 || t->channels > PB_MAX_CH)
		return false;
	lanes = (1u << t->channels) - 1;
	return t->n >= 1 && t->n <= PB_TEL_MAX_SAMPLES(t->channels) &&
	    valid_mode(t->mode) && t->phase <= PB_PH_REST &&
	    t->run_state <= PB_RS_OFF && (t->valve & ~lanes) == 0 &&
	    (t->channel_mask & ~lanes) == 0 && t->reserved == 0 &&
	    (t->alarms & ~ALARM_MASK) == 0;
}

static bool ev_ok(const struct pb_event *e)
{
	if (e->channel >= PB_MAX_CH && e->channel != PB_CH_NONE)
		return false;
	switch (e->kind) {
	case PB_EV_ALARM_RAISED:
	case PB_EV_ALARM_CLEARED: return e->code < PB_AL_COUNT;
	case PB_EV_STATE: return e->code <= PB_RS_OFF;
	case PB_EV_MODE: return valid_mode(e->code);
	case PB_EV_AUTO_OFF:
	case PB_EV_BOOT: return e->code == 0;
	case PB_EV_FACTORY: return e->code <= 3;
	}
	return false;
}

static bool log_char_ok(unsigned char c)
{
	return c >= 0x20 && c <= 0x7E;
}

static bool hello_ok(const struct pb_hello *h)
{
	return h->proto_min >= 1 && h->proto_min <= h->proto_max &&
	    str_ok(h->host);
}

static bool info_ok(const struct pb_device_info *i)
{
	return i->proto_version >= 1 && str_ok(i->fw_version) &&
	    str_ok(i->serial) && str_ok(i->profile) && i->channels >= 1 &&
	    i->channels <= PB_MAX_CH && i->levels >= 1 && i->modes != 0 &&
	    (i->modes & ~MODES_MASK) == 0 && i->factory <= 1 &&
	    i->sample_rate_hz >= 1 && i->max_target > 0 &&
	    i->max_target <= i->trip;
}

static bool cal_ok(const struct pb_cal *c)
{
	return c->channel < PB_MAX_CH && (c->order == 1 || c->order == 2) &&
	    isfinite(c->c[0]) && isfinite(c->c[1]) && isfinite(c->c[2]) &&
	    (c->order == 2 || c->c[2] == 0.0f) && str_ok(c->station);
}

/* An unused slot of a WRITE_CAL_ALL: every field zero (so its 38 bytes
 * on the wire are zero; -0.0f would not be). */
static bool cal_blank(const struct pb_cal *c)
{
	static const uint8_t zero[sizeof c->station];
	uint32_t bits[3];
	memcpy(bits, c->c, sizeof bits);
	return c->channel == 0 && c->order == 0 && bits[0] == 0 &&
	    bits[1] == 0 && bits[2] == 0 && c->cal_id == 0 && c->date == 0 &&
	    memcmp(c->station, zero, sizeof zero) == 0;
}

static bool cal_set_ok(const struct pb_cal_set *s)
{
	if ((s->mask & ~(unsigned)CH_MASK) != 0)
		return false;
	for (unsigned ch = 0; ch < PB_MAX_CH; ch++) {
		const struct pb_cal *c = &s->cal[ch];
		if (s->mask & (1u << ch) ? !(cal_ok(c) && c->channel == ch) :
		    !cal_blank(c))
			return false;
	}
	return true;
}

static bool hold_ok(const struct pb_cal_hold *h)
{
	return ch_mask_ok(h->channel_mask) && h->target >= 0;
}

static bool inject_ok(const struct pb_inject *j)
{
	return j->fault <= PB_FLT_BACKFLOW &&
	    (j->channel < PB_MAX_CH || j->channel == PB_CH_NONE);
}

double pb_tel_mean_dmmhg(const struct pb_telemetry *t, int ch)
{
	if (t->n == 0 || ch < 0 || ch >= t->channels || ch >= PB_MAX_CH)
		return NAN;
	double sum = 0;
	for (int i = 0; i < t->n; i++)
		sum += t->samples[ch][i];
	return sum / t->n;
}

uint64_t pb_device_stats_dropped(const struct pb_device_stats *s)
{
	return (uint64_t)s->cobs_errors + s->length_errors + s->oversize +
	    s->crc_errors + s->version_errors;
}

uint64_t pb_device_stats_refused(const struct pb_device_stats *s)
{
	return (uint64_t)s->ignored + s->unknown_type + s->bad_header +
	    s->bad_payload;
}

bool pb_type_is_command(uint8_t type)
{
	return type == PB_T_HELLO ||
	    (type >= PB_T_START && type <= PB_T_WRITE_CAL_ALL) ||
	    type == PB_T_DEVICE_STATS;
}

uint8_t pb_response_body_kind(uint8_t req_type, uint8_t status)
{
	if (status != PB_ST_OK)
		return PB_BODY_NONE;
	switch (req_type) {
	case PB_T_HELLO:
	case PB_T_READ_INFO: return PB_BODY_INFO;
	case PB_T_READ_CAL: return PB_BODY_CAL;
	case PB_T_FACTORY_CHALLENGE: return PB_BODY_NONCE;
	case PB_T_DEVICE_STATS: return PB_BODY_STATS;
	}
	return PB_BODY_NONE;
}

static bool resp_hdr_ok(uint8_t status, uint8_t req_type)
{
	if (status > PB_ST_MAX)
		return false;
	/* An unknown command is answered with its type, whatever it was. */
	return status == PB_ST_UNKNOWN_CMD || pb_type_is_command(req_type);
}

/* ---- info / cal records -------------------------------------------------- */

static void put_info(uint8_t *p, const struct pb_device_info *i)
{
	p[0] = i->proto_version;
	put_str(p + 1, i->fw_version);
	put_str(p + 17, i->serial);
	put_str(p + 33, i->profile);
	p[49] = i->channels;
	p[50] = i->levels;
	p[51] = i->modes;
	p[52] = i->factory;
	put16(p + 53, i->sample_rate_hz);
	put16(p + 55, (uint16_t)i->max_target);
	put16(p + 57, (uint16_t)i->trip);
	put32(p + 59, i->cal_id);
}

#if !PB_MSG_DEVICE_ONLY
static bool get_info(struct pb_device_info *i, const uint8_t *p)
{
	i->proto_version = p[0];
	if (!get_str(i->fw_version, p + 1) || !get_str(i->serial, p + 17) ||
	    !get_str(i->profile, p + 33))
		return false;
	i->channels = p[49];
	i->levels = p[50];
	i->modes = p[51];
	i->factory = p[52];
	i->sample_rate_hz = get16(p + 53);
	i->max_target = (int16_t)get16(p + 55);
	i->trip = (int16_t)get16(p + 57);
	i->cal_id = get32(p + 59);
	return info_ok(i);
}
#endif

static void put_cal(uint8_t *p, const struct pb_cal *c)
{
	p[0] = c->channel;
	p[1] = c->order;
	putf(p + 2, c->c[0]);
	putf(p + 6, c->c[1]);
	putf(p + 10, c->c[2]);
	put32(p + 14, c->cal_id);
	put32(p + 18, c->date);
	put_str(p + 22, c->station);
}

static bool get_cal(struct pb_cal *c, const uint8_t *p)
{
	c->channel = p[0];
	c->order = p[1];
	c->c[0] = getf(p + 2);
	c->c[1] = getf(p + 6);
	c->c[2] = getf(p + 10);
	c->cal_id = get32(p + 14);
	c->date = get32(p + 18);
	return get_str(c->station, p + 22) && cal_ok(c);
}

/* The counters in wire order (protocol.md 5.15). */
#define STATS_FIELDS(X) X(frames_ok) X(heartbeats) X(commands) \
	X(dup_commands) X(ignored) X(unknown_type) X(bad_header) \
	X(bad_payload) X(cobs_errors) X(length_errors) X(oversize) \
	X(crc_errors) X(version_errors) X(frames_lost) X(out_dropped) \
	X(host_lost)

static void put_stats(uint8_t *p, const struct pb_device_stats *st)
{
#define PUT(f) put32(p, st->f); p += 4;
	STATS_FIELDS(PUT)
#undef PUT
}

#if !PB_MSG_DEVICE_ONLY
static void get_stats(struct pb_device_stats *st, const uint8_t *p)
{
#define GET(f) st->f = get32(p); p += 4;
	STATS_FIELDS(GET)
#undef GET
}
#endif

/* ---- encode --------------------------------------------------------------- */

/* Payload length of a LOG, or PB_MSG_E_VALUE. */
static int log_len(uint8_t level, const char *text, size_t n)
{
	if (level > 3 || n > PB_LOG_MAX)
		return PB_MSG_E_VALUE;
	for (size_t i = 0; i < n; i++)
		if (!log_char_ok((unsigned char)text[i]))
			return PB_MSG_E_VALUE;
	return 1 + (int)n;
}

/* The body a codec works on, as the type's own struct (see msg.h). */
#define CB(T) ((const T *)body)
#define WB(T) ((T *)body)

/* Payload length of a body, or a negative PB_MSG_E_* when it is not
 * valid. */
static int enc_len(uint8_t type, const void *body)
{
	switch (type) {
#if !PB_MSG_DEVICE_ONLY
	case PB_T_HELLO:
		return hello_ok(CB(struct pb_hello)) ? L_HELLO : PB_MSG_E_VALUE;
#endif
	case PB_T_HEARTBEAT:
		return hb_ok(CB(struct pb_heartbeat)) ? L_HEARTBEAT : PB_MSG_E_VALUE;
	case PB_T_TELEMETRY:
		if (!tel_ok(CB(struct pb_telemetry)))
			return PB_MSG_E_VALUE;
		return PB_TEL_HDR_LEN(CB(struct pb_telemetry)->channels) +
		    2 * CB(struct pb_telemetry)->n * CB(struct pb_telemetry)->channels;
	case PB_T_EVENT:
		return ev_ok(CB(struct pb_event)) ? L_EVENT : PB_MSG_E_VALUE;
	case PB_T_LOG:
		return log_len(CB(struct pb_log)->level, CB(struct pb_log)->text,
		    CB(struct pb_log)->len);
#if !PB_MSG_DEVICE_ONLY
	case PB_T_START:
	case PB_T_STOP:
	case PB_T_CLEAR_FAULT:
	case PB_T_READ_INFO:
	case PB_T_FACTORY_CHALLENGE:
	case PB_T_DEVICE_STATS:
		return 0;
	case PB_T_SET_MODE:
		return valid_mode((*CB(uint8_t))) ? 1 : PB_MSG_E_VALUE;
	case PB_T_SET_LEVEL:
		return (*CB(uint8_t)) >= 1 ? 1 : PB_MSG_E_VALUE;
	case PB_T_SET_CHANNELS:
		return ch_mask_ok((*CB(uint8_t))) ? 1 : PB_MSG_E_VALUE;
	case PB_T_SET_RATE:
		return (*CB(uint16_t)) >= 1 ? 2 : PB_MSG_E_VALUE;
	case PB_T_READ_CAL:
		return (*CB(uint8_t)) < PB_MAX_CH ? 1 : PB_MSG_E_VALUE;
	case PB_T_WRITE_CAL:
		return cal_ok(CB(struct pb_cal)) ? L_CAL : PB_MSG_E_VALUE;
	case PB_T_WRITE_CAL_ALL:
		return cal_set_ok(CB(struct pb_cal_set)) ? L_CAL_SET : PB_MSG_E_VALUE;
	case PB_T_FACTORY_UNLOCK:
		return PB_MAC_LEN;
	case PB_T_WRITE_SERIAL:
		return str_ok(CB(char)) && CB(char)[0] != '\0' ?
		    PB_STR_LEN : PB_MSG_E_VALUE;
	case PB_T_CAL_HOLD:
		return hold_ok(CB(struct pb_cal_hold)) ? L_HOLD : PB_MSG_E_VALUE;
	case PB_T_INJECT:
		return inject_ok(CB(struct pb_inject)) ? L_INJECT : PB_MSG_E_VALUE;
#endif
	case PB_T_RESPONSE: {
		/* body_kind is derived, never trusted from the caller. */
		const struct pb_response *r = CB(struct pb_response);
		if (!resp_hdr_ok(r->status, r->req_type))
			return PB_MSG_E_VALUE;
		switch (pb_response_body_kind(r->req_type, r->status)) {
		case PB_BODY_INFO:
			return info_ok(&r->body.info) ?
			    L_RESP_HDR + L_INFO : PB_MSG_E_VALUE;
		case PB_BODY_CAL:
			return cal_ok(&r->body.cal) ?
			    L_RESP_HDR + L_CAL : PB_MSG_E_VALUE;
		case PB_BODY_NONCE:
			return L_RESP_HDR + PB_NONCE_LEN;
		case PB_BODY_STATS:
			return L_RESP_HDR + L_STATS;
		default:
			return L_RESP_HDR;
		}
	}
	}
	return PB_MSG_E_TYPE;
}

int pb_body_encode(uint8_t type, const void *body, uint8_t *buf, size_t cap,
    size_t *len)
{
	int n;

	if (body == NULL || len == NULL)
		return PB_MSG_E_VALUE;
	n = enc_len(type, body);
	if (n < 0)
		return n;
	if ((size_t)n > cap || (n > 0 && buf == NULL))
		return PB_MSG_E_SPACE;
	switch (type) {
#if !PB_MSG_DEVICE_ONLY
	case PB_T_HELLO:
		buf[0] = CB(struct pb_hello)->proto_min;
		buf[1] = CB(struct pb_hello)->proto_max;
		put_str(buf + 2, CB(struct pb_hello)->host);
		break;
#endif
	case PB_T_HEARTBEAT:
		put32(buf, CB(struct pb_heartbeat)->time_ms);
		buf[4] = CB(struct pb_heartbeat)->run_state;
		put16(buf + 5, CB(struct pb_heartbeat)->alarms);
		break;
	case PB_T_TELEMETRY: {
		const struct pb_telemetry *t = CB(struct pb_telemetry);
		size_t o = PB_TEL_HDR_LEN(t->channels);
		put32(buf, t->first_sample);
		put32(buf + 4, t->device_ms);
		buf[8] = t->n;
		buf[9] = t->channels;
		buf[10] = t->mode;
		buf[11] = t->level;
		buf[12] = t->phase;
		buf[13] = t->run_state;
		buf[14] = t->motor_duty;
		buf[15] = t->valve;
		buf[16] = t->channel_mask;
		buf[17] = 0;
		put16(buf + 18, t->battery_mv);
		put16(buf + 20, t->alarms);
		put16(buf + 22, (uint16_t)t->target);
		put16(buf + 24, t->motor_ma);
		for (unsigned c = 0; c < t->channels; c++)
			put16(buf + 26 + 2 * c, t->raw[c]);
		for (unsigned i = 0; i < t->n; i++)
			for (unsigned c = 0; c < t->channels; c++, o += 2)
				put16(buf + o, (uint16_t)t->samples[c][i]);
		break;
	}
	case PB_T_EVENT:
		put32(buf, CB(struct pb_event)->device_ms);
		buf[4] = CB(struct pb_event)->kind;
		buf[5] = CB(struct pb_event)->code;
		buf[6] = CB(struct pb_event)->channel;
		put32(buf + 7, (uint32_t)CB(struct pb_event)->value);
		break;
	case PB_T_LOG:
		buf[0] = CB(struct pb_log)->level;
		memcpy(buf + 1, CB(struct pb_log)->text, CB(struct pb_log)->len);
		break;
#if !PB_MSG_DEVICE_ONLY
	case PB_T_SET_MODE: buf[0] = (*CB(uint8_t)); break;
	case PB_T_SET_LEVEL: buf[0] = (*CB(uint8_t)); break;
	case PB_T_SET_CHANNELS: buf[0] = (*CB(uint8_t)); break;
	case PB_T_SET_RATE: put16(buf, (*CB(uint16_t))); break;
	case PB_T_READ_CAL: buf[0] = (*CB(uint8_t)); break;
	case PB_T_WRITE_CAL: put_cal(buf, CB(struct pb_cal)); break;
	case PB_T_WRITE_CAL_ALL:
		buf[0] = CB(struct pb_cal_set)->mask;
		buf[1] = 0;
		for (unsigned ch = 0; ch < PB_MAX_CH; ch++)
			put_cal(buf + 2 + ch * L_CAL, &CB(struct pb_cal_set)->cal[ch]);
		break;
	case PB_T_FACTORY_UNLOCK: memcpy(buf, CB(uint8_t), PB_MAC_LEN); break;
	case PB_T_WRITE_SERIAL: put_str(buf, CB(char)); break;
	case PB_T_CAL_HOLD:
		buf[0] = CB(struct pb_cal_hold)->channel_mask;
		put16(buf + 1, (uint16_t)CB(struct pb_cal_hold)->target);
		break;
	case PB_T_INJECT:
		buf[0] = CB(struct pb_inject)->fault;
		buf[1] = CB(struct pb_inject)->channel;
		put32(buf + 2, (uint32_t)CB(struct pb_inject)->value);
		break;
#endif
	case PB_T_RESPONSE: {
		uint8_t kind = pb_response_body_kind(CB(struct pb_response)->req_type,
		    CB(struct pb_response)->status);
		buf[0] = CB(struct pb_response)->status;
		buf[1] = CB(struct pb_response)->req_type;
		if (kind == PB_BODY_INFO)
			put_info(buf + 2, &CB(struct pb_response)->body.info);
		else if (kind == PB_BODY_CAL)
			put_cal(buf + 2, &CB(struct pb_response)->body.cal);
		else if (kind == PB_BODY_NONCE)
			memcpy(buf + 2, CB(struct pb_response)->body.nonce, PB_NONCE_LEN);
		else if (kind == PB_BODY_STATS)
			put_stats(buf + 2, &CB(struct pb_response)->body.stats);
		break;
	}
	default: /* the empty commands */
		break;
	}
	*len = (size_t)n;
	return PB_MSG_OK;
}

int pb_body_len(uint8_t type, const void *body)
{
	return body == NULL ? PB_MSG_E_VALUE : enc_len(type, body);
}

int pb_msg_encode(const struct pb_msg *m, uint8_t *buf, size_t cap,
    size_t *len)
{
	if (m == NULL)
		return PB_MSG_E_VALUE;
	return pb_body_encode(m->type, &m->u, buf, cap, len);
}

int pb_log_encode(uint8_t level, const char *text, size_t text_len,
    uint8_t *buf, size_t cap, size_t *len)
{
	int n = log_len(level, text, text_len);
	if (n < 0 || len == NULL)
		return PB_MSG_E_VALUE;
	if ((size_t)n > cap || buf == NULL)
		return PB_MSG_E_SPACE;
	buf[0] = level;
	if (text_len > 0)
		memcpy(buf + 1, text, text_len);
	*len = (size_t)n;
	return PB_MSG_OK;
}

/* ---- decode --------------------------------------------------------------- */

#define NEED(n) do { if (len != (size_t)(n)) return PB_MSG_E_LENGTH; } while (0)
#define CHECK(c) do { if (!(c)) return PB_MSG_E_VALUE; } while (0)

static int decode_body(uint8_t type, const uint8_t *buf, size_t len,
    void *body)
{
	switch (type) {
	case PB_T_HELLO:
		NEED(L_HELLO);
		WB(struct pb_hello)->proto_min = buf[0];
		WB(struct pb_hello)->proto_max = buf[1];
		CHECK(get_str(WB(struct pb_hello)->host, buf + 2));
		CHECK(hello_ok(WB(struct pb_hello)));
		return PB_MSG_OK;
	case PB_T_HEARTBEAT:
		NEED(L_HEARTBEAT);
		WB(struct pb_heartbeat)->time_ms = get32(buf);
		WB(struct pb_heartbeat)->run_state = buf[4];
		WB(struct pb_heartbeat)->alarms = get16(buf + 5);
		CHECK(hb_ok(WB(struct pb_heartbeat)));
		return PB_MSG_OK;
#if !PB_MSG_DEVICE_ONLY
	case PB_T_TELEMETRY: {
		struct pb_telemetry *t = WB(struct pb_telemetry);
		size_t o;
		if (len < PB_TEL_HDR_LEN(1))
			return PB_MSG_E_LENGTH;
		t->n = buf[8];
		t->channels = buf[9];
		CHECK(t->channels >= 1 && t->channels <= PB_MAX_CH);
		CHECK(t->n >= 1 && t->n <= PB_TEL_MAX_SAMPLES(t->channels));
		NEED(PB_TEL_HDR_LEN(t->channels) + 2 * t->n * t->channels);
		t->first_sample = get32(buf);
		t->device_ms = get32(buf + 4);
		t->mode = buf[10];
		t->level = buf[11];
		t->phase = buf[12];
		t->run_state = buf[13];
		t->motor_duty = buf[14];
		t->valve = buf[15];
		t->channel_mask = buf[16];
		t->reserved = buf[17];
		t->battery_mv = get16(buf + 18);
		t->alarms = get16(buf + 20);
		t->target = (int16_t)get16(buf + 22);
		t->motor_ma = get16(buf + 24);
		for (unsigned c = 0; c < t->channels; c++)
			t->raw[c] = get16(buf + 26 + 2 * c);
		o = PB_TEL_HDR_LEN(t->channels);
		for (unsigned i = 0; i < t->n; i++)
			for (unsigned c = 0; c < t->channels; c++, o += 2)
				t->samples[c][i] = (int16_t)get16(buf + o);
		CHECK(tel_ok(t));
		return PB_MSG_OK;
	}
	case PB_T_EVENT:
		NEED(L_EVENT);
		WB(struct pb_event)->device_ms = get32(buf);
		WB(struct pb_event)->kind = buf[4];
		WB(struct pb_event)->code = buf[5];
		WB(struct pb_event)->channel = buf[6];
		WB(struct pb_event)->value = (int32_t)get32(buf + 7);
		CHECK(ev_ok(WB(struct pb_event)));
		return PB_MSG_OK;
	case PB_T_LOG:
		if (len < 1 || len > 1 + PB_LOG_MAX)
			return PB_MSG_E_LENGTH;
		WB(struct pb_log)->level = buf[0];
		WB(struct pb_log)->len = (uint8_t)(len - 1);
		CHECK(WB(struct pb_log)->level <= 3);
		for (size_t i = 1; i < len; i++)
			CHECK(log_char_ok(buf[i]));
		memcpy(WB(struct pb_log)->text, buf + 1, len - 1);
		WB(struct pb_log)->text[len - 1] = '\0';
		return PB_MSG_OK;
#endif
	case PB_T_START:
	case PB_T_STOP:
	case PB_T_CLEAR_FAULT:
	case PB_T_READ_INFO:
	case PB_T_FACTORY_CHALLENGE:
	case PB_T_DEVICE_STATS:
		NEED(0);
		return PB_MSG_OK;
	case PB_T_SET_MODE:
		NEED(1);
		(*WB(uint8_t)) = buf[0];
		CHECK(valid_mode((*WB(uint8_t))));
		return PB_MSG_OK;
	case PB_T_SET_LEVEL:
		NEED(1);
		(*WB(uint8_t)) = buf[0];
		CHECK((*WB(uint8_t)) >= 1);
		return PB_MSG_OK;
	case PB_T_SET_CHANNELS:
		NEED(1);
		(*WB(uint8_t)) = buf[0];
		CHECK(ch_mask_ok((*WB(uint8_t))));
		return PB_MSG_OK;
	case PB_T_SET_RATE:
		NEED(2);
		(*WB(uint16_t)) = get16(buf);
		CHECK((*WB(uint16_t)) >= 1);
		return PB_MSG_OK;
	case PB_T_READ_CAL:
		NEED(1);
		(*WB(uint8_t)) = buf[0];
		CHECK((*WB(uint8_t)) < PB_MAX_CH);
		return PB_MSG_OK;
	case PB_T_WRITE_CAL:
		NEED(L_CAL);
		CHECK(get_cal(WB(struct pb_cal), buf));
		return PB_MSG_OK;
	case PB_T_WRITE_CAL_ALL: {
		struct pb_cal_set *cs = WB(struct pb_cal_set);
		NEED(L_CAL_SET);
		cs->mask = buf[0];
		CHECK(buf[1] == 0 && (cs->mask & ~(unsigned)CH_MASK) == 0);
		for (unsigned ch = 0; ch < PB_MAX_CH; ch++) {
			const uint8_t *p = buf + 2 + ch * L_CAL;
			if (cs->mask & (1u << ch)) {
				CHECK(get_cal(&cs->cal[ch], p));
			} else {
				for (unsigned i = 0; i < L_CAL; i++)
					CHECK(p[i] == 0);
			}
		}
		CHECK(cal_set_ok(cs));
		return PB_MSG_OK;
	}
	case PB_T_FACTORY_UNLOCK:
		NEED(PB_MAC_LEN);
		memcpy(WB(uint8_t), buf, PB_MAC_LEN);
		return PB_MSG_OK;
	case PB_T_WRITE_SERIAL:
		NEED(PB_STR_LEN);
		CHECK(get_str(WB(char), buf));
		CHECK(WB(char)[0] != '\0');
		return PB_MSG_OK;
	case PB_T_CAL_HOLD:
		NEED(L_HOLD);
		WB(struct pb_cal_hold)->channel_mask = buf[0];
		WB(struct pb_cal_hold)->target = (int16_t)get16(buf + 1);
		CHECK(hold_ok(WB(struct pb_cal_hold)));
		return PB_MSG_OK;
	case PB_T_INJECT:
		NEED(L_INJECT);
		WB(struct pb_inject)->fault = buf[0];
		WB(struct pb_inject)->channel = buf[1];
		WB(struct pb_inject)->value = (int32_t)get32(buf + 2);
		CHECK(inject_ok(WB(struct pb_inject)));
		return PB_MSG_OK;
#if !PB_MSG_DEVICE_ONLY
	case PB_T_RESPONSE: {
		struct pb_response *r = WB(struct pb_response);
		if (len < L_RESP_HDR)
			return PB_MSG_E_LENGTH;
		r->status = buf[0];
		r->req_type = buf[1];
		CHECK(resp_hdr_ok(r->status, r->req_type));
		r->body_kind = pb_response_body_kind(r->req_type, r->status);
		switch (r->body_kind) {
		case PB_BODY_INFO:
			NEED(L_RESP_HDR + L_INFO);
			CHECK(get_info(&r->body.info, buf + 2));
			break;
		case PB_BODY_CAL:
			NEED(L_RESP_HDR + L_CAL);
			CHECK(get_cal(&r->body.cal, buf + 2));
			break;
		case PB_BODY_NONCE:
			NEED(L_RESP_HDR + PB_NONCE_LEN);
			memcpy(r->body.nonce, buf + 2, PB_NONCE_LEN);
			break;
		case PB_BODY_STATS:
			NEED(L_RESP_HDR + L_STATS);
			get_stats(&r->body.stats, buf + 2);
			break;
		default:
			NEED(L_RESP_HDR);
			break;
		}
		return PB_MSG_OK;
	}
#endif
	}
	return PB_MSG_E_TYPE;
}

int pb_msg_decode(uint8_t type, uint8_t flags, const uint8_t *buf,
    size_t len, struct pb_msg *m)
{
	if (m == NULL || (len > 0 && buf == NULL))
		return PB_MSG_E_VALUE;
	memset(&m->u, 0, sizeof m->u);
	m->type = type;
	m->flags = flags;
	if (len > PB_MAX_PAYLOAD)
		return PB_MSG_E_LENGTH;
	return decode_body(type, buf, len, &m->u);
}

int pb_cmd_decode(uint8_t type, const uint8_t *buf, size_t len,
    struct pb_cmd *c)
{
	if (c == NULL || (len > 0 && buf == NULL))
		return PB_MSG_E_VALUE;
	memset(&c->u, 0, sizeof c->u);
	c->type = type;
	/* only the bodies struct pb_cmd has room for */
	if (type != PB_T_HEARTBEAT && !pb_type_is_command(type))
		return PB_MSG_E_TYPE;
	if (len > PB_MAX_PAYLOAD)
		return PB_MSG_E_LENGTH;
	return decode_body(type, buf, len, &c->u);
}

/* ---- names -------------------------------------------------------------- */

const char *pb_type_name(uint8_t type)
{
	switch (type) {
	case PB_T_HELLO: return "HELLO";
	case PB_T_HEARTBEAT: return "HEARTBEAT";
	case PB_T_TELEMETRY: return "TELEMETRY";
	case PB_T_EVENT: return "EVENT";
	case PB_T_LOG: return "LOG";
	case PB_T_START: return "START";
	case PB_T_STOP: return "STOP";
	case PB_T_SET_MODE: return "SET_MODE";
	case PB_T_SET_LEVEL: return "SET_LEVEL";
	case PB_T_SET_CHANNELS: return "SET_CHANNELS";
	case PB_T_SET_RATE: return "SET_RATE";
	case PB_T_CLEAR_FAULT: return "CLEAR_FAULT";
	case PB_T_READ_CAL: return "READ_CAL";
	case PB_T_WRITE_CAL: return "WRITE_CAL";
	case PB_T_READ_INFO: return "READ_INFO";
	case PB_T_FACTORY_CHALLENGE: return "FACTORY_CHALLENGE";
	case PB_T_FACTORY_UNLOCK: return "FACTORY_UNLOCK";
	case PB_T_WRITE_SERIAL: return "WRITE_SERIAL";
	case PB_T_CAL_HOLD: return "CAL_HOLD";
	case PB_T_INJECT: return "INJECT";
	case PB_T_WRITE_CAL_ALL: return "WRITE_CAL_ALL";
	case PB_T_DEVICE_STATS: return "DEVICE_STATS";
	case PB_T_RESPONSE: return "RESPONSE";
	}
	return "?";
}

const char *pb_status_name(uint8_t status)
{
	static const char *const names[] = {
		"OK", "BAD_LENGTH", "BAD_VALUE", "UNKNOWN_CMD", "WRONG_STATE",
		"FAULT", "LOCKED", "AUTH_FAILED", "LOCKED_OUT", "STORAGE",
		"LIMIT", "NOT_PROVISIONED"
	};
	return status < sizeof names / sizeof names[0] ? names[status] : "?";
}

const char *pb_mode_name(uint8_t mode)
{
	switch (mode) {
	case PB_MODE_STIMULATION: return "stimulation";
	case PB_MODE_EXPRESSION: return "expression";
	case PB_MODE_MIXED: return "mixed";
	}
	return "?";
}

const char *pb_channel_name(int ch)
{
	static const char *const names[PB_MAX_CH] = { "ch1", "ch2" };
	return ch >= 0 && ch < PB_MAX_CH ? names[ch] : "ch?";
}

const char *pb_event_kind_name(uint8_t kind)
{
	switch (kind) {
	case PB_EV_ALARM_RAISED: return "alarm_raised";
	case PB_EV_ALARM_CLEARED: return "alarm_cleared";
	case PB_EV_STATE: return "state";
	case PB_EV_MODE: return "mode";
	case PB_EV_AUTO_OFF: return "auto_off";
	case PB_EV_BOOT: return "boot";
	case PB_EV_FACTORY: return "factory";
	}
	return "?";
}

const char *pb_phase_name(uint8_t phase)
{
	static const char *const names[] = {
		"idle", "pull", "hold", "release", "rest"
	};
	return phase < sizeof names / sizeof names[0] ? names[phase] : "?";
}

const char *pb_run_state_name(uint8_t state)
{
	static const char *const names[] = {
		"idle", "running", "fault", "cal-hold", "off"
	};
	return state < sizeof names / sizeof names[0] ? names[state] : "?";
}

const char *pb_alarm_name(unsigned bit_index)
{
	static const char *const names[PB_AL_COUNT] = {
		"overpressure", "vacuum-stuck", "leak", "occlusion",
		"motor-stall", "motor-open", "sensor-open", "sensor-short",
		"sensor-stuck", "battery-low", "battery-cutoff",
		"heartbeat-lost", "cal-invalid", "backflow"
	};
	return bit_index < PB_AL_COUNT ? names[bit_index] : "?";
}

const char *pb_msg_strerror(int err)
{
	switch (err) {
	case PB_MSG_OK: return "ok";
	case PB_MSG_E_TYPE: return "message: unknown type";
	case PB_MSG_E_LENGTH: return "message: payload length wrong for type";
	case PB_MSG_E_VALUE: return "message: field value out of range";
	case PB_MSG_E_SPACE: return "message: output buffer too small";
	}
	return "message: unknown error";
}
