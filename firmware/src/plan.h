/* The fire plan: configure's range checks and the timed port writes precomputed from it; plain C, no AVR code. */
#ifndef PLAN_H
#define PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "protocol.h"

#define TICKS_PER_US (BOX_CLOCK_HZ / 1000000UL)
#define PLAN_MAX_EVENTS (2u * MAX_GROUPS) /* each group's assert and its release */
/* Edges due within 2 us after a write go out with it (see plan.c): at most 2 us early, never late. */
#define PLAN_JOIN_TICKS 4u
/* Shorter pulses are stretched to 2.5 us, so a release is never due within the join window of its own
 * assert (it could not go out with it, and writes closer than the fire loop's 2.4 us would run late). */
#define PLAN_MIN_PULSE_TICKS (PLAN_JOIN_TICKS + 1u)
/* The fire (fire.c) writes runs of events back to back in one assembly loop (2.4 us from write to write,
 * which the join rule above allows for). Between two runs it goes back to C (clock resync, watchdog), which
 * takes about 8 us: so a run is only ever broken between two writes at least PLAN_BREAK_TICKS (24 us, three
 * times that) apart. Writes closer than that stay in one run, however long the run has lasted. As writes are
 * more than PLAN_JOIN_TICKS apart, such an unbreakable stretch spans at most PLAN_MAX_EVENTS * PLAN_BREAK_TICKS
 * (1.2 ms), which the fire allows for when it spaces its clock resyncs. */
#define PLAN_BREAK_TICKS 48u
_Static_assert(PLAN_BREAK_TICKS > PLAN_JOIN_TICKS, "a break must be rarer than a join");

/* One moment of the fire: the whole shutter ports and the flash bit as they must be from then on. Writing
 * whole precomputed values (not read-modify-write) is what makes a group's edges land together. */
struct plan_event {
    uint32_t at; /* box clock ticks after the fire time */
    uint8_t a, c, l; /* shutter ports: ch 0-7, 8-15, 16-23 */
    uint8_t flash;   /* PORTH flash bit, already in position */
};

struct plan {
    uint32_t channel_mask;
    uint32_t lead_ticks;       /* focus lead */
    uint32_t max_assert_ticks; /* no output held longer than this */
    uint32_t end;              /* ticks after the fire time of the last release */
    uint8_t n_groups;
    uint8_t n_events;
    uint32_t group_mask[MAX_GROUPS];  /* groups in time order; FLASH_BIT marks the flash's own group */
    uint8_t group_event[MAX_GROUPS];  /* the event that asserts the group */
    struct plan_event ev[PLAN_MAX_EVENTS]; /* in time order, more than PLAN_JOIN_TICKS apart (but see plan.c) */
};

/* Checks cfg against the protocol's limits; if it passes, builds the plan into p and returns true. On
 * failure p is left as it was, so a refused configure changes nothing. */
bool plan_configure(struct plan *p, const msg_configure_t *cfg);

#endif
