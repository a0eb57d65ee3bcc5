/**
 * Reused buffers for source images. Reading a 4 MB source into a fresh buffer costs ~7 ms of CPU more
 * than reading it into one already mapped (page faults on 1,000 new pages, then unmapping them and the
 * external-memory GC that follows): as much as all the rest of the request besides libvips. At most
 * `maxBuffers` buffers (one per image-concurrency slot) of at most `maxBufferBytes` are kept; larger
 * sources get a buffer of their own.
 *
 * A leased buffer must not be referenced once released. That holds because the lease spans the whole
 * processing of one request (sharp pipelines finish before their promise settles) and libvips' operation
 * cache, which could keep a pointer into it, is off (`imageService`).
 */
export class SourcePool {
  private readonly free: Buffer[] = [];
  private kept = 0;

  constructor(
    private readonly maxBufferBytes: number,
    private readonly maxBuffers: number,
  ) {}

  /** Buffers allocated and kept by the pool so far. */
  get buffers(): number {
    return this.kept;
  }

  /** A buffer of exactly `size` bytes (contents undefined) and the function that gives it back. */
  lease(size: number): { bytes: Buffer; release: () => void } {
    if (size > this.maxBufferBytes) return { bytes: Buffer.allocUnsafeSlow(size), release: () => {} };
    const i = this.free.findIndex((b) => b.length >= size);
    if (i < 0 && this.kept >= this.maxBuffers && this.free.length > 0) {
      // All kept buffers are free but too small: replace the smallest by one that fits.
      this.free.sort((a, b) => a.length - b.length).shift();
      this.kept--;
    }
    let buf: Buffer;
    if (i >= 0) buf = this.free.splice(i, 1)[0];
    else if (this.kept < this.maxBuffers) {
      // Rounded up to 1 MiB so that sources of similar size share buffers.
      buf = Buffer.allocUnsafeSlow(Math.min(this.maxBufferBytes, Math.ceil(size / 2 ** 20) * 2 ** 20));
      this.kept++;
    } else return { bytes: Buffer.allocUnsafeSlow(size), release: () => {} };
    let released = false;
    return {
      bytes: buf.subarray(0, size),
      release: () => {
        if (released) return;
        released = true;
        this.free.push(buf);
      },
    };
  }
}
