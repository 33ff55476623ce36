/* reader.h: the state of one crk_blob_read, shared by its two halves:
 * blob.c (code objects, bundles, compressed bundles) and scan.c (host ELF
 * files and archives searched for the bundles they embed). Not for use
 * outside crk-dump's reader. */
#ifndef CRK_DUMP_READER_H
#define CRK_DUMP_READER_H

#include "blob.h"

typedef struct {
  crk_blob *b;
  crk_blob_opts o;
  uint64_t inflated;  /* bytes decompressed so far, against o.max_uncompressed */
  size_t records;     /* kernel and argument records kept, against o.max_records */
  char *err;
  size_t errlen;
} crk_reader;

/* Sets the reason (err) and returns -1. */
int crk_reader_fail(crk_reader *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prefixes the reason already in err with a place. */
void crk_reader_place(crk_reader *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reads the bundle, compressed or not, at data[0..len) found at `where`
 * (a place for messages, "" at the top); *extent gets the bytes it spans. */
int crk_reader_bundle(crk_reader *c, const unsigned char *data, size_t len, const char *where,
                      uint64_t *extent);

/* What scanning a host file found. */
typedef struct {
  uint64_t work;       /* bundle entry headers looked at for candidates */
  uint64_t budget;     /* how many we allow: a few times the file's size */
  size_t found;        /* bundles holding code objects */
  size_t rejected;     /* places that start like a bundle but are none */
  char first_reject[512];
} crk_scan_state;

/* Reads every bundle a host ELF file (is_elf) or an ar archive embeds. */
int crk_scan_host(crk_reader *c, const unsigned char *data, size_t len, int is_elf, crk_scan_state *s);

#endif
