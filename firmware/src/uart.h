/* UART0 (the Mega's USB serial) at UART_BAUD, both directions through interrupt-driven ring buffers. */
#ifndef UART_H
#define UART_H

#include <stdbool.h>
#include <stdint.h>

void uart_init(void);
bool uart_read(uint8_t *byte);
/* Queues the bytes, waiting for room if the ring is full (at most one frame time, about 8 ms). */
void uart_write(const uint8_t *data, uint16_t len);
/* True while bytes queued earlier are still waiting to go out. */
bool uart_tx_busy(void);

#endif
