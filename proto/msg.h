/*
 * proto/msg.h - the pumpbench message catalogue and its codecs.
 *
 * Promise: pure functions over memory.  pb_msg_encode() turns a message
 * structure into the payload bytes of one frame; pb_msg_decode() turns a
 * frame payload back into a structure, rejecting (never crashing on) any
 * payload whose length or field values do not fit the catalogue.  Both
 * ends (host and device/emulator) use this one module.  The byte layouts
 * are specified in docs/protocol.md, which is the contract; every
 * multi-byte field is little-endian, strings are fixed-size and NUL-padded
 * on the wire.
 *
 * Units: vacuum is a signed 16-bit count of 0.1 mmHg on the wire, positive
 * meaning vacuum (below atmosphere).  Time on the wire is milliseconds of
 * device or host uptime (u32, wraps after 49 days).
 */
#ifndef PB_PROTO_MSG_H
#define PB_PROTO_MSG_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define PB_PROTO_VERSION     1   /* value of the header's version byte */
#define PB_MAX_PAYLOAD     240   /* bytes of payload in one frame */
#define PB_MAX_CH            2   /* channels a device may have */
#define PB_STR_LEN          16   /* fixed string fields, NUL-padded */
#define PB_LOG_MAX         (PB_MAX_PAYLOAD - 1)
#define PB_NONCE_LEN        16
#define PB_MAC_LEN          32   /* HMAC-SHA256 */
#define PB_CH_NONE        0xFF   /* channel field: not channel-specific */

/* Header flag bits. Bits 3-7 are reserved: sent as 0, ignored on receipt. */
#define PB_F_ACK_REQ   0x01  /* sender wants a RESPONSE (commands) */
#define PB_F_RESPONSE  0x02  /* this frame answers a command */
#define PB_F_RETRY     0x04  /* repeat of an earlier frame with the same txn */
#define PB_F_RESERVED  0xF8

/* Message types. */
enum pb_type {
	PB_T_HELLO        = 0x01, /* host->dev, cmd; response body: device info */
	PB_T_HEARTBEAT    = 0x02, /* both ways, unsolicited, 4 Hz */
	PB_T_TELEMETRY    = 0x03, /* dev->host, unsolicited */
	PB_T_EVENT        = 0x04, /* dev->host, unsolicited */
	PB_T_LOG          = 0x05, /* dev->host, unsolicited text */

	PB_T_START        = 0x10, /* cmd: start the session (pumping) */
	PB_T_STOP         = 0x11, /* cmd: stop, vent */
	PB_T_SET_MODE     = 0x12, /* cmd: u8 mode */
	PB_T_SET_LEVEL    = 0x13, /* cmd: u8 level (1..levels) */
	PB_T_SET_CHANNELS = 0x14, /* cmd: u8 channel mask (single/double) */
	PB_T_SET_RATE     = 0x15, /* cmd: u16 sample rate in Hz */
	PB_T_CLEAR_FAULT  = 0x16, /* cmd: clear latched alarms if causes gone */
	PB_T_READ_CAL     = 0x17, /* cmd: u8 channel; response body: cal */
	PB_T_WRITE_CAL    = 0x18, /* cmd: cal record; needs factory mode */
	PB_T_READ_INFO    = 0x19, /* cmd; response body: device info */
	PB_T_FACTORY_CHALLENGE = 0x1A, /* cmd; response body: nonce */
	PB_T_FACTORY_UNLOCK    = 0x1B, /* cmd: HMAC-SHA256(key, nonce) */
	PB_T_WRITE_SERIAL = 0x1C, /* cmd: serial string; needs factory mode */
	PB_T_CAL_HOLD     = 0x1D, /* cmd: hold a vacuum for calibration */
	PB_T_INJECT       = 0x1E, /* cmd: emulator fault injection (debug) */
	PB_T_WRITE_CAL_ALL = 0x1F, /* cmd: every channel's calibration in one
	                              message, stored in one commit; needs
	                              factory mode */
	PB_T_DEVICE_STATS = 0x20, /* cmd; response body: the device's counters */

	PB_T_RESPONSE     = 0x80  /* dev->host: status + body */
};

