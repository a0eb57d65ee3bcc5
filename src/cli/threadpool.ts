/**
 * Sized before anything touches libuv's thread pool (this module is imported first). Every durable
 * write is open + write + fsync + close of a blob and an fsync of its directory, all on the pool;
 * with the default 4 threads, 64 concurrent small PUTs queue behind each other's fsyncs.
 */
process.env.UV_THREADPOOL_SIZE ??= '16';
