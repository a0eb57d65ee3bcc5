/*
 * CRC-64/ECMA-182 as OSS computes it (the XZ variant: reflected polynomial 0xC96C5795D7870F42),
 * slicing-by-8. The JavaScript side keeps the register (already inverted) in a Uint32Array [lo, hi];
 * update(state, bytes) advances it in place. The JS implementation in src/storage/crc64.ts is the
 * fallback and the reference the tests compare against.
 */
#include <node_api.h>
#include <stdint.h>
#include <string.h>

#include "crc64.h"

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

uint64_t crc64_advance(uint64_t crc, const uint8_t *p, size_t n) {
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
  napi_value fn;
  napi_create_function(env, "update", NAPI_AUTO_LENGTH, update, NULL, &fn);
  napi_set_named_property(env, exports, "update", fn);
  register_hasher(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
