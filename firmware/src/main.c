/* Trigger box firmware entry: bring the lines to a safe state, then serve the host and the button forever. */
#include <stdbool.h>
#include <stdint.h>

#include <avr/interrupt.h>
#include <avr/wdt.h>

#include "box.h"
#include "button.h"
#include "clock.h"
#include "frame.h"
#include "lines.h"
#include "link.h"
#include "plan.h"
#include "uart.h"
#include "watchdog.h"

/* Bytes of one frame arrive back to back; a 10 ms gap means the rest is not coming. */
#define FRAME_GAP_TICKS (10000UL * TICKS_PER_US)

/* Work done for the host link per turn of the main loop, so that a flood of bytes (garbage at line rate)
 * cannot keep the loop from feeding the watchdog and running the safety checks: at most this many bytes
 * taken from the receive ring, and at most this many parser results (each costs at most one CRC, over at
 * most HOST_MAX_LEN + 1 bytes, about 0.8 ms) answered. Bytes not taken wait in the ring (or, in a flood, are
 * lost there, which the frame CRC catches). A turn is so bounded by about 8 ms. */
#define LINK_BYTES_PER_TURN 16u
#define LINK_RESULTS_PER_TURN 8u

/* The longest LEN the box can be sent: LEN counts SEQ and TYPE besides the payload. */
#define HOST_MAX_PAYLOAD MSG_CONFIGURE_SIZE
#define HOST_MAX_LEN (HOST_MAX_PAYLOAD + 2u)
_Static_assert(MSG_IDENTIFY_SIZE <= HOST_MAX_PAYLOAD && MSG_ARM_SIZE <= HOST_MAX_PAYLOAD &&
                   MSG_FIRE_SIZE <= HOST_MAX_PAYLOAD && MSG_RELEASE_SIZE <= HOST_MAX_PAYLOAD &&
                   MSG_STATUS_SIZE <= HOST_MAX_PAYLOAD && MSG_CLOCK_SIZE <= HOST_MAX_PAYLOAD &&
                   MSG_TEST_WATCHDOG_SIZE <= HOST_MAX_PAYLOAD,
               "HOST_MAX_PAYLOAD is not the largest host->box payload");

static struct frame_parser parser;
static uint32_t last_byte;
static bool backlog; /* the parser may still hold results: drain before taking more bytes */

/* Answers parser results until it has none (true) or *budget runs out (false). */
static bool drain(uint8_t *budget)
{
    struct frame f;
    int status;
    while (*budget) {
        if ((status = frame_next(&parser, &f)) == FRAME_NONE)
            return true;
        (*budget)--;
        box_frame(status, &f, clock_read());
    }
    return false;
}

/* One bounded turn of the host link. Also called from a fire's long wait (box.c), so a frame handled here
 * may be handled while an outer drain() is inside box_frame(): the parser is left consistent between calls. */
void serve_host(void)
{
    uint8_t budget = LINK_RESULTS_PER_TURN;
    if (backlog) {
        backlog = !drain(&budget);
        if (backlog)
            return;
    }
    uint8_t b;
    bool got = false;
    for (uint8_t n = LINK_BYTES_PER_TURN; n && uart_read(&b); n--) {
        frame_push(&parser, b);
        got = true;
        if (!drain(&budget)) {
            backlog = true;
            break;
        }
    }
    uint32_t now = clock_read();
    if (got)
        last_byte = now;
    else if (!backlog && frame_pending(&parser) && now - last_byte > FRAME_GAP_TICKS) {
        frame_drop_partial(&parser);
        backlog = !drain(&budget);
    }
}

int main(void)
{
    lines_init();
    clock_init();
    uart_init();
    frame_init(&parser);
    frame_limit_len(&parser, HOST_MAX_LEN);
    uint32_t now = clock_read();
    button_init(now);
    box_init(reset_cause, now);
    watchdog_start();
    sei();

    last_byte = now;
    for (;;) {
        wdt_reset();
        serve_host();
        now = clock_read();

        uint32_t pressed_at;
        if (button_poll(now, &pressed_at)) {
            msg_button_t m = {.clock = pressed_at};
            link_send(0, MSG_BUTTON, &m, sizeof m);
        }
        box_poll(now);
    }
}
