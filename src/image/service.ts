import path from 'node:path';
import sharp from 'sharp';
import type { Services } from '../services.js';
import { ImageCache } from './cache.js';
import type { Rendered } from './encode.js';
import { Semaphore } from './semaphore.js';
import { SourcePool } from './source-pool.js';

/** Per-server image processing state: the disk cache, the concurrency gate, requests in flight. */
export interface ImageService {
  cache: ImageCache;
  gate: Semaphore;
  /** Reused source buffers, one per gate slot. */
  sources: SourcePool;
  /** Identical requests running now share one computation. */
  inFlight: Map<string, Promise<Rendered>>;
}

/** Sources up to this size are read into a reused buffer (so at most concurrency × 8 MiB stay allocated). */
const SOURCE_BUFFER_BYTES = 8 * 1024 * 1024;

const services = new WeakMap<Services, ImageService>();

/** The server's image service, created on first use. */
export function imageService(s: Services): ImageService {
  let svc = services.get(s);
  if (!svc) {
    // libvips' own operation cache would hold decoded images beyond our bound; each request is cached on disk instead.
    sharp.cache(false);
    svc = {
      cache: new ImageCache(path.join(s.config.data, 'image-cache'), s.config.imageCacheBytes),
      gate: new Semaphore(Math.max(1, s.config.imageConcurrency)),
      sources: new SourcePool(SOURCE_BUFFER_BYTES, Math.max(1, s.config.imageConcurrency)),
      inFlight: new Map(),
    };
    services.set(s, svc);
  }
  return svc;
}
