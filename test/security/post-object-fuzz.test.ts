/**
 * Hostile POST forms and policies, fuzzed: random conditions, field sets, orders and malformed
 * multipart bodies never crash ossd or answer 500; a refused upload stores nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import fc from 'fast-check';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';
import { fieldPart, postRaw, rawMultipart, v1Fields } from '../post-object/post-helpers.js';

const condition = fc.oneof(
  fc.constantFrom('bucket', 'key', 'x-oss-meta-a', 'success_action_status').map((f) => ({ [f]: 'v' })),
  fc.tuple(
    fc.constantFrom('eq', 'starts-with', 'in', 'not-in', 'bogus'),
    fc.constantFrom('$key', '$bucket', '$content-type', '$x-oss-meta-a', 'key'),
    fc.oneof(fc.string({ maxLength: 8 }), fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }), fc.integer()),
  ),
  fc.tuple(
    fc.constant('content-length-range'),
    fc.oneof(fc.integer({ min: -5, max: 100 }), fc.string({ maxLength: 3 })),
    fc.oneof(fc.integer({ min: -5, max: 100 }), fc.constant(null)),
  ),
  fc.anything({ maxDepth: 2 }),
);
const policy = fc.oneof(
  fc.record(
    {
      expiration: fc.oneof(
        fc.constant(new Date(Date.now() + 3600_000).toISOString()),
        fc.constant('2000-01-01T00:00:00Z'),
        fc.string({ maxLength: 10 }),
        fc.integer(),
      ),
      conditions: fc.oneof(fc.array(condition, { maxLength: 4 }), fc.anything({ maxDepth: 1 })),
    },
    { requiredKeys: [] },
  ),
  fc.anything({ maxDepth: 2 }),
);

describe('PostObject under fuzzed forms and policies', () => {
  let server: TestServer;
  let client: OSS;
  before(async () => {
    server = await startTestServer();
    client = await withBucket(server, 'postfuzz');
  });
  after(() => server.stop());

  it('signed random policies: an OSS answer, never a 500; a refusal stores nothing', { timeout: 60_000 }, async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        policy,
        fc.array(
          fc.tuple(
            fc.constantFrom(
              'success_action_status',
              'x-oss-meta-a',
              'Content-Type',
              'callback',
              'x:v',
              'key2',
              'x-oss-object-acl',
              'success_action_redirect',
            ),
            fc.string({ maxLength: 12 }),
          ),
          { maxLength: 4 },
        ),
        async (p, extra) => {
          const key = `fz/${n++}`;
          let fields: [string, string][];
          try {
            fields = [['key', key], ...v1Fields(client, p as object)];
          } catch {
            return; // the client itself refuses to sign this value
          }
          const boundary = 'fuzzBoundary123';
          const body = rawMultipart(boundary, [
            ...[...fields, ...extra].map(([k, v]) => fieldPart(k, v)),
            {
              headers: ['Content-Disposition: form-data; name="file"; filename="f.txt"', 'Content-Type: text/plain'],
              body: 'data',
            },
          ]);
          const r = await postRaw(server.port, {
            path: '/postfuzz/',
            body,
            headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
          });
          assert.ok(r.status < 500, `${r.status} ${r.text.slice(0, 300)}`);
          if (r.status >= 400) {
            assert.match(r.text, /<Code>\w+<\/Code>/);
            await assert.rejects(client.head(key), (e: { status: number }) => e.status === 404);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('malformed multipart bodies: an OSS 4xx, never a 500 or a hang', { timeout: 60_000 }, async () => {
    const part = fc.record({
      headers: fc.array(
        fc.oneof(
          fc.constantFrom(
            'Content-Disposition: form-data; name="key"',
            'Content-Disposition: form-data; name="file"; filename="a"',
            'Content-Disposition: form-data',
            'Content-Type: text/plain',
            'garbage',
          ),
          fc.string({ maxLength: 20 }),
        ),
        { maxLength: 3 },
      ),
      body: fc.oneof(
        fc.string({ maxLength: 30 }),
        fc.uint8Array({ maxLength: 30 }).map((b) => Buffer.from(b)),
      ),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(part, { maxLength: 4 }),
        fc.boolean(),
        fc.constantFrom(
          'multipart/form-data; boundary=b0undary',
          'multipart/form-data',
          'text/plain',
          'multipart/form-data; boundary=',
        ),
        async (parts, close, ct) => {
          const body = rawMultipart('b0undary', parts, { close });
          const r = await postRaw(server.port, { path: '/postfuzz/', body, headers: { 'content-type': ct } });
          assert.ok(r.status >= 400 && r.status < 500, `${r.status} ${r.text.slice(0, 300)}`);
          assert.match(r.text, /<Code>\w+<\/Code>/);
        },
      ),
      { numRuns: 150 },
    );
  });
});
