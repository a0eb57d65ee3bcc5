import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import OSS from 'ali-oss';
import { freePort, REPO } from '../helpers/spawn-ossd.js';

const ID = 'shutdownKeyId0001';
const SECRET = 'shutdownSecret00000000000001';
const children = new Set<ChildProcess>();
const dirs: string[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** `ossd serve` from the sources, resolved once it printed its banner (bounded). */
async function serve(port: number, data: string): Promise<{ child: ChildProcess; exited: Promise<number | null> }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OSSD_')) env[k] = v;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--address', `127.0.0.1:${port}`, '--data', data],
    {
      cwd: REPO,
      env: { ...env, OSSD_ROOT_ACCESS_KEY_ID: ID, OSSD_ROOT_ACCESS_KEY_SECRET: SECRET, OSSD_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.add(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then(() => children.delete(child));
  let out = '';
  child.stderr?.on('data', (c: Buffer) => {
    out += c;
  });
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`ossd did not start: ${out}`)), 30_000);
    child.stdout?.on('data', (c: Buffer) => {
      out += c;
      if (out.includes('Paste into your code')) {
        clearTimeout(t);
        resolve();
      }
    });
    void exited.then((code) => reject(new Error(`ossd exited with ${code}: ${out}`)));
  });
  return { child, exited };
}

const CHUNK = 64 * 1024;
const CHUNKS = 24;

describe('ossd serve: SIGTERM during uploads', () => {
  it('finishes in-flight uploads, answers them with Connection: close, then exits 0', async () => {
    const data = mkdtempSync(path.join(os.tmpdir(), 'ossd-shutdown-'));
    dirs.push(data);
    const port = await freePort();
    const first = await serve(port, data);
    const endpoint = `http://localhost:${port}`;
    const options = { endpoint, sldEnable: true, accessKeyId: ID, accessKeySecret: SECRET, bucket: 'examplebucket' };
    const client = new OSS(options as OSS.Options);

    // Two slow uploads (~1.2 s each); SIGTERM arrives after a few chunks of each have been sent.
    const body = Buffer.concat(Array.from({ length: CHUNKS }, (_, i) => Buffer.alloc(CHUNK, i)));
    const md5 = createHash('md5').update(body).digest('hex').toUpperCase();
    let sentRaw = 0;
    const agent = new http.Agent({ keepAlive: true });
    const url = client.signatureUrl('raw.bin', { method: 'PUT', 'Content-Type': 'application/octet-stream' });
    const raw = new Promise<{ status?: number; connection?: string; etag?: string; text: string }>(
      (resolve, reject) => {
        const req = http.request(url, {
          method: 'PUT',
          agent,
          headers: { 'content-type': 'application/octet-stream', 'content-length': body.length },
        });
        req.on('error', reject);
        req.on('response', (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            text += c;
          });
          res.on('error', reject);
          res.on('end', () =>
            resolve({
              status: res.statusCode,
              connection: res.headers.connection,
              etag: res.headers.etag,
              text,
            }),
          );
        });
        const tick = setInterval(() => {
          if (sentRaw === CHUNKS) {
            clearInterval(tick);
            req.end();
            return;
          }
          req.write(body.subarray(sentRaw * CHUNK, (sentRaw + 1) * CHUNK));
          sentRaw++;
        }, 50);
      },
    );
    let sentStream = 0;
    const stream = new Readable({
      read() {
        if (sentStream === CHUNKS) return void this.push(null);
        const chunk = body.subarray(sentStream * CHUNK, (sentStream + 1) * CHUNK);
        sentStream++;
        setTimeout(() => this.push(chunk), 50);
      },
    });
    const viaClient = client.putStream('stream.bin', stream);
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(String(w));
    process.on('warning', onWarning);

    const deadline = Date.now() + 10_000;
    while ((sentRaw < 4 || sentStream < 4) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.ok(sentRaw < CHUNKS && sentStream < CHUNKS, 'SIGTERM must arrive while both uploads are in progress');
    first.child.kill('SIGTERM');

    const rawResult = await raw;
    assert.equal(rawResult.status, 200, rawResult.text);
    assert.equal(rawResult.etag, `"${md5}"`);
    // The client must not reuse the connection: ossd is about to close it.
    assert.equal(rawResult.connection, 'close');
    const streamed = await viaClient;
    assert.equal(streamed.res.status, 200);
    // The next request on the same agent opens a new connection and is refused: it is never cut half-way.
    const next = await new Promise<string>((resolve) => {
      http
        .get(`http://127.0.0.1:${port}/-/health`, { agent }, (res) => {
          res.resume();
          resolve(`answered ${res.statusCode}`);
        })
        .on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
    assert.equal(next, 'ECONNREFUSED');
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      first.exited,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('ossd did not exit within 15 s of SIGTERM')), 15_000);
      }),
    ]);
    clearTimeout(timer);
    assert.equal(code, 0);
    process.off('warning', onWarning);
    assert.deepEqual(warnings, []);
    agent.destroy();

    // Both objects were committed before ossd exited.
    const second = await serve(port, data);
    const again = new OSS(options as OSS.Options);
    assert.ok((await again.get('raw.bin')).content.equals(body));
    assert.ok((await again.get('stream.bin')).content.equals(body));
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0);
  });
});
