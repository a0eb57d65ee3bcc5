import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import type OSS from 'ali-oss';
import { ONE_NODE_ONLY, startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';
import { encodeForm, type Fields, hdrs, policyOf, v1Fields, xmlText } from './post-helpers.js';

const BUCKET = 'post-large';
const MB = 1024 * 1024;
const FILE_BYTES = 20 * MB;
const CHUNK = Buffer.alloc(256 * 1024, 'z');

// Garbage chunks would otherwise inflate RSS until V8 gets round to collecting them; collecting while
// sampling leaves only what is really held (a server buffering the file would hold all of it).
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/**
 * Sends a form whose file part is FILE_BYTES generated on the fly (the client never holds the file),
 * sampling the process RSS (server and client share it) while it streams. Returns the response and the peak RSS growth.
 */
async function postGenerated(
  port: number,
  fields: Fields,
): Promise<{ status: number; text: string; etag?: string; rssGrowth: number }> {
  const fd = new FormData();
  for (const [k, v] of fields) fd.append(k, v);
  fd.append('file', new Blob([Buffer.from('@@FILE@@')]), 'big.bin');
  const { body, contentType } = await encodeForm(fd);
  const at = body.indexOf('@@FILE@@');
  const head = body.subarray(0, at);
  const tail = body.subarray(at + '@@FILE@@'.length);
  gc();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => {
    gc();
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 25);
  try {
    return await new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: `/${BUCKET}/`,
          headers: { 'content-type': contentType, 'content-length': head.length + FILE_BYTES + tail.length },
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              text: Buffer.concat(chunks).toString(),
              etag: res.headers.etag,
              rssGrowth: peak - baseline,
            }),
          );
        },
      );
      req.on('error', reject);
      req.write(head);
      let sent = 0;
      const pump = () => {
        while (sent < FILE_BYTES) {
          const n = Math.min(CHUNK.length, FILE_BYTES - sent);
          sent += n;
          if (!req.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) {
            req.once('drain', pump);
            return;
          }
        }
        req.end(tail);
      };
      pump();
    });
  } finally {
    clearInterval(sampler);
  }
}

describe('PostObject streams large files', () => {
  let server: TestServer;
  let client: OSS;
  before(async () => {
    server = await startTestServer();
    client = await withBucket(server, BUCKET);
  });
  after(async () => {
    await server.stop();
  });

  it('a 20 MB file is stored without buffering it (RSS grows far less than the file)', {
    skip: ONE_NODE_ONLY,
  }, async () => {
    const r = await postGenerated(server.port, [['key', 'big.bin'], ...v1Fields(client, policyOf([]))]);
    assert.equal(r.status, 204, r.text);
    const md5 = createHash('md5');
    let left = FILE_BYTES;
    while (left > 0) {
      const n = Math.min(CHUNK.length, left);
      md5.update(CHUNK.subarray(0, n));
      left -= n;
    }
    assert.equal(r.etag, `"${md5.digest('hex').toUpperCase()}"`);
    const head = await client.head('big.bin');
    assert.equal(hdrs(head)['content-length'], String(FILE_BYTES));
    assert.ok(r.rssGrowth < 15 * MB, `RSS grew by ${(r.rssGrowth / MB).toFixed(1)} MB`);
  });

  it('content-length-range stops a too-large stream early with EntityTooLarge and keeps nothing', async () => {
    const policy = policyOf([['content-length-range', 0, MB]]);
    const r = await postGenerated(server.port, [['key', 'too-big.bin'], ...v1Fields(client, policy)]);
    assert.equal(r.status, 400, r.text);
    assert.equal(xmlText(r.text, 'Code'), 'EntityTooLarge');
    await assert.rejects(client.head('too-big.bin'), { status: 404 });
  });
});
