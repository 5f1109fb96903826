/* The watchdog and the reset cause: stopped first thing at boot, restarted by main once the lines are safe. */
#ifndef WATCHDOG_H
#define WATCHDOG_H

#include <stdint.h>

/* MCUSR as it was at boot (see RESET_* in protocol.h); when a bootloader cleared it, RESET_WATCHDOG where a
 * watchdog reset can still be told (see watchdog.c). */
extern uint8_t reset_cause;

/* WDTO_120MS: the main loop comes round in well under a millisecond, and a fire feeds it while waiting. */
void watchdog_start(void);
/* Call just before letting the watchdog fire on purpose (test_watchdog): the next boot reports it even when
 * a bootloader has cleared MCUSR. */
void watchdog_mark_test(void);

#endif
