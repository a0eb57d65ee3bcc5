/**
 * A TCP relay in front of PostgreSQL that can lose the answer to a COMMIT: once armed, the next simple-query
 * `COMMIT` a client sends is passed to the server, and then the client's connection is cut before the
 * server's reply reaches it. The server commits; the client sees "Connection terminated" and cannot know
 * whether its transaction committed — the ambiguity a network failure or a server crash at that moment
 * creates. Reads the frontend protocol (startup message, then `type + int32 length` messages); only
 * `sslmode=disable` connections can be inspected.
 */
import net from 'node:net';

export interface CommitCutter {
  port: number;
  /** Cuts the connection carrying the next COMMIT after the server has had `settleMs` to commit it. */
  armNextCommit(settleMs?: number): void;
  /** How many COMMITs were cut so far. */
  cut(): number;
  close(): Promise<void>;
}

export async function startCommitCutter(serverPort: number): Promise<CommitCutter> {
  let armed: number | undefined;
  let cuts = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(serverPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let pending = Buffer.alloc(0);
    let started = false;
    let muted = false;
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    upstream.on('data', (c: Buffer) => {
      if (!muted) client.write(c);
    });
    client.on('data', (c: Buffer) => {
      upstream.write(c);
      pending = Buffer.concat([pending, c]);
      for (;;) {
        if (!started) {
          if (pending.length < 4) return;
          const len = pending.readInt32BE(0);
          if (pending.length < len) return;
          pending = pending.subarray(len);
          started = true;
          continue;
        }
        if (pending.length < 5) return;
        const len = pending.readInt32BE(1);
        if (pending.length < 1 + len) return;
        const type = String.fromCharCode(pending[0]);
        const text = pending.subarray(5, 1 + len).toString('utf8');
        pending = pending.subarray(1 + len);
        if (armed !== undefined && type === 'Q' && /^\s*COMMIT\b/i.test(text)) {
          const settleMs = armed;
          armed = undefined;
          cuts++;
          // The server gets the COMMIT; the client never hears back.
          muted = true;
          setTimeout(drop, settleMs);
        }
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    armNextCommit(settleMs = 300) {
      armed = settleMs;
    },
    cut: () => cuts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
