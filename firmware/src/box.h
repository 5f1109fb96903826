/* The box's state and its answers to host frames; the safety checks that run from the main loop. */
#ifndef BOX_H
#define BOX_H

#include <stdint.h>

#include "frame.h"

void box_init(uint8_t reset_cause, uint32_t now);
/* One parser result (enum frame_status, not FRAME_NONE), answered with the frame's SEQ. */
void box_frame(int status, const struct frame *f, uint32_t now);
/* Safety: the focus time limit and host silence while armed. */
void box_poll(uint32_t now);

/* One bounded turn of the host link (main.c): takes a few received bytes and answers the frames they
 * complete, through box_frame(). The fire's long wait calls it, so the host is heard while a fire waits. */
void serve_host(void);

#endif
