/* simavr bench: runs the trigger firmware in real time on a pty and logs every output edge to a CSV file. */

/*
 * Usage: trigger_bench FIRMWARE.elf EDGES.csv
 *
 * stdout (nothing else goes there; simavr's own chatter is sent to stderr):
 *   pty: /dev/pts/N          once, when the firmware runs and the pty is open: UART0 of the AVR
 *   crashed: cycle C pc 0xP  if the firmware crashed (simavr state crashed or done); exit status 1
 *
 * EDGES.csv, one line per event, no header:
 *   cycle,port,pin,value     an output changed: port a letter (A B C F H K L), pin 0-7, value 1 = driven
 *                            high (asserted), 0 = released. "Output" means DDR bit set: a pin that stops
 *                            being an output (a reset) is logged as 0.
 *   reset,cycle              an external reset (SIGUSR1) at that cycle
 * cycle is avr->cycle (16 MHz cycles since start; simavr 1.6 keeps counting across resets).
 *
 * Signals: SIGUSR1 resets the AVR (as the RESET pin would: MCUSR gets EXTRF); SIGUSR2 holds the push-button
 * (PE4) down for 200 ms; SIGTERM / SIGINT stop the bench (exit 0).
 *
 * The simulation is locked to the wall clock, because the host's clock sync and the box's 2 s host-silence
 * limit are real-time: whenever simulated time is more than 0.5 ms ahead, the bench sleeps.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <parts/uart_pty.h>
#include <sim_avr.h>
#include <sim_elf.h>

#define FREQUENCY 16000000UL
#define CHECK_CYCLES 4096      /* wall clock, signals, flush: every 256 us of simulated time */
#define AHEAD_NS 500000LL      /* sleep when simulated time runs this far ahead of the wall clock */
#define BEHIND_NS 200000000LL  /* this far behind (the host was starved): give up catching up */
#define FLUSH_NS 5000000LL     /* edges reach the file within 5 ms */
#define BUTTON_CYCLES (FREQUENCY / 5)

/* ATmega2560 data-space addresses; DDRx is PORTx - 1. */
static const struct {
    char name;
    uint16_t port;
} ports[] = {
    {'A', 0x22}, {'B', 0x25}, {'C', 0x28}, {'F', 0x31}, {'H', 0x102}, {'K', 0x108}, {'L', 0x10B},
};
#define NPORTS (sizeof ports / sizeof ports[0])
#define PINE_ADDR 0x2C
#define BUTTON_BIT 4
#define MCUSR_ADDR 0x54
#define EXTRF_BIT 1

static volatile sig_atomic_t stop_req, reset_req, button_req;

static void on_signal(int sig)
{
    if (sig == SIGUSR1)
        reset_req = 1;
    else if (sig == SIGUSR2)
        button_req = 1;
    else
        stop_req = 1;
}

