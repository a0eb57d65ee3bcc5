import net from 'node:net';

export interface RoundRobin {
  port: number;
  /** Connections handed to each backend port so far. */
  counts: Map<number, number>;
  close(): Promise<void>;
}

/**
 * A TCP load balancer on loopback (like HAProxy in `mode tcp`, `balance roundrobin`): each new client
 * connection goes to the next backend port (`backends` is read at each connection, so ports may be added
 * later). Clients that open a connection per request (keep-alive off) spread their requests over every node.
 */
export async function startRoundRobin(backends: number[], port = 0): Promise<RoundRobin> {
  let next = 0;
  const counts = new Map<number, number>(backends.map((p) => [p, 0]));
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const port = backends[next++ % backends.length];
    counts.set(port, (counts.get(port) ?? 0) + 1);
    const upstream = net.connect(port, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    // A client error resets both sides. An upstream error (the server closed while the client was still
    // sending, say after an early 413/400) ends the client side gracefully instead, so the response the
    // server already wrote is delivered before the close; the rest of the client's body is discarded.
    client.on('error', () => {
      client.destroy();
      upstream.destroy();
    });
    upstream.on('error', () => {
      client.unpipe(upstream);
      client.resume();
      client.end();
    });
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
