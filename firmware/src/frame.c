/* Trigger-protocol frames: CRC, parser, encoder; kept free of AVR code so the host can build and fuzz it. */
#include "frame.h"

#include <string.h>

uint16_t frame_crc16(const uint8_t *data, size_t len, uint16_t crc)
{
    while (len--) {
        crc ^= (uint16_t)*data++ << 8;
        for (uint8_t i = 0; i < 8; i++)
            crc = (crc & 0x8000u) ? (uint16_t)((crc << 1) ^ 0x1021u) : (uint16_t)(crc << 1);
    }
    return crc;
}

int frame_payload_size(uint8_t type)
{
    /* Both directions, as codec.FrameParser does: the box's own dispatcher refuses the box->host types. */
    switch (type) {
    case MSG_IDENTIFY: return MSG_IDENTIFY_SIZE;
    case MSG_CONFIGURE: return MSG_CONFIGURE_SIZE;
    case MSG_ARM: return MSG_ARM_SIZE;
    case MSG_FIRE: return MSG_FIRE_SIZE;
    case MSG_RELEASE: return MSG_RELEASE_SIZE;
    case MSG_STATUS: return MSG_STATUS_SIZE;
    case MSG_CLOCK: return MSG_CLOCK_SIZE;
    case MSG_TEST_WATCHDOG: return MSG_TEST_WATCHDOG_SIZE;
    case MSG_IDENTITY: return MSG_IDENTITY_SIZE;
    case MSG_ACK: return MSG_ACK_SIZE;
    case MSG_NAK: return MSG_NAK_SIZE;
    case MSG_FIRED: return MSG_FIRED_SIZE;
    case MSG_STATUS_REPORT: return MSG_STATUS_REPORT_SIZE;
    case MSG_CLOCK_REPORT: return MSG_CLOCK_REPORT_SIZE;
    case MSG_BUTTON: return MSG_BUTTON_SIZE;
    default: return -1;
    }
}

size_t frame_encode(uint8_t *out, uint8_t seq, uint8_t type, const void *payload, uint8_t len)
{
    out[0] = FRAME_SYNC;
    out[1] = (uint8_t)(len + 2u);
    out[2] = seq;
    out[3] = type;
    if (len)
        memcpy(out + FRAME_HEAD, payload, len);
    uint16_t crc = frame_crc16(out + 1, (size_t)len + 3u, 0xFFFFu);
    out[FRAME_HEAD + len] = (uint8_t)(crc >> 8);
    out[FRAME_HEAD + len + 1] = (uint8_t)crc;
    return (size_t)len + FRAME_OVERHEAD;
}

size_t frame_parser_size(void)
{
    return sizeof(struct frame_parser);
}

void frame_init(struct frame_parser *p)
{
    p->len = 0;
    p->consumed = 0;
    p->max_len = FRAME_MAX_LEN;
}

void frame_limit_len(struct frame_parser *p, uint8_t max_len)
{
    p->max_len = max_len;
}

static void drop(struct frame_parser *p, uint16_t n)
{
    if (n >= p->len) {
        p->len = 0;
        return;
    }
    memmove(p->buf, p->buf + n, p->len - n);
    p->len -= n;
}

static void settle(struct frame_parser *p)
{
    if (p->consumed) {
        drop(p, p->consumed);
        p->consumed = 0;
    }
}

void frame_push(struct frame_parser *p, uint8_t byte)
{
    settle(p);
    /* Only reachable if the caller skipped frame_next(): a held frame never exceeds the buffer. */
    if (p->len >= sizeof p->buf)
        drop(p, 1);
    p->buf[p->len++] = byte;
}

int frame_next(struct frame_parser *p, struct frame *out)
{
    settle(p);
    out->seq = -1;
    out->type = 0;
    out->len = 0;
    out->payload = 0;

    const uint8_t *sync = memchr(p->buf, FRAME_SYNC, p->len);
    if (!sync) {
        p->len = 0;
        return FRAME_NONE;
    }
    drop(p, (uint16_t)(sync - p->buf));
    if (p->len < 2)
        return FRAME_NONE;
    uint8_t len = p->buf[1];
    if (len < 2 || len > p->max_len) {
        p->consumed = 1;
        return FRAME_BAD_LENGTH;
    }
    uint16_t total = (uint16_t)len + 4u;
    if (p->len < total)
        return FRAME_NONE;
    uint16_t crc = frame_crc16(p->buf + 1, (size_t)len + 1u, 0xFFFFu);
    uint16_t got = (uint16_t)((uint16_t)p->buf[total - 2] << 8 | p->buf[total - 1]);
    out->seq = p->buf[2];
    if (crc != got) {
        p->consumed = 1;
        return FRAME_BAD_CRC;
    }
    p->consumed = total;
    out->type = p->buf[3];
    out->len = (uint8_t)(len - 2u);
    out->payload = p->buf + FRAME_HEAD;
    int size = frame_payload_size(out->type);
    if (size < 0)
        return FRAME_UNKNOWN_TYPE;
    if (size != out->len)
        return FRAME_BAD_PAYLOAD;
    return FRAME_OK;
}

void frame_drop_partial(struct frame_parser *p)
{
    settle(p);
    if (p->len)
        p->consumed = 1;
}

size_t frame_pending(const struct frame_parser *p)
{
    return (size_t)(p->len - p->consumed);
}

size_t frame_fuzz(const uint8_t *data, size_t len, uint8_t *status, int16_t *seq, size_t max, size_t *pending)
{
    struct frame_parser p;
    struct frame f;
    size_t n = 0;
    frame_init(&p);
    for (size_t i = 0; i < len; i++) {
        frame_push(&p, data[i]);
        int st;
        while ((st = frame_next(&p, &f)) != FRAME_NONE) {
            if (n < max) {
                status[n] = (uint8_t)st;
                seq[n] = f.seq;
            }
            n++;
        }
    }
    if (pending)
        *pending = frame_pending(&p);
    return n;
}
