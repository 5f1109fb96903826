/* Frames out to the host, and the last reply kept so a repeated SEQ is answered without running again. */
#ifndef LINK_H
#define LINK_H

#include <stdbool.h>
#include <stdint.h>

/* Forget the last reply (at boot; and on identify, which starts a host session). */
void link_forget(void);
/* If seq is the SEQ of the last reply, send that reply again and return true. */
bool link_repeat(uint8_t seq);
/* Answer the host frame with this seq, and remember the answer for link_repeat(). */
void link_reply(uint8_t seq, uint8_t type, const void *payload, uint8_t len);
/* A frame that is not remembered: NAKs (nothing was done, so a resend with the same SEQ must be looked at
 * afresh) and the box's own events. */
void link_send(uint8_t seq, uint8_t type, const void *payload, uint8_t len);

#endif
