/* Boot-time watchdog stop and reset-cause capture, in .init3 as the avr-libc manual (<avr/wdt.h>) prescribes. */
#include "watchdog.h"

#include <avr/io.h>
#include <avr/wdt.h>

#include "protocol.h"

/* .noinit: .init3 runs before .bss is cleared, which would wipe the value. */
uint8_t reset_cause __attribute__((section(".noinit")));

/* What the firmware was doing when the reset came, kept across it in .noinit (SRAM keeps its contents
 * through every reset but power-on, when it is random: a 32-bit magic is then all but never matched). */
static uint32_t run_mark __attribute__((section(".noinit")));
#define MARK_RUNNING 0x52554E21UL  /* main loop running */
#define MARK_WDT_TEST 0x57445421UL /* test_watchdog: the watchdog is about to fire on purpose */

/*
 * The reset cause. Without a bootloader (the simavr bench, or a board flashed over ISP), MCUSR says it all
 * and is reported as it is. On a real Mega the stk500v2 bootloader runs first: it reads MCUSR, clears it and
 * stops the watchdog before jumping here, so MCUSR reads 0 after every reset. Then:
 *   - after test_watchdog (run_mark == MARK_WDT_TEST): RESET_WATCHDOG, always;
 *   - after any other watchdog reset: that bootloader jumps to the application at once when WDRF was set,
 *     before it sets up UART0 (for avrdude); after any other reset (the RESET pin, the USB bridge's DTR
 *     auto-reset when a port is opened, power-on) it enables UART0 and waits for avrdude first. So MCUSR == 0
 *     with UART0 still off (UCSR0B == 0, its reset value) and the firmware known to have been running
 *     (MARK_RUNNING) is reported as RESET_WATCHDOG; with UART0 on it is reported as 0 (not known, and not a
 *     watchdog reset: the host opening the port resets the board this way every time);
 *   - a jump to 0 without any reset (a crash) leaves MCUSR 0 and UART0 on: reported as 0.
 * A bootloader that neither sets UART0 up nor keeps MCUSR would make a RESET-pin reset of a running box look
 * like a watchdog reset; the Mega's stk500v2 (and optiboot, which keeps MCUSR) do not.
 */
void watchdog_boot(void) __attribute__((naked, used, section(".init3")));
void watchdog_boot(void)
{
    uint8_t cause = MCUSR;
    MCUSR = 0;
    wdt_disable();
    if (!cause && (run_mark == MARK_WDT_TEST || (run_mark == MARK_RUNNING && UCSR0B == 0)))
        cause = RESET_WATCHDOG;
    run_mark = 0;
    reset_cause = cause;
}

void watchdog_start(void)
{
    run_mark = MARK_RUNNING;
    wdt_enable(WDTO_120MS);
}

void watchdog_mark_test(void)
{
    run_mark = MARK_WDT_TEST;
}
