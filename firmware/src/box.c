/* Command handling and box state: configure, arm, fire, release, reports, and the safety limits. */
#include "box.h"

#include <stdbool.h>
#include <string.h>

#include <avr/wdt.h>

#include "clock.h"
#include "fire.h"
#include "lines.h"
#include "link.h"
#include "plan.h"
#include "uart.h"
#include "watchdog.h"

#ifndef BUILD_ID
#define BUILD_ID 0UL
#endif

#define FIRE_NOW_MARGIN_TICKS 400UL /* 200 us: room to answer-check and enter the timed loop */
#define FIRE_MIN_AHEAD_TICKS 100UL  /* an at_clock closer than 50 us could not be met on time: TOO_LATE */
#define FIRE_MAX_AHEAD_TICKS (10UL * BOX_CLOCK_HZ)
#define HOST_SILENT_TICKS (2UL * BOX_CLOCK_HZ)
/* A fire waits for its first edge with interrupts on, hearing the host and feeding the watchdog, until this
 * long (5 ms) before it; only then does fire_run() take over with interrupts off. */
#define FIRE_CLI_LEAD_TICKS 10000L
/* ... and stops taking frames this long (20 ms) before that, as a turn of serve_host() can take ~8 ms. */
#define FIRE_QUIET_TICKS 40000L

static uint8_t state;
static uint8_t fault;
static uint8_t boot_cause;
static bool configured;
static struct plan plan;
static uint32_t armed_at;
static uint32_t last_heard;
static bool fire_waiting; /* do_fire is waiting, interrupts on, for its first edge */
static uint8_t fire_seq;  /* ... for the fire with this SEQ */

void box_init(uint8_t reset_cause, uint32_t now)
{
    boot_cause = reset_cause;
    state = STATE_IDLE;
    fault = FAULT_NONE;
    if (reset_cause & RESET_WATCHDOG) {
        /* The lines were released by the reset itself (every pin an input until lines_init). */
        state = STATE_FAULT;
        fault = FAULT_WATCHDOG_RESET;
    }
    configured = false;
    last_heard = now;
    link_forget();
}

static void trip(uint8_t why)
{
    lines_release_all();
    lines_led(false);
    state = STATE_FAULT;
    fault = why;
}

static void ack(uint8_t seq)
{
    link_reply(seq, MSG_ACK, 0, 0);
}

/* Not remembered: a refused command did nothing, so running it again when the host resends it (which a
 * NAK invites) is harmless, and lets it succeed once the cause is gone (FOCUS_NOT_READY, say). */
static void nak(uint8_t seq, uint8_t reason)
{
    link_send(seq, MSG_NAK, &reason, 1);
}

/* A NAK for a frame the parser refused (noise, mostly) is dropped when the transmitter is still busy: a
 * stream of garbage must not queue NAKs faster than the line sends them (uart_write would block the main
 * loop). The host times out and resends; the answers to good frames are never dropped. */
static void nak_noise(uint8_t seq, uint8_t reason)
{
    if (!uart_tx_busy())
        nak(seq, reason);
}

static void do_identify(uint8_t seq)
{
    msg_identity_t m = {
        .protocol_version = PROTOCOL_VERSION,
        .build_id = BUILD_ID,
        .channels = CHANNELS,
        .clock_hz = BOX_CLOCK_HZ,
        .reset_cause = boot_cause,
    };
    link_reply(seq, MSG_IDENTITY, &m, sizeof m);
}

static void do_configure(uint8_t seq, const uint8_t *payload)
{
    msg_configure_t cfg;
    memcpy(&cfg, payload, sizeof cfg); /* both ends little-endian, the struct packed */
    if (state == STATE_ARMED || !plan_configure(&plan, &cfg)) {
        nak(seq, NAK_BAD_CONFIG);
        return;
    }
    fire_prepare(&plan);
    configured = true;
    ack(seq);
}

static void do_arm(uint8_t seq)
{
    if (!configured) {
        nak(seq, NAK_NOT_CONFIGURED);
        return;
    }
    /* Arming again keeps the first armed_at: re-arming must not stretch the focus time limit. */
    if (state != STATE_ARMED) {
        lines_focus(plan.channel_mask);
        armed_at = clock_read(); /* after the edge: the focus lead is a least time */
        lines_led(true);
        state = STATE_ARMED;
    }
    ack(seq);
}

