import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseAddress } from '../config/config.js';
import { createServer } from '../http/server.js';
import type { Services } from '../services.js';
import { json, METRICS_PATH, serveMetrics } from './metrics-endpoint.js';

export interface RunningMetricsListener {
  port: number;
  close(): Promise<void>;
}

/** The dedicated metrics listener of `--metrics-address HOST:PORT` (undefined when unset or `off`). */
export async function startMetricsListener(s: Services): Promise<RunningMetricsListener | undefined> {
  const address = s.config.metricsAddress;
  if (address === undefined || address === 'off') return undefined;
  const { host, port } = parseAddress(address);
  const server: Server = createServer(s, async (req, res) => {
    if ((req.url ?? '/').split('?', 1)[0] === METRICS_PATH) return serveMetrics(req, res, s, true);
    json(res, 404, { code: 'NotFound', message: `This listener serves only ${METRICS_PATH}.` });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
