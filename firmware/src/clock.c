/* Timer1 as the 32-bit box clock (2 MHz): host clock sync and every deadline of the box count in it. */
#include "clock.h"

#include <avr/interrupt.h>

volatile uint16_t clock_hi;

ISR(TIMER1_OVF_vect)
{
    clock_hi++;
}

void clock_init(void)
{
    TCCR1A = 0;
    TCNT1 = 0;
    TIFR1 = _BV(TOV1);
    TIMSK1 = _BV(TOIE1);
    TCCR1B = _BV(CS11); /* normal mode, clk/8 */
}

uint32_t clock_read(void)
{
    uint8_t sreg = SREG;
    cli();
    uint32_t t = clock_now();
    SREG = sreg;
    return t;
}