/* RESPONSE status codes. */
enum pb_status {
	PB_ST_OK          = 0,
	PB_ST_BAD_LENGTH  = 1,  /* payload length wrong for the command */
	PB_ST_BAD_VALUE   = 2,  /* a field is out of range */
	PB_ST_UNKNOWN_CMD = 3,
	PB_ST_WRONG_STATE = 4,  /* not allowed in the current state */
	PB_ST_FAULT       = 5,  /* refused: a fault is latched */
	PB_ST_LOCKED      = 6,  /* needs factory mode */
	PB_ST_AUTH_FAILED = 7,  /* wrong factory answer */
	PB_ST_LOCKED_OUT  = 8,  /* too many wrong answers: wait */
	PB_ST_STORAGE     = 9,  /* EEPROM write or verify failed */
	PB_ST_LIMIT       = 10, /* vacuum beyond the device's limit */
	PB_ST_NOT_PROVISIONED = 11 /* no factory key provisioned: factory
	                              access impossible on this unit */
};
#define PB_ST_MAX PB_ST_NOT_PROVISIONED

/* Modes. */
enum pb_mode {
	PB_MODE_STIMULATION = 1,
	PB_MODE_EXPRESSION  = 2,
	PB_MODE_MIXED       = 3
};

/* Run state of the device. */
enum pb_run_state {
	PB_RS_IDLE     = 0,  /* motor off, valve open (vented) */
	PB_RS_RUNNING  = 1,  /* session running */
	PB_RS_FAULT    = 2,  /* safe state latched: motor off, vented */
	PB_RS_CAL_HOLD = 3,  /* holding a calibration vacuum */
	PB_RS_OFF      = 4   /* powered down / auto-off */
};

/* Cycle phase within a running session. */
enum pb_phase {
	PB_PH_IDLE    = 0,
	PB_PH_PULL    = 1,
	PB_PH_HOLD    = 2,
	PB_PH_RELEASE = 3,
	PB_PH_REST    = 4
};

/* Alarm bits (u16 on the wire). */
enum pb_alarm_bit {
	PB_AL_OVERPRESSURE   = 1u << 0,
	PB_AL_VACUUM_STUCK   = 1u << 1,
	PB_AL_LEAK           = 1u << 2,
	PB_AL_OCCLUSION      = 1u << 3,
	PB_AL_MOTOR_STALL    = 1u << 4,
	PB_AL_MOTOR_OPEN     = 1u << 5,
	PB_AL_SENSOR_OPEN    = 1u << 6,
	PB_AL_SENSOR_SHORT   = 1u << 7,
	PB_AL_SENSOR_STUCK   = 1u << 8,
	PB_AL_BATTERY_LOW    = 1u << 9,
	PB_AL_BATTERY_CUTOFF = 1u << 10,
	PB_AL_HEARTBEAT_LOST = 1u << 11,
	PB_AL_CAL_INVALID    = 1u << 12,
	PB_AL_BACKFLOW       = 1u << 13
};
#define PB_AL_COUNT 14

/* EVENT kinds. */
enum pb_event_kind {
	PB_EV_ALARM_RAISED  = 1, /* code = alarm bit index */
	PB_EV_ALARM_CLEARED = 2, /* code = alarm bit index */
	PB_EV_STATE         = 3, /* code = new pb_run_state */
	PB_EV_MODE          = 4, /* code = new mode (e.g. stim -> expression) */
	PB_EV_AUTO_OFF      = 5, /* session ended by the 30-minute timer */
	PB_EV_BOOT          = 6, /* power-on; value = boot count */
	PB_EV_FACTORY       = 7  /* code 1 unlocked, 2 failed, 3 locked out, 0 locked */
};

/* Fault-injection ids for PB_T_INJECT (emulator only; real firmware
 * answers PB_ST_UNKNOWN_CMD). value units are given per id. */
