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
    const destroy = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    // An error resets both sides; an orderly close is passed on by pipe() as a half-close, so a response
    // written just before the server closed still reaches the client.
    client.on('error', destroy).on('close', () => sockets.delete(client));
    upstream.on('error', destroy).on('close', () => sockets.delete(upstream));
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
