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

static struct frame_parser parser;

static void drain(void)
{
    struct frame f;
    int status;
    while ((status = frame_next(&parser, &f)) != FRAME_NONE)
        box_frame(status, &f, clock_read());
}

int main(void)
{
    lines_init();
    clock_init();
    uart_init();
    frame_init(&parser);
    uint32_t now = clock_read();
    button_init(now);
    box_init(reset_cause, now);
    watchdog_start();
    sei();

    uint32_t last_byte = now;
    for (;;) {
        wdt_reset();
        uint8_t b;
        bool got = false;
        while (uart_read(&b)) {
            frame_push(&parser, b);
            drain();
            got = true;
        }
        now = clock_read();
        if (got)
            last_byte = now;
        else if (frame_pending(&parser) && now - last_byte > FRAME_GAP_TICKS) {
            frame_drop_partial(&parser);
            drain();
        }

        uint32_t pressed_at;
        if (button_poll(now, &pressed_at)) {
            msg_button_t m = {.clock = pressed_at};
            link_send(0, MSG_BUTTON, &m, sizeof m);
        }
        box_poll(now);
    }
}
