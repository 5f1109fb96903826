/* Boot-time watchdog stop and MCUSR capture, in .init3 as the avr-libc manual (<avr/wdt.h>) prescribes. */
#include "watchdog.h"

#include <avr/io.h>
#include <avr/wdt.h>

/* .noinit: .init3 runs before .bss is cleared, which would wipe the value. */
uint8_t reset_cause __attribute__((section(".noinit")));

/* After a watchdog reset the watchdog stays on at its shortest period (WDRF forces WDE): it would fire
 * again during the C runtime's start-up unless stopped before it. MCUSR is cleared so the next reset's
 * cause is not mixed with this one's (and WDRF must be cleared for wdt_disable to work). */
void watchdog_boot(void) __attribute__((naked, used, section(".init3")));
void watchdog_boot(void)
{
    reset_cause = MCUSR;
    MCUSR = 0;
    wdt_disable();
}

void watchdog_start(void)
{
    wdt_enable(WDTO_120MS);
}