enum pb_fault {
	PB_FLT_CLEAR_ALL      = 0,  /* value ignored */
	PB_FLT_LEAK           = 1,  /* value: leak in mL/min at 100 mmHg */
	PB_FLT_VALVE_STUCK    = 2,  /* value: 1 stuck closed, 0 normal */
	PB_FLT_MOTOR_STALL    = 3,  /* value: 1 stalled */
	PB_FLT_MOTOR_OPEN     = 4,  /* value: 1 open circuit */
	PB_FLT_SENSOR_OFFSET  = 5,  /* value: extra offset in 0.1 mmHg */
	PB_FLT_SENSOR_STUCK   = 6,  /* value: 1 output frozen */
	PB_FLT_SENSOR_OPEN    = 7,  /* value: 1 open (reads near 0 V) */
	PB_FLT_SENSOR_SHORT   = 8,  /* value: 1 shorted (reads near Vs) */
	PB_FLT_BATTERY_SAG    = 9,  /* value: sag in mV */
	PB_FLT_CONTAINER_FILL = 10, /* value: fill rate in uL/s */
	PB_FLT_OCCLUSION      = 11, /* value: 1 occluded */
	PB_FLT_SENSOR_DRIFT   = 12, /* value: drift in 0.1 mmHg per minute */
	PB_FLT_BACKFLOW       = 13  /* value: milk at the sensor port, 0.1 mL
	                               (0 = dry) */
};

/* HELLO (host->dev). */
struct pb_hello {
	uint8_t proto_min, proto_max;   /* versions the host speaks */
	char    host[PB_STR_LEN];       /* host program name */
};

/* Device info: body of the HELLO and READ_INFO responses. */
struct pb_device_info {
	uint8_t  proto_version;
	char     fw_version[PB_STR_LEN];
	char     serial[PB_STR_LEN];
	char     profile[PB_STR_LEN];   /* profile id, e.g. "s10pro" */
	uint8_t  channels;              /* 1..PB_MAX_CH */
	uint8_t  levels;                /* highest level */
	uint8_t  modes;                 /* bit (1 << mode) per supported mode */
	uint8_t  factory;               /* 1 while factory mode is unlocked */
	uint16_t sample_rate_hz;
	int16_t  max_target;            /* software max target, 0.1 mmHg */
	int16_t  trip;                  /* absolute overpressure trip, 0.1 mmHg */
	uint32_t cal_id;                /* id of the stored calibration */
};

/* TELEMETRY batch: n samples per channel, interleaved on the wire. */
#define PB_TEL_HDR_LEN(ch)  (26 + 2 * (ch))
#define PB_TEL_MAX_SAMPLES(ch) ((PB_MAX_PAYLOAD - PB_TEL_HDR_LEN(ch)) / (2 * (ch)))
struct pb_telemetry {
	uint32_t first_sample;   /* index of the first sample in the batch */
	uint32_t device_ms;      /* device time of the first sample */
	uint8_t  n;              /* samples per channel */
	uint8_t  channels;       /* channels in this batch */
	uint8_t  mode, level, phase, run_state;
	uint8_t  motor_duty;     /* 0..255 */
	uint8_t  valve;          /* bit per channel: 1 = release valve open */
	uint8_t  channel_mask;   /* channels pumping (single/double) */
	uint8_t  reserved;
	uint16_t battery_mv;
	uint16_t alarms;         /* PB_AL_* bits active */
	int16_t  target;         /* current target vacuum, 0.1 mmHg */
	uint16_t motor_ma;       /* motor current */
	uint16_t raw[PB_MAX_CH]; /* raw sensor ADC counts of the last sample */
	int16_t  samples[PB_MAX_CH][PB_MAX_PAYLOAD / 2]; /* [ch][i], 0.1 mmHg */
};

struct pb_event {
	uint32_t device_ms;
	uint8_t  kind;     /* enum pb_event_kind */
	uint8_t  code;
	uint8_t  channel;
	int32_t  value;
};

struct pb_heartbeat {
	uint32_t time_ms;   /* sender's uptime */
	uint8_t  run_state; /* device: pb_run_state; host: 0 */
	uint16_t alarms;    /* device: active alarm bits; host: 0 */
};

struct pb_log {
	uint8_t level;      /* 0 error, 1 warning, 2 info, 3 debug */
	uint8_t len;
	char    text[PB_LOG_MAX + 1]; /* NUL-terminated after decode */
};

/* Calibration record of one channel:
 * vacuum_mmHg = c0 + c1 * counts + c2 * counts^2 (float32 on the wire). */
struct pb_cal {
	uint8_t  channel;
	uint8_t  order;     /* 1 linear, 2 quadratic */
	float    c[3];
	uint32_t cal_id;    /* sequence number of this calibration */
	uint32_t date;      /* unix seconds of the calibration */
	char     station[PB_STR_LEN];
};

