/* Trigger-box protocol: generated from rig/trigger/protocol.py by 'python -m rig.trigger.gen_header'.
 * Do not edit: change protocol.py and regenerate; a test fails when this file is stale. */
#ifndef TRIGGER_PROTOCOL_H
#define TRIGGER_PROTOCOL_H

#include <stdint.h>

#define PROTOCOL_VERSION 1u
#define FRAME_SYNC 0x7Eu
#define FRAME_MAX_LEN 255u
#define UART_BAUD 250000UL
#define CHANNELS 24u
#define MAX_GROUPS 25u
#define BOX_CLOCK_HZ 2000000UL
#define FLASH_BIT 0x80000000UL

#define NAK_BAD_CRC 1u
#define NAK_BAD_LENGTH 2u
#define NAK_UNKNOWN_TYPE 3u
#define NAK_BAD_PAYLOAD 4u
#define NAK_NOT_ARMED 5u
#define NAK_TOO_LATE 6u
#define NAK_BAD_CONFIG 7u
#define NAK_FOCUS_NOT_READY 8u
#define NAK_NOT_CONFIGURED 9u
#define NAK_PAST_MAX_ASSERT 10u

#define STATE_IDLE 0u
#define STATE_ARMED 1u
#define STATE_FAULT 2u

#define FAULT_NONE 0u
#define FAULT_HOST_SILENT 1u
#define FAULT_ASSERT_TIMEOUT 2u
#define FAULT_WATCHDOG_RESET 3u

#define RESET_POWER_ON 1u
#define RESET_EXTERNAL 2u
#define RESET_BROWN_OUT 4u
#define RESET_WATCHDOG 8u
#define RESET_JTAG 16u

/* host -> box: Ask the box who it is; the first message after connecting. */
#define MSG_IDENTIFY 0x01u
#define MSG_IDENTIFY_SIZE 0u

/* host -> box: Set the channels and timings; refused (BAD_CONFIG) while armed or if any time is out of range. */
#define MSG_CONFIGURE 0x02u
#define MSG_CONFIGURE_SIZE 118u
typedef struct __attribute__((packed)) {
    uint32_t channel_mask; /* bit n set: camera channel n is in use */
    uint32_t pulse_us; /* how long each shutter line is held */
    uint32_t focus_lead_us; /* least time between arm (focus pressed) and the first shutter edge */
    uint32_t flash_delay_us; /* flash output edge, after the fire time */
    uint32_t flash_pulse_us; /* how long the flash output is held; 0: no flash */
    uint16_t max_assert_ms; /* no output stays asserted longer than this (at most 5000) */
    uint32_t delays_us[24]; /* per-channel shutter delay after the fire time */
} msg_configure_t;
_Static_assert(sizeof(msg_configure_t) == MSG_CONFIGURE_SIZE, "configure layout");

/* host -> box: Press focus on every channel in use (the cameras wake and meter). */
#define MSG_ARM 0x03u
#define MSG_ARM_SIZE 0u

/* host -> box: Fire the armed channels; answered by FIRED once every line is released again. */
#define MSG_FIRE 0x04u
#define MSG_FIRE_SIZE 5u
typedef struct __attribute__((packed)) {
    uint32_t at_clock; /* box clock of the fire time; ignored when now is set */
    uint8_t now; /* 1: fire as soon as the focus lead allows */
} msg_fire_t;
_Static_assert(sizeof(msg_fire_t) == MSG_FIRE_SIZE, "fire layout");

/* host -> box: Release every line and disarm. */
#define MSG_RELEASE 0x05u
#define MSG_RELEASE_SIZE 0u

/* host -> box: Ask for the box's state. */
#define MSG_STATUS 0x06u
#define MSG_STATUS_SIZE 0u

/* host -> box: Ask for the box clock (for host-box clock sync). */
#define MSG_CLOCK 0x07u
#define MSG_CLOCK_SIZE 0u

/* host -> box: Service check: the box stops feeding its watchdog; it must restart within 250 ms with every line released (answered by ACK first). */
#define MSG_TEST_WATCHDOG 0x08u
#define MSG_TEST_WATCHDOG_SIZE 0u

/* box -> host */
#define MSG_IDENTITY 0x41u
#define MSG_IDENTITY_SIZE 12u
typedef struct __attribute__((packed)) {
    uint16_t protocol_version;
    uint32_t build_id; /* the firmware build's id; the host shows it */
    uint8_t channels;
    uint32_t clock_hz;
    uint8_t reset_cause; /* MCUSR at start: see ResetCause */
} msg_identity_t;
_Static_assert(sizeof(msg_identity_t) == MSG_IDENTITY_SIZE, "identity layout");

/* box -> host: The command with this SEQ was done. */
#define MSG_ACK 0x42u
#define MSG_ACK_SIZE 0u

/* box -> host: The frame with this SEQ was refused; the host may resend. */
#define MSG_NAK 0x43u
#define MSG_NAK_SIZE 1u
typedef struct __attribute__((packed)) {
    uint8_t reason; /* see NakReason */
} msg_nak_t;
_Static_assert(sizeof(msg_nak_t) == MSG_NAK_SIZE, "nak layout");

/* box -> host: The fire happened: one entry per delay group. Groups due within 2 us of each other go out in the same port writes and report the same clock. */
#define MSG_FIRED 0x44u
#define MSG_FIRED_SIZE 205u
typedef struct __attribute__((packed)) {
    uint32_t fire_clock; /* the fire time the delays count from */
    uint8_t group_count;
    uint32_t group_mask[25]; /* channels of each edge group; bit 31: the flash */
    uint32_t group_clock[25]; /* box clock right after the group's edges were written */
} msg_fired_t;
_Static_assert(sizeof(msg_fired_t) == MSG_FIRED_SIZE, "fired layout");

/* box -> host */
#define MSG_STATUS_REPORT 0x45u
#define MSG_STATUS_REPORT_SIZE 14u
typedef struct __attribute__((packed)) {
    uint8_t state; /* see BoxState */
    uint8_t fault; /* the last fault, see BoxFault */
    uint32_t channel_mask;
    uint32_t clock;
    uint32_t asserted_mask; /* channels whose focus is pressed now */
} msg_status_report_t;
_Static_assert(sizeof(msg_status_report_t) == MSG_STATUS_REPORT_SIZE, "status_report layout");

/* box -> host */
#define MSG_CLOCK_REPORT 0x46u
#define MSG_CLOCK_REPORT_SIZE 4u
typedef struct __attribute__((packed)) {
    uint32_t clock;
} msg_clock_report_t;
_Static_assert(sizeof(msg_clock_report_t) == MSG_CLOCK_REPORT_SIZE, "clock_report layout");

/* box -> host: The push-button asked for a shot (SEQ 0). */
#define MSG_BUTTON 0x47u
#define MSG_BUTTON_SIZE 4u
typedef struct __attribute__((packed)) {
    uint32_t clock;
} msg_button_t;
_Static_assert(sizeof(msg_button_t) == MSG_BUTTON_SIZE, "button layout");

#endif
