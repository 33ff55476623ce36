/* escape.h: text from outside (a blob's entry ids, a runtime's arch name, a
 * caller's argument) made safe to put in a message: bytes that are not
 * printable ASCII become \xNN, so that no input can drive a terminal or
 * split a log line. crk-dump's printer (report.h) follows the same rule. */
#ifndef CRK_ESCAPE_H
#define CRK_ESCAPE_H

#include "hidden.h"

#include <stddef.h>

/* Writes s[0..len) escaped to buf (n bytes, NUL-terminated; cut at a whole
 * character when it does not fit). Returns buf. */
const char *crk_escape(char *buf, size_t n, const char *s, size_t len) CRK_HIDDEN;

/* Nonzero when s[0..len) holds a byte crk_escape would change. */
int crk_needs_escape(const char *s, size_t len) CRK_HIDDEN;

#endif