/* WRITE_CAL_ALL: the unit's whole calibration.  Channel c gets cal[c]
 * (whose channel field is c) when bit c of mask is set; a channel whose
 * bit is clear is left without calibration, and its cal[c] is all zero. */
struct pb_cal_set {
	uint8_t      mask;
	struct pb_cal cal[PB_MAX_CH];
};

/* DEVICE_STATS answer: the device's receive and send counters since it
 * booted (u32 on the wire, wrapping; docs/protocol.md 5.15 and 7.6). */
struct pb_device_stats {
	uint32_t frames_ok;       /* frames that passed the frame checks */
	uint32_t heartbeats;      /* valid host heartbeats */
	uint32_t commands;        /* valid commands run */
	uint32_t dup_commands;    /* retries answered from the txn cache */
	uint32_t ignored;         /* RESPONSE-flagged or device->host frames */
	uint32_t unknown_type;    /* frames of a type the device lacks */
	uint32_t bad_header;      /* commands without ACK_REQ or with txn 0 */
	uint32_t bad_payload;     /* heartbeats or commands that failed decode */
	uint32_t cobs_errors, length_errors, oversize, crc_errors,
	         version_errors;  /* frame-layer drops (section 3.5) */
	uint32_t frames_lost;     /* host->device seq gaps */
	uint32_t out_dropped;     /* frames lost: the output queue was full */
	uint32_t host_lost;       /* host watchdog expiries */
};

struct pb_cal_hold {
	uint8_t channel_mask;
	int16_t target;     /* 0.1 mmHg; 0 = vent */
};

struct pb_inject {
	uint8_t fault;      /* enum pb_fault */
	uint8_t channel;
	int32_t value;
};

/* RESPONSE: status, the request type it answers, and a typed body. */
enum pb_body { PB_BODY_NONE, PB_BODY_INFO, PB_BODY_CAL, PB_BODY_NONCE,
	PB_BODY_STATS };
struct pb_response {
	uint8_t status;     /* enum pb_status */
	uint8_t req_type;   /* enum pb_type of the command answered */
	uint8_t body_kind;  /* enum pb_body, implied by req_type and status */
	union {
		struct pb_device_info info;
		struct pb_cal cal;
		uint8_t nonce[PB_NONCE_LEN];
		struct pb_device_stats stats;
	} body;
};

/* A decoded message.  type/flags/seq/txn mirror the frame header. */
struct pb_msg {
	uint8_t  type;
	uint8_t  flags;
	uint16_t seq;
	uint8_t  txn;       /* 0 for unsolicited messages */
	union {
		struct pb_hello       hello;
		struct pb_heartbeat   hb;
		struct pb_telemetry   tel;
		struct pb_event       ev;
		struct pb_log         log;
		struct pb_response    resp;
		uint8_t               mode;      /* SET_MODE */
		uint8_t               level;     /* SET_LEVEL */
		uint8_t               channel_mask; /* SET_CHANNELS */
		uint16_t              rate_hz;   /* SET_RATE */
		uint8_t               channel;   /* READ_CAL */
		struct pb_cal         cal;       /* WRITE_CAL */
		struct pb_cal_set     cal_set;   /* WRITE_CAL_ALL */
		uint8_t               mac[PB_MAC_LEN]; /* FACTORY_UNLOCK */
		char                  serial[PB_STR_LEN]; /* WRITE_SERIAL */
		struct pb_cal_hold    hold;      /* CAL_HOLD */
		struct pb_inject      inject;    /* INJECT */
	} u;
};

/* What a device receives: a command or a host HEARTBEAT, decoded into a
 * struct without the host-side bodies (no telemetry buffer), so a device
 * decodes a command in about 100 bytes of stack.  The members have the
 * names and types of struct pb_msg's. */
struct pb_cmd {
	uint8_t  type;
	uint8_t  flags;
	uint16_t seq;
	uint8_t  txn;
	union {
		struct pb_hello       hello;
		struct pb_heartbeat   hb;
		uint8_t               mode;
		uint8_t               level;
		uint8_t               channel_mask;
		uint16_t              rate_hz;
		uint8_t               channel;
		struct pb_cal         cal;
		struct pb_cal_set     cal_set;
		uint8_t               mac[PB_MAC_LEN];
		char                  serial[PB_STR_LEN];
		struct pb_cal_hold    hold;
		struct pb_inject      inject;
	} u;
};

