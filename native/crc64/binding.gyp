{
  "targets": [
    {
      "target_name": "crc64",
      "sources": ["crc64.c", "md5.c", "hasher.c"],
      "cflags": ["-O3"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
