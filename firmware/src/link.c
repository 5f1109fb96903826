/* Sending frames, and the one remembered reply that makes a resent command harmless (never fires twice). */
#include "link.h"

#include "frame.h"
#include "uart.h"

static uint8_t last_reply[FRAME_MAX_SIZE];
static uint16_t last_len;
static uint8_t last_seq;
static bool have_last;

void link_forget(void)
{
    have_last = false;
}

bool link_repeat(uint8_t seq)
{
    if (!have_last || seq != last_seq)
        return false;
    uart_write(last_reply, last_len);
    return true;
}

void link_reply(uint8_t seq, uint8_t type, const void *payload, uint8_t len)
{
    last_len = (uint16_t)frame_encode(last_reply, seq, type, payload, len);
    last_seq = seq;
    have_last = true;
    uart_write(last_reply, last_len);
}

void link_send(uint8_t seq, uint8_t type, const void *payload, uint8_t len)
{
    /* Small on purpose: only NAK and BUTTON go this way. */
    uint8_t buf[FRAME_OVERHEAD + 8];
    _Static_assert(MSG_BUTTON_SIZE <= 8 && MSG_NAK_SIZE <= 8, "link_send buffer too small");
    if (len > 8)
        return;
    uart_write(buf, (uint16_t)frame_encode(buf, seq, type, payload, len));
}