/* Codec results. */
enum pb_msg_err {
	PB_MSG_OK = 0,
	PB_MSG_E_TYPE = -1,    /* unknown message type */
	PB_MSG_E_LENGTH = -2,  /* payload length does not fit the type */
	PB_MSG_E_VALUE = -3,   /* a field value is out of range */
	PB_MSG_E_SPACE = -4    /* encode: output buffer too small */
};

/* Encode m's body (by m->type) into buf. On success *len is the payload
 * length (<= PB_MAX_PAYLOAD) and PB_MSG_OK is returned. */
int pb_msg_encode(const struct pb_msg *m, uint8_t *buf, size_t cap,
    size_t *len);

/* Decode a payload of the given type into m->u (m->type is set; the
 * caller fills flags/seq/txn from the header). The response body kind is
 * derived from req_type and status. */
int pb_msg_decode(uint8_t type, uint8_t flags, const uint8_t *buf,
    size_t len, struct pb_msg *m);

/* The same two codecs over one body: body points at the struct the type
 * carries (struct pb_telemetry for TELEMETRY, uint8_t for SET_LEVEL, ...,
 * as the members of struct pb_msg's union).  pb_msg_encode(m) is
 * pb_body_encode(m->type, &m->u, ...). */
int pb_body_encode(uint8_t type, const void *body, uint8_t *buf, size_t cap,
    size_t *len);
/* The payload length pb_body_encode() would produce, or a negative
 * PB_MSG_E_* when the body is not valid for the type. */
int pb_body_len(uint8_t type, const void *body);
/* Decode a HEARTBEAT or a command into c (c->type set, the header fields
 * left to the caller); PB_MSG_E_TYPE for any other type. */
int pb_cmd_decode(uint8_t type, const uint8_t *buf, size_t len,
    struct pb_cmd *c);
/* A LOG payload from its parts (text need not be NUL-terminated). */
int pb_log_encode(uint8_t level, const char *text, size_t text_len,
    uint8_t *buf, size_t cap, size_t *len);

/* Body kind a RESPONSE to req_type with this status carries:
 * HELLO/READ_INFO + OK -> INFO, READ_CAL + OK -> CAL,
 * FACTORY_CHALLENGE + OK -> NONCE, DEVICE_STATS + OK -> STATS, anything
 * else -> NONE. */
uint8_t pb_response_body_kind(uint8_t req_type, uint8_t status);

/* True for the command types (those a host sends with PB_F_ACK_REQ). */
bool pb_type_is_command(uint8_t type);

/* Of a DEVICE_STATS answer: frames from the host the device dropped in
 * the frame checks (COBS, length, size, CRC, version), and frames that
 * passed them but that it refused (ignored, unknown type, bad header,
 * bad payload). */
uint64_t pb_device_stats_dropped(const struct pb_device_stats *s);
uint64_t pb_device_stats_refused(const struct pb_device_stats *s);

/* Mean of channel ch's samples in a telemetry batch, in 0.1 mmHg; NaN
 * when the batch has no samples or no such channel. */
double pb_tel_mean_dmmhg(const struct pb_telemetry *t, int ch);

/* Names for logs and the dashboard; never NULL ("?" when unknown). */
const char *pb_type_name(uint8_t type);
const char *pb_status_name(uint8_t status);
const char *pb_mode_name(uint8_t mode);
/* A channel's one name (0-based index): "ch1", "ch2"; "ch?" out of
 * range.  The dashboard, recordings, reports, certificates and the
 * emulator's logs all call channels this. */
const char *pb_channel_name(int ch);
const char *pb_phase_name(uint8_t phase);
const char *pb_run_state_name(uint8_t state);
const char *pb_alarm_name(unsigned bit_index);   /* 0..PB_AL_COUNT-1 */
/* PB_EV_* as written in recordings and seen by scenarios: "alarm_raised",
 * "alarm_cleared", "state", "mode", "auto_off", "boot", "factory". */
const char *pb_event_kind_name(uint8_t kind);
const char *pb_msg_strerror(int err);

#endif
