/* The trigger box's pin map on the Arduino Mega 2560 (ATmega2560): the one place that says which wire is where. */
#ifndef PINS_H
#define PINS_H

/*
 * Every output is "asserted" when driven HIGH: it lights an optocoupler's LED, whose transistor pulls the
 * camera's remote line to ground. So released = low, and a pin that is still an input (as after any reset,
 * before lines_init) is released too.
 *
 * Channel n sits on bit (n % 8) of its port, in channel order, so a 24-bit channel mask splits into three
 * port bytes with plain shifts: the fire plan precomputes whole port values and writes each with one
 * instruction, which is what puts all edges of a group within a few cycles.
 *
 *   shutter ch 0-7   PORTA bit 0-7   Mega pins 22 23 24 25 26 27 28 29
 *   shutter ch 8-15  PORTC bit 0-7   Mega pins 37 36 35 34 33 32 31 30
 *   shutter ch 16-23 PORTL bit 0-7   Mega pins 49 48 47 46 45 44 43 42
 *   focus   ch 0-7   PORTF bit 0-7   Mega pins A0..A7
 *   focus   ch 8-15  PORTK bit 0-7   Mega pins A8..A15
 *   focus   ch 16-23 PORTB bit 0-7   Mega pins 53 52 51 50 10 11 12 13 (13 is also the on-board LED "L")
 *   flash            PH3             Mega pin 6
 *   status LED       PH4             Mega pin 7   (lit while armed)
 *   push-button      PE4             Mega pin 2   (to ground; internal pull-up, active low)
 *
 * The USB serial link is UART0 (PE0/PE1, pins 0/1), through the Mega's USB bridge.
 *
 * The numbers below are plain constants so portable code (plan.c) can use them; the register names are
 * only expanded in AVR code, which includes <avr/io.h> itself.
 */

#define SHUTTER_PORT_LO PORTA /* ch 0-7 */
#define SHUTTER_DDR_LO DDRA
#define SHUTTER_PORT_MID PORTC /* ch 8-15 */
#define SHUTTER_DDR_MID DDRC
#define SHUTTER_PORT_HI PORTL /* ch 16-23 */
#define SHUTTER_DDR_HI DDRL

#define FOCUS_PORT_LO PORTF /* ch 0-7 */
#define FOCUS_DDR_LO DDRF
#define FOCUS_PORT_MID PORTK /* ch 8-15 */
#define FOCUS_DDR_MID DDRK
#define FOCUS_PORT_HI PORTB /* ch 16-23 */
#define FOCUS_DDR_HI DDRB

/* Flash and status LED share PORTH; the fire plan writes the whole of PORTH, so nothing else may live there. */
#define AUX_PORT PORTH
#define AUX_DDR DDRH
#define FLASH_PIN 3 /* PH3 */
#define LED_PIN 4   /* PH4 */

#define BUTTON_PORT PORTE
#define BUTTON_DDR DDRE
#define BUTTON_PINREG PINE
#define BUTTON_PIN 4 /* PE4 */

#endif
