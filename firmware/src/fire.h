/* The timed fire: runs a precomputed plan with interrupts off, busy-waiting on the box clock. */
#ifndef FIRE_H
#define FIRE_H

#include <stdint.h>

#include "plan.h"

/* Lays the plan out for the timed loop; call whenever the plan changes (at configure), so that a fire
 * starts waiting at once. */
void fire_prepare(const struct plan *p);
/* Runs every event of the prepared plan p at t0 + its time, with interrupts off; records the clock read
 * right after each event's writes in event_clock[]; then releases focus. Returns with interrupts as they
 * were. Only for an armed box: the status LED is kept lit through it. */
void fire_run(const struct plan *p, uint32_t t0, uint32_t *event_clock);

#endif
