/* md5.h: MD5 (RFC 1321), for the integrity hash of compressed bundles. */
#ifndef CRK_MD5_H
#define CRK_MD5_H

#include <stddef.h>
#include <stdint.h>

void crk_md5(const void *data, size_t len, unsigned char digest[16]);

#endif
