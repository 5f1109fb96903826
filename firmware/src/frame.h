/* Trigger-protocol frames: CRC-16/CCITT-FALSE, the byte-at-a-time parser and the encoder; plain C, no AVR code. */
#ifndef FRAME_H
#define FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "protocol.h"

/*
 * Wire format (see rig/trigger/protocol.py): SYNC | LEN | SEQ | TYPE | PAYLOAD (LEN-2) | CRC16 big-endian,
 * CRC over LEN .. end of payload. The parser has the semantics of rig.trigger.codec.FrameParser: after a
 * bad CRC or a bad LEN it rescans from the byte after the SYNC that began the bad frame, so it keeps the
 * bytes of a frame in progress (a false SYNC inside noise must not swallow the real frame behind it).
 *
 * This file is also built for the host as build/libframe.so (for fuzzing from Python with ctypes). Every
 * function declared here is exported there:
 *
 *   uint16_t frame_crc16(const uint8_t *data, size_t len, uint16_t crc)   start with crc = 0xFFFF
 *   int      frame_payload_size(uint8_t type)         payload bytes of a message type, -1 if unknown
 *   size_t   frame_encode(uint8_t *out, uint8_t seq, uint8_t type, const void *payload, uint8_t len)
 *                                                     whole frame into out (len + 6 bytes), returns its size
 *   size_t   frame_parser_size(void)                  sizeof(struct frame_parser), to allocate one
 *   void     frame_init(struct frame_parser *p)
 *   void     frame_limit_len(struct frame_parser *p, uint8_t max_len)
 *   void     frame_push(struct frame_parser *p, uint8_t byte)
 *   int      frame_next(struct frame_parser *p, struct frame *out)   enum frame_status
 *   void     frame_drop_partial(struct frame_parser *p)
 *   size_t   frame_pending(const struct frame_parser *p)
 *   size_t   frame_fuzz(const uint8_t *data, size_t len, uint8_t *status, int16_t *seq, size_t max,
 *                       size_t *pending)
 *                 feeds data to a fresh parser byte by byte, draining after each byte; stores up to max
 *                 events as status[i] (enum frame_status) and seq[i] (-1 where the frame gave none);
 *                 returns the number of events found (may exceed max) and, if pending is not NULL, the
 *                 bytes still held, to compare with FrameParser.pending.
 */

#define FRAME_HEAD 4u /* SYNC, LEN, SEQ, TYPE */
#define FRAME_OVERHEAD 6u /* SYNC, LEN, SEQ, TYPE, CRC16 */
#define FRAME_MAX_SIZE (FRAME_MAX_LEN + 4u) /* LEN counts SEQ+TYPE+payload; add SYNC, LEN, CRC16 */

enum frame_status {
    FRAME_NONE = 0,     /* nothing complete yet: push more bytes */
    FRAME_OK = 1,       /* a well-formed frame of a known type with the right payload size */
    FRAME_BAD_CRC = 2,  /* seq is the (unverified) SEQ byte */
    FRAME_BAD_LENGTH = 3, /* LEN < 2 (or above the parser's max_len); no seq */
    FRAME_UNKNOWN_TYPE = 4, /* CRC good, type unknown; seq valid */
    FRAME_BAD_PAYLOAD = 5,  /* CRC good, payload size wrong for the type; seq valid */
};

struct frame {
    int16_t seq; /* -1 where the frame gave none */
    uint8_t type;
    uint8_t len;
    const uint8_t *payload; /* points into the parser: valid until the next frame_push/frame_next */
};

struct frame_parser {
    uint8_t buf[FRAME_MAX_SIZE];
    uint16_t len;     /* bytes held */
    uint16_t consumed; /* bytes of the frame last reported, dropped lazily so its payload stays readable */
    uint8_t max_len;   /* a LEN above this is FRAME_BAD_LENGTH at once; FRAME_MAX_LEN after frame_init */
};

uint16_t frame_crc16(const uint8_t *data, size_t len, uint16_t crc);
int frame_payload_size(uint8_t type);
size_t frame_encode(uint8_t *out, uint8_t seq, uint8_t type, const void *payload, uint8_t len);

size_t frame_parser_size(void);
void frame_init(struct frame_parser *p);
/* Refuse (FRAME_BAD_LENGTH, as LEN < 2) any LEN above max_len without waiting for the frame or checking its
 * CRC: the box only ever receives host messages, so garbage need not make it CRC long frames. The host build
 * (frame_fuzz) keeps FRAME_MAX_LEN, as codec.FrameParser, which reads both directions. */
void frame_limit_len(struct frame_parser *p, uint8_t max_len);
/* Call frame_next() until it answers FRAME_NONE after every push: one byte can complete several frames. */
void frame_push(struct frame_parser *p, uint8_t byte);
int frame_next(struct frame_parser *p, struct frame *out);
/* Give up on the frame in progress (the line went quiet mid-frame): drop its SYNC and rescan the bytes held
 * after it, as after a bad CRC; call frame_next() until FRAME_NONE afterwards. */
void frame_drop_partial(struct frame_parser *p);
size_t frame_pending(const struct frame_parser *p);

size_t frame_fuzz(const uint8_t *data, size_t len, uint8_t *status, int16_t *seq, size_t max, size_t *pending);

#endif
