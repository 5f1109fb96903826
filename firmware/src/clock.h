/* The box clock: Timer1 at F_CPU/8 = 2 MHz (BOX_CLOCK_HZ), extended to 32 bits by its overflow interrupt. */
#ifndef CLOCK_H
#define CLOCK_H

#include <stdint.h>

#include <avr/io.h>

/* Upper 16 bits; the overflow ISR owns it, except while interrupts are off, when clock_now() counts the
 * overflow itself (the fire runs with interrupts off for up to seconds). */
extern volatile uint16_t clock_hi;

void clock_init(void);
/* Atomic read, safe with interrupts on or off. */
uint32_t clock_read(void);

/* The read itself, for callers that already run with interrupts off. A pending overflow flag means TCNT1
 * wrapped but clock_hi does not know yet: count it here and clear the flag, so the ISR will not count it
 * again; TCNT1 is read again because the first read may predate the wrap. */
static inline __attribute__((always_inline)) uint32_t clock_now(void)
{
    uint16_t lo = TCNT1;
    if (TIFR1 & _BV(TOV1)) {
        TIFR1 = _BV(TOV1);
        clock_hi++;
        lo = TCNT1;
    }
    return ((uint32_t)clock_hi << 16) | lo;
}

#endif
