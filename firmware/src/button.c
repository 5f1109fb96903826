/* Push-button debounce: a level must hold 20 ms to count, and the clock reported is where it began. */
#include "button.h"

#include <avr/io.h>

#include "pins.h"
#include "plan.h"

#define DEBOUNCE_TICKS (20000UL * TICKS_PER_US)

static bool stable_pressed;
static bool raw_pressed;
static uint32_t raw_since;

void button_init(uint32_t now)
{
    /* Start as "pressed" so a button held (or a wire shorted) at boot sends nothing until it has been seen
     * released: no shot is ever triggered by a reset. */
    stable_pressed = true;
    raw_pressed = true;
    raw_since = now;
}

bool button_poll(uint32_t now, uint32_t *pressed_at)
{
    bool pressed = !(BUTTON_PINREG & _BV(BUTTON_PIN));
    if (pressed != raw_pressed) {
        raw_pressed = pressed;
        raw_since = now;
        return false;
    }
    if (pressed == stable_pressed || now - raw_since < DEBOUNCE_TICKS)
        return false;
    stable_pressed = pressed;
    if (!pressed)
        return false;
    *pressed_at = raw_since;
    return true;
}
