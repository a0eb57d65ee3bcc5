import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { defaultConfig } from '../../src/config/config.js';
import { startServer } from '../../src/main.js';
import { createLogger } from '../../src/observability/logger.js';

/** A server whose log lines (JSON) are collected, at `level`. */
async function serverLogging(level: string) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const data = mkdtempSync(path.join(os.tmpdir(), 'ossd-healthlog-'));
  const config = defaultConfig();
  config.address = '127.0.0.1:0';
  config.data = data;
  config.consoleAddress = 'off';
  const running = await startServer(config, { logger: createLogger(level, sink) });
  return {
    lines,
    port: running.port,
    async stop() {
      await running.close();
      rmSync(data, { recursive: true, force: true });
    },
  };
}

describe('request log level', () => {
  it('logs /-/health probes at debug, other requests at info', async () => {
    for (const level of ['info', 'debug']) {
      const s = await serverLogging(level);
      try {
        for (let i = 0; i < 3; i++) assert.equal((await fetch(`http://127.0.0.1:${s.port}/-/health`)).status, 200);
        assert.equal((await fetch(`http://127.0.0.1:${s.port}/-/metrics`)).status, 200);
        const health = s.lines.filter((l) => l.msg === 'request' && l.op === 'Health');
        const metrics = s.lines.filter((l) => l.msg === 'request' && l.op === 'Metrics');
        assert.equal(metrics.length, 1, `${level}: the metrics request is logged`);
        assert.equal(metrics[0].level, 30);
        if (level === 'info') assert.equal(health.length, 0, 'health probes are not logged at info');
        else {
          assert.equal(health.length, 3, 'health probes are logged at debug');
          for (const l of health) assert.equal(l.level, 20);
        }
      } finally {
        await s.stop();
      }
    }
  });
});
