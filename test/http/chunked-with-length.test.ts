/**
 * `Content-Length` together with `Transfer-Encoding: chunked` (ali-oss sends both for a stream put with a
 * Content-Length header): chunked framing wins, the connection closes after the response, and bytes after
 * the chunked body are never processed as a request (no smuggling). Node's parser stays strict otherwise.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { signatureV1 } from '../helpers/sign-v1.js';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

/** Writes `parts` (in order, each after `gapMs`) on one connection; returns all it got back once it closed. */
function exchange(
  port: number,
  parts: (string | Buffer)[],
  gapMs = 0,
  waitMs = 10_000,
): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ text, closed: false });
    }, waitMs);
    sock.on('data', (d: Buffer) => {
      text += d.toString('latin1');
    });
    sock.on('error', () => {});
    sock.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
    (async () => {
      for (const p of parts) {
        if (sock.destroyed) return;
        sock.write(p);
        if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
      }
    })();
  });
}

function head(method: string, resource: string, framing: string[], extra: Record<string, string> = {}): string {
  const signed = signatureV1(method, resource, extra);
  const lines = [`${method} ${resource} HTTP/1.1`, 'Host: 127.0.0.1', ...framing];
  for (const [k, v] of Object.entries(signed)) lines.push(`${k}: ${v}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

const statuses = (text: string) => [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));

describe('Content-Length with Transfer-Encoding: chunked', () => {
  let server: TestServer;
  let client: OSS;
  before(async () => {
    server = await startTestServer();
    client = await withBucket(server, 'clte');
  });
  after(() => server.stop());

  async function content(key: string): Promise<string | undefined> {
    return client.get(key).then(
      (r) => r.content.toString(),
      () => undefined,
    );
  }

  it('ali-oss put(name, stream, { headers: { Content-Length } }) is stored (chunked framing)', async () => {
    const data = Buffer.from('streamed with a known length '.repeat(1000));
    const result = await client.put('from-stream', Readable.from([data.subarray(0, 10_000), data.subarray(10_000)]), {
      headers: { 'Content-Length': String(data.length) },
    });
    assert.equal(result.res.status, 200);
    assert.equal((result.res.headers as Record<string, string>).connection, 'close');
    assert.equal(await content('from-stream'), data.toString());
    // The client goes on working (on a new connection).
    await client.put('after', Buffer.from('next'));
    assert.equal(await content('after'), 'next');
  });

  for (const order of ['Content-Length first', 'Transfer-Encoding first']) {
    it(`raw request, ${order}: 200, Connection: close, the connection is closed`, async () => {
      const framing = ['Content-Length: 5', 'Transfer-Encoding: chunked'];
      if (order !== 'Content-Length first') framing.reverse();
      const key = `raw-${order.split(' ')[0].toLowerCase()}`;
      const got = await exchange(
        server.port,
        [head('PUT', `/clte/${key}`, framing), '5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n'],
        50,
      );
      assert.ok(got.closed);
      assert.deepEqual(statuses(got.text), [200]);
      assert.match(got.text, /\r\nconnection: close\r\n/i);
      assert.equal(await content(key), 'hello world');
    });
  }

  it('a request after a keep-alive request on the same connection is accepted too', async () => {
    const got = await exchange(
      server.port,
      [
        head('PUT', '/clte/first', ['Content-Length: 3']),
        'one',
        head('PUT', '/clte/second', ['Content-Length: 3', 'Transfer-Encoding: chunked']),
        '3\r\ntwo\r\n0\r\n\r\n',
      ],
      300,
    );
    assert.deepEqual(statuses(got.text), [200, 200]);
    assert.ok(got.closed);
    assert.equal(await content('first'), 'one');
    assert.equal(await content('second'), 'two');
  });

  it('no smuggling: a request hidden after the chunked body (CL framing would differ) is never processed', async () => {
    const hidden = `${head('PUT', '/clte/smuggled', ['Content-Length: 4'])}evil`;
    const chunked = '5\r\nhello\r\n0\r\n\r\n';
    for (const cl of [chunked.length + hidden.length, 3]) {
      const got = await exchange(server.port, [
        head('PUT', '/clte/carrier', [`Content-Length: ${cl}`, 'Transfer-Encoding: chunked']) + chunked + hidden,
      ]);
      assert.ok(got.closed, 'the connection is closed after the response');
      assert.deepEqual(statuses(got.text), [200], 'exactly one response');
      assert.equal(await content('carrier'), 'hello');
      assert.equal(await content('smuggled'), undefined, 'the hidden request was not processed');
    }
  });

  it('not when pipelined behind another request: rejected, nothing stored', async () => {
    const got = await exchange(server.port, [
      head('GET', '/clte/carrier', []) +
        head('PUT', '/clte/pipelined', ['Content-Length: 5', 'Transfer-Encoding: chunked']) +
        '5\r\nhello\r\n0\r\n\r\n',
    ]);
    assert.ok(got.closed);
    assert.ok(statuses(got.text).includes(400));
    assert.equal(await content('pipelined'), undefined);
  });

  it('the parser stays strict: conflicting Content-Length values and an unknown coding are still 400', async () => {
    for (const framing of [
      ['Content-Length: 5', 'Content-Length: 6'],
      ['Content-Length: 5', 'Transfer-Encoding: gzip, chunked'],
      ['Content-Length: 5', 'Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'],
    ]) {
      const got = await exchange(server.port, [`${head('PUT', '/clte/strict', framing)}5\r\nhello\r\n0\r\n\r\n`]);
      assert.ok(got.closed);
      assert.deepEqual(statuses(got.text), [400], framing.join(' + '));
    }
    assert.equal(await content('strict'), undefined);
  });
});
