/* MD5 (RFC 1321), streaming; the constants are derived at start-up as the RFC defines them. */
#include "md5.h"

#include <math.h>
#include <string.h>

static uint32_t K[64];
static const uint8_t S[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                              5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                              4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                              6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};

void md5_init_tables(void) {
  /* K[i] = floor(|sin(i + 1)| * 2^32) (RFC 1321 section 3.4). */
  for (int i = 0; i < 64; i++) K[i] = (uint32_t)floor(fabs(sin((double)(i + 1))) * 4294967296.0);
}

void md5_init(md5_ctx *c) {
  c->h[0] = 0x67452301u;
  c->h[1] = 0xefcdab89u;
  c->h[2] = 0x98badcfeu;
  c->h[3] = 0x10325476u;
  c->length = 0;
  c->used = 0;
}

#define ROTL(x, s) (((x) << (s)) | ((x) >> (32 - (s))))

static void md5_block(uint32_t h[4], const uint8_t *p) {
  uint32_t m[16];
  memcpy(m, p, 64); /* little-endian hosts (x86-64, arm64) */
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
#define STEP(i, f, g)                       \
  do {                                      \
    uint32_t t = a + (f) + K[i] + m[(g)];   \
    a = d;                                  \
    d = c;                                  \
    c = b;                                  \
    b = b + ROTL(t, S[i]);                  \
  } while (0)
  for (int i = 0; i < 16; i++) STEP(i, (b & c) | (~b & d), i);
  for (int i = 16; i < 32; i++) STEP(i, (d & b) | (~d & c), (5 * i + 1) & 15);
  for (int i = 32; i < 48; i++) STEP(i, b ^ c ^ d, (3 * i + 5) & 15);
  for (int i = 48; i < 64; i++) STEP(i, c ^ (b | ~d), (7 * i) & 15);
#undef STEP
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
}

void md5_update(md5_ctx *c, const uint8_t *p, size_t n) {
  c->length += n;
  if (c->used > 0) {
    size_t take = 64 - c->used < n ? 64 - c->used : n;
    memcpy(c->block + c->used, p, take);
    c->used += take;
    p += take;
    n -= take;
    if (c->used < 64) return;
    md5_block(c->h, c->block);
    c->used = 0;
  }
  while (n >= 64) {
    md5_block(c->h, p);
    p += 64;
    n -= 64;
  }
  memcpy(c->block, p, n);
  c->used = n;
}

void md5_final(md5_ctx *c, uint8_t out[16]) {
  uint64_t bits = c->length * 8;
  uint8_t pad[72] = {0x80};
  size_t padlen = c->used < 56 ? 56 - c->used : 120 - c->used;
  uint64_t saved = c->length;
  md5_update(c, pad, padlen);
  uint8_t len[8];
  for (int i = 0; i < 8; i++) len[i] = (uint8_t)(bits >> (8 * i));
  md5_update(c, len, 8);
  c->length = saved;
  for (int i = 0; i < 4; i++) {
    out[4 * i] = (uint8_t)c->h[i];
    out[4 * i + 1] = (uint8_t)(c->h[i] >> 8);
    out[4 * i + 2] = (uint8_t)(c->h[i] >> 16);
    out[4 * i + 3] = (uint8_t)(c->h[i] >> 24);
  }
}
