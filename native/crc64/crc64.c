/*
 * CRC-64/ECMA-182 as OSS computes it (the XZ variant: reflected polynomial 0xC96C5795D7870F42):
 * carry-less multiplication folding (PCLMULQDQ, x86-64, about 8× faster) for runs of 64 bytes and more
 * when the CPU has it, slicing-by-8 otherwise and for the rest. The JavaScript side keeps the register (already inverted) in a Uint32Array [lo, hi];
 * update(state, bytes) advances it in place. The JS implementation in src/storage/crc64.ts is the
 * fallback and the reference the tests compare against.
 */
#include <node_api.h>
#include <stdint.h>
#include <string.h>

#include "crc64.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define OSSD_HAVE_CLMUL_BUILD 1
#endif

static uint64_t table[8][256];

static void init_tables(void) {
  const uint64_t poly = 0xC96C5795D7870F42ULL;
  for (int i = 0; i < 256; i++) {
    uint64_t crc = (uint64_t)i;
    for (int k = 0; k < 8; k++) crc = (crc & 1) ? (crc >> 1) ^ poly : crc >> 1;
    table[0][i] = crc;
  }
  for (int t = 1; t < 8; t++)
    for (int i = 0; i < 256; i++) table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xff];
}

static uint64_t advance_table(uint64_t crc, const uint8_t *p, size_t n) {
  while (n >= 8) {
    uint64_t v;
    memcpy(&v, p, 8); /* little-endian hosts (x86-64, arm64) */
    crc ^= v;
    crc = table[7][crc & 0xff] ^ table[6][(crc >> 8) & 0xff] ^ table[5][(crc >> 16) & 0xff] ^
          table[4][(crc >> 24) & 0xff] ^ table[3][(crc >> 32) & 0xff] ^ table[2][(crc >> 40) & 0xff] ^
          table[1][(crc >> 48) & 0xff] ^ table[0][crc >> 56];
    p += 8;
    n -= 8;
  }
  while (n--) crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return crc;
}

/* x^n mod P in the reflected representation (bit 63 = x^0), as the table algorithm multiplies by x. */
static uint64_t xpow_mod(int n) {
  const uint64_t poly = 0xC96C5795D7870F42ULL;
  uint64_t v = 1ULL << 63;
  while (n--) v = (v & 1) ? (v >> 1) ^ poly : v >> 1;
  return v;
}

#ifdef OSSD_HAVE_CLMUL_BUILD
static int have_clmul = 0;
/* Folding constants: a 16-byte block moves 128 (or, four lanes at once, 512) bits along the message by
 * multiplying its low half by x^(d+63) and its high half by x^(d-1) mod P (d = the distance in bits). */
static uint64_t k128_lo, k128_hi, k512_lo, k512_hi;

#define CLMUL_FOLD(x, k) _mm_xor_si128(_mm_clmulepi64_si128((x), (k), 0x00), _mm_clmulepi64_si128((x), (k), 0x11))

/* n >= 64. Keeps the message's CRC invariant: the register is XORed into the first 8 bytes, blocks are
 * folded forward until 16 bytes remain, and those (plus the tail) go through the table. */
__attribute__((target("pclmul,sse4.1"))) static uint64_t advance_clmul(uint64_t crc, const uint8_t *p, size_t n) {
  const __m128i k128 = _mm_set_epi64x((long long)k128_hi, (long long)k128_lo);
  const __m128i k512 = _mm_set_epi64x((long long)k512_hi, (long long)k512_lo);
  __m128i x0 = _mm_xor_si128(_mm_loadu_si128((const __m128i *)p), _mm_cvtsi64_si128((long long)crc));
  __m128i x1 = _mm_loadu_si128((const __m128i *)(p + 16));
  __m128i x2 = _mm_loadu_si128((const __m128i *)(p + 32));
  __m128i x3 = _mm_loadu_si128((const __m128i *)(p + 48));
  p += 64;
  n -= 64;
  while (n >= 64) {
    x0 = _mm_xor_si128(CLMUL_FOLD(x0, k512), _mm_loadu_si128((const __m128i *)p));
    x1 = _mm_xor_si128(CLMUL_FOLD(x1, k512), _mm_loadu_si128((const __m128i *)(p + 16)));
    x2 = _mm_xor_si128(CLMUL_FOLD(x2, k512), _mm_loadu_si128((const __m128i *)(p + 32)));
    x3 = _mm_xor_si128(CLMUL_FOLD(x3, k512), _mm_loadu_si128((const __m128i *)(p + 48)));
    p += 64;
    n -= 64;
  }
  x1 = _mm_xor_si128(CLMUL_FOLD(x0, k128), x1);
  x2 = _mm_xor_si128(CLMUL_FOLD(x1, k128), x2);
  x3 = _mm_xor_si128(CLMUL_FOLD(x2, k128), x3);
  while (n >= 16) {
    x3 = _mm_xor_si128(CLMUL_FOLD(x3, k128), _mm_loadu_si128((const __m128i *)p));
    p += 16;
    n -= 16;
  }
  uint8_t rest[16];
  _mm_storeu_si128((__m128i *)rest, x3);
  return advance_table(advance_table(0, rest, 16), p, n);
}
#endif

static void init_clmul(void) {
#ifdef OSSD_HAVE_CLMUL_BUILD
  k128_lo = xpow_mod(128 + 63);
  k128_hi = xpow_mod(128 - 1);
  k512_lo = xpow_mod(512 + 63);
  k512_hi = xpow_mod(512 - 1);
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("pclmul") || !__builtin_cpu_supports("sse4.1")) return;
  /* Self-check against the table on a few lengths before using it. */
  uint8_t probe[300];
  for (int i = 0; i < 300; i++) probe[i] = (uint8_t)(i * 131 + 7);
  for (size_t len = 64; len <= 300; len += 37)
    if (advance_clmul(0x0123456789abcdefULL, probe, len) != advance_table(0x0123456789abcdefULL, probe, len)) return;
  have_clmul = 1;
#endif
}

uint64_t crc64_advance(uint64_t crc, const uint8_t *p, size_t n) {
#ifdef OSSD_HAVE_CLMUL_BUILD
  if (have_clmul && n >= 64) return advance_clmul(crc, p, n);
#endif
  return advance_table(crc, p, n);
}

static napi_value update(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) {
    napi_throw_type_error(env, NULL, "update(state: Uint32Array(2), bytes: Uint8Array)");
    return NULL;
  }
  napi_typedarray_type st_type, b_type;
  size_t st_len, b_len, st_off, b_off;
  void *st_data, *b_data;
  napi_value st_buf, b_buf;
  if (napi_get_typedarray_info(env, argv[0], &st_type, &st_len, &st_data, &st_buf, &st_off) != napi_ok ||
      st_type != napi_uint32_array || st_len < 2 ||
      napi_get_typedarray_info(env, argv[1], &b_type, &b_len, &b_data, &b_buf, &b_off) != napi_ok ||
      b_type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "update(state: Uint32Array(2), bytes: Uint8Array)");
    return NULL;
  }
  uint32_t *state = (uint32_t *)st_data;
  uint64_t crc = ((uint64_t)state[1] << 32) | state[0];
  crc = crc64_advance(crc, (const uint8_t *)b_data, b_len);
  state[0] = (uint32_t)crc;
  state[1] = (uint32_t)(crc >> 32);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  init_tables();
  init_clmul();
  napi_value fn;
  napi_create_function(env, "update", NAPI_AUTO_LENGTH, update, NULL, &fn);
  napi_set_named_property(env, exports, "update", fn);
  register_hasher(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
