import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Rendered } from './encode.js';

/** An entry larger than this share of the budget is never cached (it would evict everything else). */
const MAX_ENTRY_SHARE = 8;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Processed images on disk, least recently used evicted first once the total passes `maxBytes`. Each
 * process has its own directory under `root` (`<pid>-<random>`); directories of dead processes on this
 * host are removed at start. The index lives in memory, so a restart starts empty.
 */
export class ImageCache {
  readonly dir: string;
  private readonly maxBytes: number;
  private readonly index = new Map<string, number>();
  private total = 0;

  constructor(root: string, maxBytes: number) {
    this.maxBytes = maxBytes;
    this.dir = path.join(root, `${process.pid}-${randomBytes(4).toString('hex')}`);
    if (maxBytes <= 0) return;
    mkdirSync(this.dir, { recursive: true });
    for (const name of readdirSync(root)) {
      const pid = Number(name.split('-')[0]);
      if (Number.isInteger(pid) && pid !== process.pid && !alive(pid)) {
        rmSync(path.join(root, name), { recursive: true, force: true });
      }
    }
  }

  static key(parts: string[]): string {
    return createHash('sha256').update(parts.join('\n')).digest('hex');
  }

  get bytes(): number {
    return this.total;
  }

  async get(key: string): Promise<Rendered | undefined> {
    const size = this.index.get(key);
    if (size === undefined) return undefined;
    this.index.delete(key);
    this.index.set(key, size);
    try {
      const file = await readFile(path.join(this.dir, key));
      const nl = file.indexOf(10);
      return { contentType: file.subarray(0, nl).toString('latin1'), body: file.subarray(nl + 1) };
    } catch {
      this.drop(key);
      return undefined;
    }
  }

  async put(key: string, value: Rendered): Promise<void> {
    const size = value.body.length + value.contentType.length + 1;
    if (this.maxBytes <= 0 || size > this.maxBytes / MAX_ENTRY_SHARE || this.index.has(key)) return;
    await writeFile(
      path.join(this.dir, key),
      Buffer.concat([Buffer.from(`${value.contentType}\n`, 'latin1'), value.body]),
    );
    this.index.set(key, size);
    this.total += size;
    for (const [old] of this.index) {
      if (this.total <= this.maxBytes) break;
      this.drop(old);
    }
  }

  private drop(key: string): void {
    const size = this.index.get(key);
    if (size === undefined) return;
    this.index.delete(key);
    this.total -= size;
    rm(path.join(this.dir, key), { force: true }).catch(() => {});
  }
}
