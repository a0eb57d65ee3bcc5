/* MD5 (RFC 1321), streaming. Used by the async body hasher (hasher.c). */
#ifndef OSSD_MD5_H
#define OSSD_MD5_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint32_t h[4];
  uint64_t length; /* bytes hashed so far */
  uint8_t block[64];
  size_t used; /* bytes in block */
} md5_ctx;

void md5_init_tables(void);
void md5_init(md5_ctx *c);
void md5_update(md5_ctx *c, const uint8_t *p, size_t n);
void md5_final(md5_ctx *c, uint8_t out[16]);
#endif
