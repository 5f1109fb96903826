/* The push-button on PE4: debounced, reports each press once with the clock of its first edge. */
#ifndef BUTTON_H
#define BUTTON_H

#include <stdbool.h>
#include <stdint.h>

void button_init(uint32_t now);
/* Call from the main loop; true (and *pressed_at) once per debounced press. */
bool button_poll(uint32_t now, uint32_t *pressed_at);

#endif
