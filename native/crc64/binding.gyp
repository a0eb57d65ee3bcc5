{
  "targets": [
    {
      "target_name": "crc64",
      "sources": ["crc64.c"],
      "cflags": ["-O3"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
