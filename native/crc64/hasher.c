/*
 * Body hashing off the event loop: MD5 and CRC-64 of an upload's bytes, computed on libuv's thread
 * pool. create() → an opaque hasher; update(hasher, buffers, callback) hashes the buffers (in order)
 * on the pool and calls back; digest(hasher) → Buffer(24): MD5 (16 bytes) then the CRC-64 (8 bytes,
 * little-endian); updateSync(hasher, buffers) hashes on the calling thread. The caller runs one update
 * at a time per hasher and keeps the buffers unmodified until the callback.
 */
#include <node_api.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "crc64.h"
#include "md5.h"

typedef struct {
  md5_ctx md5;
  uint64_t crc; /* register, inverted */
} hasher;

typedef struct {
  hasher *h;
  size_t count;
  const uint8_t **data;
  size_t *len;
  napi_ref buffers;  /* keeps the buffers alive */
  napi_ref self;     /* keeps the hasher alive */
  napi_ref callback;
  napi_async_work work;
} job;

/* Reads `count` Uint8Arrays of `array` into data/len; false (nothing thrown) when one is not. */
static bool get_buffers(napi_env env, napi_value array, uint32_t count, const uint8_t **data, size_t *len) {
  for (uint32_t i = 0; i < count; i++) {
    napi_value el, ab;
    napi_typedarray_type type;
    size_t n, off;
    void *ptr;
    if (napi_get_element(env, array, i, &el) != napi_ok ||
        napi_get_typedarray_info(env, el, &type, &n, &ptr, &ab, &off) != napi_ok || type != napi_uint8_array)
      return false;
    data[i] = ptr;
    len[i] = n;
  }
  return true;
}

static void hash_into(hasher *h, const uint8_t **data, const size_t *len, size_t count) {
  for (size_t i = 0; i < count; i++) {
    md5_update(&h->md5, data[i], len[i]);
    h->crc = crc64_advance(h->crc, data[i], len[i]);
  }
}

static void finalize_hasher(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

static napi_value create(napi_env env, napi_callback_info info) {
  (void)info;
  hasher *h = malloc(sizeof(hasher));
  if (!h) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  md5_init(&h->md5);
  h->crc = ~(uint64_t)0;
  napi_value ext;
  napi_create_external(env, h, finalize_hasher, NULL, &ext);
  return ext;
}

static void execute(napi_env env, void *data) {
  (void)env;
  job *j = data;
  hash_into(j->h, j->data, j->len, j->count);
}

static void complete(napi_env env, napi_status status, void *data) {
  job *j = data;
  napi_value cb, undef, err = NULL;
  napi_get_reference_value(env, j->callback, &cb);
  napi_get_undefined(env, &undef);
  if (status != napi_ok) {
    napi_value msg;
    napi_create_string_utf8(env, "hashing failed", NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, NULL, msg, &err);
  } else {
    napi_get_null(env, &err);
  }
  napi_delete_reference(env, j->buffers);
  napi_delete_reference(env, j->self);
  napi_delete_reference(env, j->callback);
  napi_delete_async_work(env, j->work);
  free(j->data);
  free(j->len);
  free(j);
  napi_call_function(env, undef, cb, 1, &err, NULL);
}

static napi_value update(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  bool is_array = false;
  void *hp = NULL;
  uint32_t count = 0;
  napi_valuetype cbtype;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3 ||
      napi_get_value_external(env, argv[0], &hp) != napi_ok || napi_is_array(env, argv[1], &is_array) != napi_ok ||
      !is_array || napi_get_array_length(env, argv[1], &count) != napi_ok ||
      napi_typeof(env, argv[2], &cbtype) != napi_ok || cbtype != napi_function) {
    napi_throw_type_error(env, NULL, "update(hasher, buffers: Uint8Array[], callback)");
    return NULL;
  }
  job *j = calloc(1, sizeof(job));
  if (!j) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  j->h = hp;
  j->count = count;
  j->data = calloc(count ? count : 1, sizeof(uint8_t *));
  j->len = calloc(count ? count : 1, sizeof(size_t));
  if (!j->data || !j->len) {
    free(j->data);
    free(j->len);
    free(j);
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  if (!get_buffers(env, argv[1], count, j->data, j->len)) {
    free(j->data);
    free(j->len);
    free(j);
    napi_throw_type_error(env, NULL, "update(hasher, buffers: Uint8Array[], callback)");
    return NULL;
  }
  napi_value name;
  napi_create_string_utf8(env, "ossd:hash", NAPI_AUTO_LENGTH, &name);
  napi_create_reference(env, argv[1], 1, &j->buffers);
  napi_create_reference(env, argv[0], 1, &j->self);
  napi_create_reference(env, argv[2], 1, &j->callback);
  napi_create_async_work(env, NULL, name, execute, complete, j, &j->work);
  napi_queue_async_work(env, j->work);
  return NULL;
}

/* updateSync(hasher, buffers): the same on the calling thread (start-up self-check, tiny batches). */
static napi_value update_sync(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  bool is_array = false;
  void *hp = NULL;
  uint32_t count = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 ||
      napi_get_value_external(env, argv[0], &hp) != napi_ok || napi_is_array(env, argv[1], &is_array) != napi_ok ||
      !is_array || napi_get_array_length(env, argv[1], &count) != napi_ok) {
    napi_throw_type_error(env, NULL, "updateSync(hasher, buffers: Uint8Array[])");
    return NULL;
  }
  const uint8_t **data = calloc(count ? count : 1, sizeof(uint8_t *));
  size_t *len = calloc(count ? count : 1, sizeof(size_t));
  bool ok = data && len && get_buffers(env, argv[1], count, data, len);
  if (ok) hash_into(hp, data, len, count);
  free((void *)data);
  free(len);
  if (!ok) napi_throw_type_error(env, NULL, "updateSync(hasher, buffers: Uint8Array[])");
  return NULL;
}

static napi_value digest(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *hp = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_external(env, argv[0], &hp) != napi_ok) {
    napi_throw_type_error(env, NULL, "digest(hasher)");
    return NULL;
  }
  hasher *h = hp;
  md5_ctx copy = h->md5; /* digest() does not end the stream */
  uint8_t *out;
  napi_value buf;
  napi_create_buffer(env, 24, (void **)&out, &buf);
  md5_final(&copy, out);
  uint64_t crc = ~h->crc;
  for (int i = 0; i < 8; i++) out[16 + i] = (uint8_t)(crc >> (8 * i));
  return buf;
}

void register_hasher(napi_env env, napi_value exports) {
  md5_init_tables();
  napi_value fn;
  napi_create_function(env, "hasherCreate", NAPI_AUTO_LENGTH, create, NULL, &fn);
  napi_set_named_property(env, exports, "hasherCreate", fn);
  napi_create_function(env, "hasherUpdate", NAPI_AUTO_LENGTH, update, NULL, &fn);
  napi_set_named_property(env, exports, "hasherUpdate", fn);
  napi_create_function(env, "hasherUpdateSync", NAPI_AUTO_LENGTH, update_sync, NULL, &fn);
  napi_set_named_property(env, exports, "hasherUpdateSync", fn);
  napi_create_function(env, "hasherDigest", NAPI_AUTO_LENGTH, digest, NULL, &fn);
  napi_set_named_property(env, exports, "hasherDigest", fn);
}
