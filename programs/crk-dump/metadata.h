/* metadata.h: the kernels of a code object from its AMDGPU metadata note
 * (NT_AMDGPU_METADATA: MessagePack, code object v3 and later), read by
 * metadata.c over msgpack.h. codeobj.c finds the notes; the fuzzer feeds
 * this reader directly. */
#ifndef CRK_DUMP_METADATA_H
#define CRK_DUMP_METADATA_H

#include "codeobj.h"

#include <stddef.h>

/* Fills co's md_target, md_version, kernels and records from the metadata
 * note's MessagePack bytes, reading at most max_records kernels and
 * arguments together. 0 or -1 with err. */
int crk_metadata_parse(crk_codeobj *co, const void *md, size_t len, size_t max_records,
                       char *err, size_t errlen);

#endif
