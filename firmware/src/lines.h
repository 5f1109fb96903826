/* The output lines (shutter, focus, flash, status LED) outside the timed fire, which writes ports itself. */
#ifndef LINES_H
#define LINES_H

#include <stdbool.h>
#include <stdint.h>

/* Every output driven low (released), then made an output: never a glitch high at boot. */
void lines_init(void);
void lines_release_all(void);
void lines_focus(uint32_t channel_mask);
/* Channels whose focus line is driven now. */
uint32_t lines_focus_mask(void);
void lines_led(bool on);

#endif
