import { open } from 'node:fs/promises';

type Datasync = () => Promise<void>;

/** The prototype of Node's FileHandle (taken from a real handle: the class is not exported). */
async function fileHandleProto(): Promise<{ datasync: Datasync }> {
  const fh = await open(import.meta.filename, 'r');
  const proto = Object.getPrototypeOf(fh) as { datasync: Datasync };
  await fh.close();
  return proto;
}

const proto = await fileHandleProto();

/**
 * Counts FileHandle.datasync calls (Node's, on every file) until restore(); with `delayMs`, each one also
 * takes that long, as on a disk with slow fsyncs.
 */
export function countDatasyncs(delayMs = 0): {
  count: number;
  completed: number;
  /** When set, each datasync fails with it (as EIO from a failing disk). */
  fail?: Error;
  restore(): void;
} {
  const original = proto.datasync;
  const spy: ReturnType<typeof countDatasyncs> = {
    count: 0,
    completed: 0,
    restore: () => {
      proto.datasync = original;
    },
  };
  proto.datasync = async function (this: unknown) {
    spy.count++;
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    if (spy.fail) throw spy.fail;
    await original.call(this);
    spy.completed++;
  };
  return spy;
}
