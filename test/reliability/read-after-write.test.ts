/**
 * Read-after-write and list-after-write, property-based: random sequences of PUT / DELETE / GET / HEAD /
 * LIST (v1 and v2) against a real ossd, each result checked against an in-memory reference model.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import fc from 'fast-check';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

type Op =
  | { kind: 'put'; key: string; body: Uint8Array }
  | { kind: 'delete'; key: string }
  | { kind: 'get'; key: string }
  | { kind: 'head'; key: string }
  | { kind: 'list'; prefix: string; delimiter: string; maxKeys: number; v2: boolean };

const keyArb = fc.constantFrom('a', 'a/b', 'a/c/d', 'b', 'b/x', 'é/ü', '中/文', 'z z', 'a+b', 'a%2F');
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('put' as const), key: keyArb, body: fc.uint8Array({ maxLength: 64 }) }),
  fc.record({ kind: fc.constant('delete' as const), key: keyArb }),
  fc.record({ kind: fc.constant('get' as const), key: keyArb }),
  fc.record({ kind: fc.constant('head' as const), key: keyArb }),
  fc.record({
    kind: fc.constant('list' as const),
    prefix: fc.constantFrom('', 'a', 'a/', 'b', '中'),
    delimiter: fc.constantFrom('', '/'),
    maxKeys: fc.integer({ min: 1, max: 4 }),
    v2: fc.boolean(),
  }),
);

/** Everything a paginated listing must return, computed from the model. */
function expectedListing(model: Map<string, Buffer>, prefix: string, delimiter: string): string[] {
  const out = new Set<string>();
  for (const k of model.keys()) {
    if (!k.startsWith(prefix)) continue;
    const i = delimiter ? k.indexOf(delimiter, prefix.length) : -1;
    out.add(i >= 0 ? `${k.slice(0, i + 1)}/` : k);
  }
  return [...out].sort();
}

interface ListPage {
  objects?: { name: string; size: number }[];
  prefixes?: string[];
  isTruncated: boolean;
  nextMarker?: string;
  nextContinuationToken?: string;
}

async function listAll(
  client: OSS,
  prefix: string,
  delimiter: string,
  maxKeys: number,
  v2: boolean,
): Promise<string[]> {
  const seen: string[] = [];
  let marker: string | undefined;
  for (let guard = 0; guard < 100; guard++) {
    const q: Record<string, unknown> = { prefix, 'max-keys': maxKeys };
    if (delimiter) q.delimiter = delimiter;
    let page: ListPage;
    if (v2) {
      if (marker) q['continuation-token'] = marker;
      page = (await (client as unknown as { listV2(q: unknown, o: unknown): Promise<ListPage> }).listV2(
        q,
        {},
      )) as ListPage;
    } else {
      if (marker) q.marker = marker;
      page = (await client.list(q as unknown as OSS.ListObjectsQuery, {})) as unknown as ListPage;
    }
    for (const o of page.objects ?? []) seen.push(o.name);
    for (const p of page.prefixes ?? []) seen.push(`${p}/`);
    if (!page.isTruncated) return seen;
    marker = v2 ? page.nextContinuationToken : page.nextMarker;
    assert.ok(marker, 'a truncated page names where to continue');
  }
  throw new Error('listing did not end');
}

describe('read-after-write and list-after-write (fast-check model)', () => {
  let server: TestServer;
  let run = 0;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  it('every GET/HEAD/LIST reflects every acknowledged PUT/DELETE', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), async (ops) => {
        const bucket = `raw-${run++}`;
        const client = server.client({ bucket });
        await client.putBucket(bucket);
        const model = new Map<string, Buffer>();
        for (const op of ops) {
          if (op.kind === 'put') {
            await client.put(op.key, Buffer.from(op.body));
            model.set(op.key, Buffer.from(op.body));
          } else if (op.kind === 'delete') {
            await client.delete(op.key);
            model.delete(op.key);
          } else if (op.kind === 'get' || op.kind === 'head') {
            const want = model.get(op.key);
            const got = await (op.kind === 'get' ? client.get(op.key) : client.head(op.key)).then(
              (r) => r,
              (e: { status: number }) => {
                assert.equal(e.status, 404);
                return undefined;
              },
            );
            assert.equal(got !== undefined, want !== undefined, `${op.kind} ${op.key}`);
            if (got && want) {
              const h = got.res.headers as Record<string, string>;
              assert.equal(Number(h['content-length']), want.length);
              if (op.kind === 'get') assert.deepEqual((got as OSS.GetObjectResult).content, want);
            }
          } else {
            const got = await listAll(client, op.prefix, op.delimiter, op.maxKeys, op.v2);
            const normalised = got.map((e) => (e.endsWith('//') ? e.slice(0, -1) : e));
            assert.deepEqual(
              [...normalised].sort(),
              expectedListing(model, op.prefix, op.delimiter).map((e) => (e.endsWith('//') ? e.slice(0, -1) : e)),
            );
            assert.equal(new Set(got).size, got.length, 'no entry twice');
          }
        }
        for (const k of model.keys()) await client.delete(k);
        await client.deleteBucket(bucket);
      }),
      { numRuns: 25, interruptAfterTimeLimit: 90_000 },
    );
  });
});
