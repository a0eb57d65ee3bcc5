/* Shared between crc64.c and hasher.c. */
#ifndef OSSD_CRC64_H
#define OSSD_CRC64_H
#include <node_api.h>
#include <stddef.h>
#include <stdint.h>

/* Advances the (inverted) CRC-64 register over n bytes. */
uint64_t crc64_advance(uint64_t crc, const uint8_t *p, size_t n);
void register_hasher(napi_env env, napi_value exports);
#endif
