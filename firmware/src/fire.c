/* The fire: interrupts off, busy-wait on Timer1, whole-port writes so a group's edges land within cycles. */
#include "fire.h"

#include <stdbool.h>

#include <avr/io.h>
#include <avr/wdt.h>

#include "clock.h"
#include "lines.h"
#include "pins.h"

/* Within this many ticks (4 ms) of its target an event waits on TCNT1 alone: a 16-bit compare is
 * unambiguous there and takes 8 cycles a turn, so an edge lands within a tick (0.5 us) of its time. */
#define FINE_TICKS 0x2000L
/* The 32-bit clock (clock_now, which also counts Timer1's overflows by hand) is read again once this much
 * (12 ms) has passed since the last read, at the next gap of PLAN_BREAK_TICKS or more between two writes:
 * a run is never broken between writes closer than that, as the C code between runs (~8 us) would make the
 * second one late. The next such gap comes within FINE_TICKS + PLAN_MAX_EVENTS * PLAN_BREAK_TICKS (5.2 ms),
 * so the clock is read at least every 17.2 ms: no overflow (every 32.8 ms) goes uncounted, and the watchdog
 * is fed as often. */
#define SYNC_TICKS 0x6000UL
_Static_assert(SYNC_TICKS + FINE_TICKS + (uint32_t)PLAN_MAX_EVENTS * PLAN_BREAK_TICKS < 0x10000UL,
               "an overflow could go uncounted between two clock reads");

/* Laid out for the assembly below: 6 bytes, in this order. */
struct slot {
    uint16_t at; /* low 16 bits of the event's time after t0 */
    uint8_t a, c, l, h;
};
_Static_assert(sizeof(struct slot) == 6, "run_events expects 6-byte slots");

static struct slot slots[PLAN_MAX_EVENTS];
static bool coarse[PLAN_MAX_EVENTS]; /* wait on the 32-bit clock first (far from the previous event) */
static uint16_t after[PLAN_MAX_EVENTS]; /* TCNT1 right after each event's writes */

/* Runs count events back to back, each within FINE_TICKS of the one before: wait for TCNT1 to reach
 * t0 + at, write the four ports, read TCNT1. In assembly because the time from one event's writes to the
 * next one's (38 cycles, 2.4 us, here; twice that from the compiler at -Os) is the least spacing at which
 * events are still on time, and plan.c joins closer edges on that basis. The port writes are 1 + 1 + 2
 * cycles apart (out, out, sts, sts): all edges of an event land within 0.3 us. */
static void run_events(const struct slot *s, uint16_t *out, uint8_t count, uint16_t t0)
{
    __asm__ __volatile__("1:  ld   r18, Z+\n\t"
                         "    ld   r19, Z+\n\t"
                         "    add  r18, %A[t0]\n\t"
                         "    adc  r19, %B[t0]\n\t"
                         "    ld   r20, Z+\n\t"
                         "    ld   r21, Z+\n\t"
                         "    ld   r22, Z+\n\t"
                         "    ld   r23, Z+\n\t"
                         "2:  lds  r24, %[tcntl]\n\t"
                         "    lds  r25, %[tcnth]\n\t"
                         "    sub  r24, r18\n\t"
                         "    sbc  r25, r19\n\t"
                         "    brmi 2b\n\t"
                         "    out  %[pa], r20\n\t"
                         "    out  %[pc], r21\n\t"
                         "    sts  %[pl], r22\n\t"
                         "    sts  %[ph], r23\n\t"
                         "    lds  r24, %[tcntl]\n\t"
                         "    lds  r25, %[tcnth]\n\t"
                         "    st   X+, r24\n\t"
                         "    st   X+, r25\n\t"
                         "    dec  %[n]\n\t"
                         "    brne 1b\n\t"
                         : "+z"(s), "+x"(out), [n] "+r"(count)
                         : [t0] "r"(t0), [tcntl] "n"(_SFR_MEM_ADDR(TCNT1L)), [tcnth] "n"(_SFR_MEM_ADDR(TCNT1H)),
                           [pa] "I"(_SFR_IO_ADDR(SHUTTER_PORT_LO)), [pc] "I"(_SFR_IO_ADDR(SHUTTER_PORT_MID)),
                           [pl] "n"(_SFR_MEM_ADDR(SHUTTER_PORT_HI)), [ph] "n"(_SFR_MEM_ADDR(AUX_PORT))
                         : "r18", "r19", "r20", "r21", "r22", "r23", "r24", "r25", "memory");
}

void fire_prepare(const struct plan *p)
{
    uint32_t prev = 0, since = 0;
    for (uint8_t i = 0; i < p->n_events; i++) {
        const struct plan_event *e = &p->ev[i];
        uint32_t gap = e->at - prev;
        prev = e->at;
        since += gap;
        /* A run breaks (a coarse wait on the 32-bit clock) only where the gap from the previous write
         * leaves room for the C code between runs: see SYNC_TICKS and PLAN_BREAK_TICKS. */
        coarse[i] = i == 0 || gap >= (uint32_t)FINE_TICKS || (since >= SYNC_TICKS && gap >= PLAN_BREAK_TICKS);
        if (coarse[i])
            since = 0;
        /* The whole of PORTH is written: the status LED is lit, as the box is armed. */
        slots[i] = (struct slot){(uint16_t)e->at, e->a, e->c, e->l, (uint8_t)(_BV(LED_PIN) | e->flash)};
    }
}

void fire_run(const struct plan *p, uint32_t t0, uint32_t *event_clock)
{
    uint8_t n = p->n_events;
    uint8_t sreg = SREG;
    __asm__ __volatile__("cli" ::: "memory");
    for (uint8_t i = 0; i < n;) {
        uint8_t j = i + 1;
        while (j < n && !coarse[j])
            j++;
        uint32_t target = t0 + p->ev[i].at;
        /* Signed difference: right across the 32-bit wrap. */
        while ((int32_t)(clock_now() - target) < -FINE_TICKS)
            wdt_reset();
        wdt_reset(); /* the loop above may not have turned at all */
        run_events(&slots[i], &after[i], (uint8_t)(j - i), (uint16_t)t0);
        i = j;
    }
    /* The cameras ignore their USB link while focus is held: let go as soon as the last shutter has. */
    lines_focus(0);
    (void)clock_now(); /* count any overflow by hand before the overflow interrupt is back */
    SREG = sreg;

    for (uint8_t i = 0; i < n; i++) {
        uint32_t target = t0 + p->ev[i].at;
        event_clock[i] = target + (uint32_t)(int32_t)(int16_t)(after[i] - (uint16_t)target);
    }
}
