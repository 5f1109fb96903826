/* UART0 driver: the RX interrupt must take every byte even while the main loop is busy answering. */
#include "uart.h"

#include <avr/interrupt.h>
#include <avr/io.h>
#include <util/atomic.h>

#include "protocol.h"

/* 256 entries so the uint8_t indices wrap by themselves. */
static volatile uint8_t rx_buf[256];
static volatile uint8_t rx_head, rx_tail;
static volatile uint8_t tx_buf[256];
static volatile uint8_t tx_head, tx_tail;

/* U2X halves the divider's rounding error: 16 MHz / (8 * 250000) - 1 = 7 exactly. */
#define UBRR_VALUE ((F_CPU / (8UL * UART_BAUD)) - 1UL)
_Static_assert(F_CPU == 8UL * UART_BAUD * (UBRR_VALUE + 1UL), "UART_BAUD is not exact at this F_CPU");

void uart_init(void)
{
    UBRR0 = UBRR_VALUE;
    UCSR0A = _BV(U2X0);
    UCSR0C = _BV(UCSZ01) | _BV(UCSZ00); /* 8N1 */
    UCSR0B = _BV(RXCIE0) | _BV(RXEN0) | _BV(TXEN0);
}

ISR(USART0_RX_vect)
{
    uint8_t b = UDR0;
    uint8_t next = (uint8_t)(rx_head + 1);
    if (next != rx_tail) { /* full: drop the byte, the frame CRC will catch it */
        rx_buf[rx_head] = b;
        rx_head = next;
    }
}

ISR(USART0_UDRE_vect)
{
    if (tx_tail != tx_head) {
        UDR0 = tx_buf[tx_tail];
        tx_tail = (uint8_t)(tx_tail + 1);
    } else {
        UCSR0B &= (uint8_t)~_BV(UDRIE0);
    }
}

bool uart_read(uint8_t *byte)
{
    if (rx_tail == rx_head)
        return false;
    *byte = rx_buf[rx_tail];
    rx_tail = (uint8_t)(rx_tail + 1);
    return true;
}

void uart_write(const uint8_t *data, uint16_t len)
{
    while (len--) {
        uint8_t next = (uint8_t)(tx_head + 1);
        while (next == tx_tail)
            ;
        tx_buf[tx_head] = *data++;
        tx_head = next;
        /* The ISR clears UDRIE0 in the same register: set it atomically. */
        ATOMIC_BLOCK(ATOMIC_RESTORESTATE) { UCSR0B |= _BV(UDRIE0); }
    }
}

bool uart_tx_busy(void)
{
    return tx_head != tx_tail;
}