static int64_t wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t cycles_ns(avr_cycle_count_t c)
{
    return (int64_t)(c * 1000000000ULL / FREQUENCY);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s FIRMWARE.elf EDGES.csv\n", argv[0]);
        return 2;
    }

    /* simavr prints to stdout as it starts (and on some events); our stdout carries only our lines. */
    fflush(stdout);
    int out_fd = dup(STDOUT_FILENO);
    FILE *out = out_fd >= 0 ? fdopen(out_fd, "w") : NULL;
    if (!out || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
        perror("stdout");
        return 2;
    }

    FILE *csv = fopen(argv[2], "w");
    if (!csv) {
        fprintf(stderr, "%s: %s\n", argv[2], strerror(errno));
        return 2;
    }

    elf_firmware_t fw;
    memset(&fw, 0, sizeof fw);
    if (elf_read_firmware(argv[1], &fw) != 0) {
        fprintf(stderr, "%s: cannot read firmware\n", argv[1]);
        return 2;
    }
    avr_t *avr = avr_make_mcu_by_name("atmega2560");
    if (!avr) {
        fprintf(stderr, "simavr has no atmega2560\n");
        return 2;
    }
    avr_init(avr);
    fw.frequency = FREQUENCY;
    avr_load_firmware(avr, &fw);
    avr->frequency = FREQUENCY;
    avr->log = 0;

    /* static: the pty thread still runs while the process exits. */
    static uart_pty_t uart;
    uart_pty_init(avr, &uart);
    uart_pty_connect(&uart, '0');

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    /* A power-on reset, as on the board; the button is released (its pull-up reads high). */
    avr->data[MCUSR_ADDR] |= 1;
    avr->data[PINE_ADDR] |= 1 << BUTTON_BIT;

    fprintf(out, "pty: %s\n", uart.pty.slavename);
    fflush(out);

    uint8_t last[NPORTS] = {0};
    avr_cycle_count_t next_check = avr->cycle + CHECK_CYCLES;
    avr_cycle_count_t button_until = 0;
    int64_t wall0 = wall_ns();
    avr_cycle_count_t cycle0 = avr->cycle;
    int64_t last_flush = wall0;
    int dirty = 0;
    int status = 0;

    while (!stop_req) {
        int state = avr_run(avr);
        if (state == cpu_Crashed || state == cpu_Done) {
            fprintf(out, "crashed: cycle %" PRIu64 " pc 0x%x\n", (uint64_t)avr->cycle, (unsigned)avr->pc);
            fflush(out);
            fprintf(stderr, "trigger_bench: the firmware %s at cycle %" PRIu64 "\n",
                    state == cpu_Crashed ? "crashed" : "stopped", (uint64_t)avr->cycle);
            status = 1;
            break;
        }

        /* Every instruction: cheap (14 bytes read), and it catches every way a pin can change, resets
         * included, at the cycle the instruction ends. */
        const uint8_t *d = avr->data;
        for (unsigned k = 0; k < NPORTS; k++) {
            uint8_t v = d[ports[k].port] & d[ports[k].port - 1];
            uint8_t changed = v ^ last[k];
            if (!changed)
                continue;
            for (int pin = 0; pin < 8; pin++)
                if (changed & (1 << pin))
                    fprintf(csv, "%" PRIu64 ",%c,%d,%d\n", (uint64_t)avr->cycle, ports[k].name, pin, (v >> pin) & 1);
            last[k] = v;
            dirty = 1;
        }

        if (avr->cycle < next_check)
            continue;
        next_check = avr->cycle + CHECK_CYCLES;

        if (reset_req) {
            reset_req = 0;
            fprintf(csv, "reset,%" PRIu64 "\n", (uint64_t)avr->cycle);
            dirty = 1;
            avr_reset(avr);
            avr->data[MCUSR_ADDR] |= 1 << EXTRF_BIT;
        }
        if (button_req) {
            button_req = 0;
            button_until = avr->cycle + BUTTON_CYCLES;
        }
        /* Any reset clears the I/O space, the pin's input state with it: keep the pull-up's level. */
        if (avr->cycle < button_until)
            avr->data[PINE_ADDR] &= (uint8_t)~(1 << BUTTON_BIT);
        else
            avr->data[PINE_ADDR] |= 1 << BUTTON_BIT;

        if (avr->cycle < cycle0) { /* in case a reset restarted the cycle count */
            cycle0 = avr->cycle;
            wall0 = wall_ns();
        }
        int64_t now = wall_ns();
        int64_t ahead = cycles_ns(avr->cycle - cycle0) - (now - wall0);
        if (ahead > AHEAD_NS) {
            struct timespec ts = {ahead / 1000000000LL, ahead % 1000000000LL};
            nanosleep(&ts, NULL);
            now = wall_ns();
        } else if (ahead < -BEHIND_NS) {
            wall0 -= ahead; /* rebase: running flat out later would not undo the lag, only bunch events */
        }
        if (dirty && now - last_flush >= FLUSH_NS) {
            fflush(csv);
            dirty = 0;
            last_flush = now;
        }
    }

    /* No uart_pty_stop(): its thread does not leave select() while the host holds the pty open, and the
     * join would hang. _exit, not exit: no teardown racing that thread. */
    fclose(csv);
    fclose(out);
    _exit(status);
}
