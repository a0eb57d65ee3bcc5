import { MiB } from './driver.js';

/** Sizes, counts and time caps for one run; `--quick` shrinks everything to finish in under 2 minutes. */
export interface Plan {
  quick: boolean;
  /** ossd is started with `--cpu-prof` into this directory when set. */
  cpuProfDir?: string;
  capMs: number;
  large: { size: number; keys: number; put: Record<1 | 4, number>; get: Record<1 | 4, number> };
  small: { size: number; put: Record<1 | 16 | 64, number>; get: Record<1 | 16 | 64, number> };
  callback: Record<1 | 16, number>;
  multipart: { size: number; partSize: number; reps: number; smallReps: number };
  listing: { keys: number; dirs: number; walkDirs: number; rootReps: number };
  memory: { bigPut?: number; concurrent: number; concurrentSize: number };
  aliOss: { largeN: number; smallN: Record<1 | 16, number>; callbackN: Record<1 | 16, number> };
  image: { n: Record<1 | 4, number>; cachedN: Record<1 | 4, number> };
}

export function makePlan(quick: boolean): Plan {
  if (quick) {
    return {
      quick,
      capMs: 3_000,
      large: { size: 16 * MiB, keys: 4, put: { 1: 6, 4: 12 }, get: { 1: 12, 4: 24 } },
      small: { size: 4096, put: { 1: 150, 16: 600, 64: 1200 }, get: { 1: 500, 16: 2000, 64: 2000 } },
      callback: { 1: 150, 16: 600 },
      multipart: { size: 256 * MiB, partSize: 8 * MiB, reps: 1, smallReps: 3 },
      listing: { keys: 100_000, dirs: 100, walkDirs: 50, rootReps: 5 },
      memory: { concurrent: 64, concurrentSize: 16 * MiB },
      aliOss: { largeN: 2, smallN: { 1: 100, 16: 300 }, callbackN: { 1: 50, 16: 200 } },
      image: { n: { 1: 8, 4: 16 }, cachedN: { 1: 200, 4: 400 } },
    };
  }
  return {
    quick,
    capMs: 20_000,
    large: { size: 64 * MiB, keys: 8, put: { 1: 12, 4: 24 }, get: { 1: 24, 4: 48 } },
    small: { size: 4096, put: { 1: 1000, 16: 4000, 64: 8000 }, get: { 1: 3000, 16: 10000, 64: 10000 } },
    callback: { 1: 800, 16: 3000 },
    multipart: { size: 1024 * MiB, partSize: 8 * MiB, reps: 2, smallReps: 5 },
    listing: { keys: 1_000_000, dirs: 100, walkDirs: 10, rootReps: 20 },
    memory: { bigPut: 2048 * MiB, concurrent: 64, concurrentSize: 64 * MiB },
    aliOss: { largeN: 4, smallN: { 1: 400, 16: 1500 }, callbackN: { 1: 200, 16: 800 } },
    image: { n: { 1: 30, 4: 60 }, cachedN: { 1: 1000, 4: 2000 } },
  };
}
