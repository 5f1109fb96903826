/* Output lines outside the fire: init to released, focus press/release, release-everything for faults. */
#include "lines.h"

#include <avr/io.h>

#include "pins.h"

void lines_init(void)
{
    /* After a reset every pin is an input with PORT = 0, which is already "released"; write the ports low
     * before the direction so no pin is driven high even for a cycle. */
    lines_release_all();
    AUX_PORT = 0;
    SHUTTER_DDR_LO = 0xFF;
    SHUTTER_DDR_MID = 0xFF;
    SHUTTER_DDR_HI = 0xFF;
    FOCUS_DDR_LO = 0xFF;
    FOCUS_DDR_MID = 0xFF;
    FOCUS_DDR_HI = 0xFF;
    AUX_DDR = _BV(FLASH_PIN) | _BV(LED_PIN);

    BUTTON_DDR &= (uint8_t)~_BV(BUTTON_PIN);
    BUTTON_PORT |= _BV(BUTTON_PIN); /* pull-up: the button pulls to ground */
}

void lines_release_all(void)
{
    SHUTTER_PORT_LO = 0;
    SHUTTER_PORT_MID = 0;
    SHUTTER_PORT_HI = 0;
    FOCUS_PORT_LO = 0;
    FOCUS_PORT_MID = 0;
    FOCUS_PORT_HI = 0;
    AUX_PORT &= (uint8_t)~_BV(FLASH_PIN);
}

void lines_focus(uint32_t channel_mask)
{
    FOCUS_PORT_LO = (uint8_t)channel_mask;
    FOCUS_PORT_MID = (uint8_t)(channel_mask >> 8);
    FOCUS_PORT_HI = (uint8_t)(channel_mask >> 16);
}

uint32_t lines_focus_mask(void)
{
    return (uint32_t)FOCUS_PORT_LO | (uint32_t)FOCUS_PORT_MID << 8 | (uint32_t)FOCUS_PORT_HI << 16;
}

void lines_led(bool on)
{
    if (on)
        AUX_PORT |= _BV(LED_PIN);
    else
        AUX_PORT &= (uint8_t)~_BV(LED_PIN);
}
