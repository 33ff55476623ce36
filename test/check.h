/* check.h: the few macros every test program uses.
 *
 * A test program prints one line per check outcome:
 *   ok - NAME
 *   FAIL - NAME: why
 *   SKIP - NAME: why
 * and exits non-zero when any check failed. test/run-tests.sh adds the lines
 * of all programs up into the closing "N passed, N failed" summary.
 */
#ifndef CRK_TEST_CHECK_H
#define CRK_TEST_CHECK_H

#include <stdarg.h>
#include <stdio.h>

static int check_failures_;

static inline void check_report_(int ok, const char *name, const char *fmt, ...) {
  if (ok) {
    printf("ok - %s\n", name);
  } else {
    va_list ap;
    va_start(ap, fmt);
    printf("FAIL - %s: ", name);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    check_failures_++;
  }
  fflush(stdout);
}

/* CHECK(cond, name, fmt, ...): one named check; the message says why it failed. */
#define CHECK(cond, name, ...) check_report_((cond) ? 1 : 0, (name), __VA_ARGS__)
#define SKIP(name, ...) (printf("SKIP - %s: ", (name)), printf(__VA_ARGS__), printf("\n"), fflush(stdout))
#define CHECK_EXIT() return check_failures_ ? 1 : 0

#endif
