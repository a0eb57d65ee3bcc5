import { mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/** What is wrong with the data directory, in words that name the path; `ossd:` prints it and exits 2. */
export class DataDirError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DataDirError';
  }
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const why: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on device',
    EDQUOT: 'disk quota exceeded',
    ENOENT: 'the file system does not allow creating it',
  };
  return e.code ? `${why[e.code] ?? e.message} (${e.code})` : String(err);
}

/**
 * Creates the data directory (0700) and checks that ossd can create files in it. Every failure names
 * the path at fault: a file in the way, a directory that cannot be created, one that is not writable.
 * Walks the path itself instead of `mkdir -p`: Node's recursive mkdir never returns under /proc.
 */
export function prepareDataDir(dir: string): void {
  const abs = path.resolve(dir);
  const { root } = path.parse(abs);
  let current = root;
  for (const part of abs.slice(root.length).split(path.sep).filter(Boolean)) {
    current = path.join(current, part);
    let isDir: boolean | undefined;
    try {
      isDir = statSync(current).isDirectory();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new DataDirError(`data directory ${abs}: cannot access ${current}: ${describe(err)}`, { cause: err });
      }
    }
    if (isDir === false) {
      throw new DataDirError(
        current === abs
          ? `data directory ${abs} is a file, not a directory (--data / OSSD_DATA must name a directory)`
          : `data directory ${abs} cannot be created: ${current} is a file, not a directory`,
      );
    }
    if (isDir === undefined) {
      try {
        mkdirSync(current, { mode: 0o700 });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new DataDirError(`data directory ${abs} cannot be created: mkdir ${current}: ${describe(err)}`, {
            cause: err,
          });
        }
      }
    }
  }
  const probe = path.join(abs, `.ossd-write-probe-${process.pid}`);
  try {
    writeFileSync(probe, '');
    unlinkSync(probe);
  } catch (err) {
    throw new DataDirError(`data directory ${abs} is not writable: ${describe(err)}`, { cause: err });
  }
}

export const LOCK_FILE = 'ossd.lock';
export const PID_FILE = 'ossd.pid';

export interface DataDirLock {
  /** Releases the lock (also released by the OS when the process dies, however it dies). */
  release(): void;
}

/**
 * Makes this process the only `ossd serve` on `dir`, for its lifetime.
 *
 * The lock is an OS file lock, not a PID file: SQLite (already linked in) takes an exclusive lock on
 * DIR/ossd.lock (`locking_mode=EXCLUSIVE` + `BEGIN EXCLUSIVE`, POSIX advisory locks) and keeps it; the
 * kernel drops it when the process exits or is killed, so a crash never leaves a stale lock and a
 * recycled PID can never fake one. DIR/ossd.pid only tells a second start whom to blame: it is written
 * (atomically, by rename) after the lock is taken and removed on a clean exit.
 * Admin commands do not take the lock: they share meta.sqlite with a running server safely (WAL).
 */
export function lockDataDir(dir: string): DataDirLock {
  const abs = path.resolve(dir);
  prepareDataDir(abs);
  const db = new Database(path.join(abs, LOCK_FILE), { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw err;
    throw new DataDirError(
      `data directory ${abs} is in use by another ossd (${holder(abs)}); stop it or choose another --data`,
      { cause: err },
    );
  }
  const pidFile = path.join(abs, PID_FILE);
  const tmp = `${pidFile}.${process.pid}.tmp`;
  writeFileSync(tmp, `${process.pid}\n`);
  renameSync(tmp, pidFile);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    try {
      if (readFileSync(pidFile, 'utf8').trim() === String(process.pid)) unlinkSync(pidFile);
    } catch {
      // Already gone.
    }
    db.close();
  };
  process.once('exit', release);
  return { release };
}

function holder(dir: string): string {
  try {
    const pid = readFileSync(path.join(dir, PID_FILE), 'utf8').trim();
    if (/^\d+$/.test(pid)) return `PID ${pid}`;
  } catch {
    // The holder has not written its PID yet.
  }
  return 'PID unknown';
}
