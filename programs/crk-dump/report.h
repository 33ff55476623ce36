/* report.h: print what a blob holds, for people (an aligned table), for
 * machines (JSON with stable keys) or for scripts (kernel names). Only the
 * code objects whose sel[i] is nonzero are printed. */
#ifndef CRK_DUMP_REPORT_H
#define CRK_DUMP_REPORT_H

#include "blob.h"
#include "checks.h"

#include <stdio.h>

void crk_report_table(FILE *f, const char *file, const crk_blob *b, const unsigned char *sel);
/* One JSON object of the --json array (first: no comma before it), with
 * "loader_refuses" (why the loader would refuse the blob, or null). With
 * archs (--arch; NULL without), an "arch_check" member: each target ID's verdict
 * (exact, generic, ISA-compatible, none, refused) and the code objects it
 * loads, from verdicts[i]. */
void crk_report_json(FILE *f, const char *file, const crk_blob *b, const unsigned char *sel,
                     const crk_arch_list *archs, const crk_arch_verdict *verdicts, int first);
/* The object of a FILE that could not be read: {"file", "error"}. */
void crk_report_json_error(FILE *f, const char *file, const char *err, int first);
void crk_report_symbols(FILE *f, const crk_blob *b, const unsigned char *sel);

/* Writes s with bytes that are not printable ASCII as \xNN (names come
 * from the input and must not drive the terminal); returns the width. */
size_t crk_print_escaped(FILE *f, const char *s);

#endif