static void do_fire(uint8_t seq, const uint8_t *payload)
{
    msg_fire_t m;
    memcpy(&m, payload, sizeof m);
    if (fire_waiting) {
        /* A resend of the waiting fire is answered when it is done; another fire finds the box busy. */
        if (seq != fire_seq)
            nak(seq, NAK_NOT_ARMED);
        return;
    }
    if (state != STATE_ARMED) {
        nak(seq, NAK_NOT_ARMED);
        return;
    }
    uint32_t now = clock_read();
    uint32_t ready = armed_at + plan.lead_ticks;
    uint32_t t0;
    if (m.now) {
        t0 = now + FIRE_NOW_MARGIN_TICKS;
        if ((int32_t)(ready - t0) > 0)
            t0 = ready;
    } else {
        t0 = m.at_clock;
        /* A time already past is TOO_LATE even when it is also before the focus lead: waiting cannot help. */
        if ((int32_t)(t0 - now) < (int32_t)FIRE_MIN_AHEAD_TICKS) {
            nak(seq, NAK_TOO_LATE);
            return;
        }
        if ((int32_t)(t0 - now) > (int32_t)FIRE_MAX_AHEAD_TICKS) {
            nak(seq, NAK_BAD_PAYLOAD);
            return;
        }
        if ((int32_t)(t0 - ready) < 0) {
            nak(seq, NAK_FOCUS_NOT_READY);
            return;
        }
    }
    /* The fire blocks the main loop, so its safety check cannot stop focus overrunning max_assert: refuse a
     * fire whose last release (when focus lets go) would come after armed_at + max_assert. */
    if (t0 + plan.end - armed_at > plan.max_assert_ticks) {
        nak(seq, NAK_PAST_MAX_ASSERT);
        return;
    }

    /* The wait before the first edge, up to max_assert (5 s), runs with interrupts on: the watchdog is fed,
     * the host's frames are answered (status, clock), a RELEASE aborts the fire (do_release), and so do the
     * safety checks (box_poll: host silence, the focus time limit). Only the last FIRE_CLI_LEAD_TICKS before
     * the first edge, and the edges themselves, run with interrupts off, in fire_run(). An aborted fire is
     * answered NAK NOT_ARMED: nothing was fired, and the box is no longer armed. */
    uint32_t first = t0 + (plan.n_events ? plan.ev[0].at : 0);
    fire_waiting = true;
    fire_seq = seq;
    for (;;) {
        wdt_reset();
        int32_t left = (int32_t)(first - clock_read());
        if (left <= FIRE_CLI_LEAD_TICKS)
            break;
        if (left > FIRE_CLI_LEAD_TICKS + FIRE_QUIET_TICKS)
            serve_host();
        box_poll(clock_read());
        if (state != STATE_ARMED)
            break;
    }
    fire_waiting = false;
    if (state != STATE_ARMED) {
        nak(seq, NAK_NOT_ARMED);
        return;
    }

    uint32_t event_clock[PLAN_MAX_EVENTS];
    fire_run(&plan, t0, event_clock);
    lines_led(false);
    state = STATE_IDLE;

    msg_fired_t r;
    memset(&r, 0, sizeof r);
    r.fire_clock = t0;
    r.group_count = plan.n_groups;
    for (uint8_t g = 0; g < plan.n_groups; g++) {
        r.group_mask[g] = plan.group_mask[g];
        r.group_clock[g] = event_clock[plan.group_event[g]];
    }
    link_reply(seq, MSG_FIRED, &r, sizeof r);
}

/* Also aborts a fire that is waiting for its first edge (do_fire answers it NAK NOT_ARMED afterwards). */
static void do_release(uint8_t seq)
{
    lines_release_all();
    lines_led(false);
    state = STATE_IDLE;
    ack(seq);
}

static void do_status(uint8_t seq)
{
    msg_status_report_t m = {
        .state = state,
        .fault = fault,
        .channel_mask = configured ? plan.channel_mask : 0,
        .clock = clock_read(),
        .asserted_mask = lines_focus_mask(),
    };
    link_reply(seq, MSG_STATUS_REPORT, &m, sizeof m);
}

static void do_clock(uint8_t seq)
{
    msg_clock_report_t m = {.clock = clock_read()};
    link_reply(seq, MSG_CLOCK_REPORT, &m, sizeof m);
}

static void do_test_watchdog(uint8_t seq)
{
    watchdog_mark_test();
    ack(seq);
    /* Interrupts stay on so the ACK still goes out; nothing feeds the watchdog any more. */
    for (;;)
        ;
}

static bool is_host_message(uint8_t type)
{
    return type >= MSG_IDENTIFY && type <= MSG_TEST_WATCHDOG;
}

void box_frame(int status, const struct frame *f, uint32_t now)
{
    /* The SEQ of a frame with a bad CRC is unverified, but it lets the host match the NAK to its frame. */
    uint8_t seq = f->seq >= 0 ? (uint8_t)f->seq : 0;
    switch (status) {
    case FRAME_BAD_CRC:
        nak_noise(seq, NAK_BAD_CRC);
        return;
    case FRAME_BAD_LENGTH:
        nak_noise(seq, NAK_BAD_LENGTH);
        return;
    case FRAME_BAD_PAYLOAD:
        last_heard = now; /* a good CRC: the host is there, even if it speaks nonsense */
        nak_noise(seq, NAK_BAD_PAYLOAD);
        return;
    case FRAME_UNKNOWN_TYPE:
        last_heard = now;
        nak_noise(seq, NAK_UNKNOWN_TYPE);
        return;
    case FRAME_OK:
        break;
    default:
        return;
    }

    last_heard = now;
    if (!is_host_message(f->type)) {
        nak_noise(seq, NAK_UNKNOWN_TYPE);
        return;
    }
    /* identify opens a host session: a restarted host may reuse the SEQ of the previous session's last
     * command, which must not be answered with that command's old reply. */
    if (f->type == MSG_IDENTIFY)
        link_forget();
    else if (link_repeat(seq))
        return;

    switch (f->type) {
    case MSG_IDENTIFY: do_identify(seq); break;
    case MSG_CONFIGURE: do_configure(seq, f->payload); break;
    case MSG_ARM: do_arm(seq); break;
    case MSG_FIRE: do_fire(seq, f->payload); break;
    case MSG_RELEASE: do_release(seq); break;
    case MSG_STATUS: do_status(seq); break;
    case MSG_CLOCK: do_clock(seq); break;
    case MSG_TEST_WATCHDOG: do_test_watchdog(seq); break;
    }
}

void box_poll(uint32_t now)
{
    if (state != STATE_ARMED)
        return;
    if (now - armed_at >= plan.max_assert_ticks)
        trip(FAULT_ASSERT_TIMEOUT);
    else if (now - last_heard >= HOST_SILENT_TICKS)
        trip(FAULT_HOST_SILENT);
}
