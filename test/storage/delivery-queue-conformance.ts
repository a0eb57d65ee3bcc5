/**
 * The delivery log's retry queue (claimDue / complete / countPending), run on every store: the embedded
 * SQLite one (test/callback/delivery-queue.test.ts) and PostgreSQL (test/storage/postgres.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeliveryRecordInput, DeliveryStore, DeliveryUpdate } from '../../src/callback/delivery-store.js';

export interface QueueBackend {
  /** Two handles on one store (two nodes' connection pools where the store is shared). */
  a: DeliveryStore;
  b: DeliveryStore;
  close(): Promise<void>;
}

const target = (port: number) => ({
  url: `http://127.0.0.1:${port}/n`,
  protocol: 'http:' as const,
  hostname: '127.0.0.1',
  port,
  pathAndQuery: '/n',
});

export function queued(over: Partial<DeliveryRecordInput> = {}): DeliveryRecordInput {
  return {
    kind: 'notification',
    state: 'pending',
    attempt: 0,
    nextAttemptAt: Date.now() - 1,
    retry: { retries: 3, baseDelayMs: 10, maxDelayMs: 20 },
    requestId: 'req',
    bucket: 'qb',
    key: 'k',
    operation: 'ObjectCreated:PutObject',
    spec: { targets: [target(9)], bodyType: 'application/json', additionalHeaders: {}, sni: true },
    renderedBody: '{"events":[]}',
    stringToSign: '',
    attempts: [],
    ok: false,
    latencyMs: 0,
    ...over,
  };
}

const done = (attempt: number): DeliveryUpdate => ({
  state: 'done',
  attempt,
  ok: true,
  attempts: [{ url: 'http://127.0.0.1:9/n', requestHeaders: {}, latencyMs: 3, ok: true, status: 200 }],
  stringToSign: '/n\n{}',
  latencyMs: 3,
});

export function deliveryQueueConformance(name: string, open: () => Promise<QueueBackend>): void {
  describe(`delivery queue conformance: ${name}`, () => {
    it("keeps a delivery's version id through record, get, list, claim and complete; none stays absent", async () => {
      const s = await open();
      try {
        const now = Date.now();
        const v = await s.a.record(queued({ bucket: 'vb', key: 'v', versionId: 'CAEQ123', nextAttemptAt: now - 1 }));
        const plain = await s.a.record(queued({ bucket: 'vb', key: 'p', state: 'done', attempt: 1 }));
        assert.equal(v.versionId, 'CAEQ123');
        assert.equal((await s.b.get(v.id))?.versionId, 'CAEQ123');
        assert.equal('versionId' in ((await s.b.get(plain.id)) ?? {}), false);
        const listed = await s.b.list({ bucket: 'vb' });
        assert.deepEqual(listed.map((d) => [d.key, d.versionId]).sort(), [
          ['p', undefined],
          ['v', 'CAEQ123'],
        ]);
        const claimed = await s.b.claimDue('node-b', now, now + 10_000, 10);
        assert.equal(claimed.find((d) => d.id === v.id)?.versionId, 'CAEQ123');
        await s.b.complete(v.id, 'node-b', done(1));
        assert.equal((await s.a.get(v.id))?.versionId, 'CAEQ123');
      } finally {
        await s.close();
      }
    });

    it('claims due deliveries once, until the claim expires; only the owner completes', async () => {
      const s = await open();
      try {
        const now = Date.now();
        const due = await s.a.record(queued({ key: 'due', nextAttemptAt: now - 1000 }));
        await s.a.record(queued({ key: 'later', nextAttemptAt: now + 60_000 }));
        assert.equal(await s.a.countPending('qb'), 2);
        const claimed = await s.a.claimDue('node-a', now, now + 10_000, 10);
        assert.deepEqual(
          claimed.map((d) => d.id),
          [due.id],
        );
        assert.equal(claimed[0].state, 'pending');
        assert.equal(claimed[0].attempt, 0);
        assert.deepEqual(claimed[0].retry, { retries: 3, baseDelayMs: 10, maxDelayMs: 20 });
        assert.deepEqual(await s.b.claimDue('node-b', now, now + 10_000, 10), []);
        // Expired claim (its node died): another node takes it over; the first can no longer complete it.
        const later = now + 20_000;
        const taken = await s.b.claimDue('node-b', later, later + 10_000, 10);
        assert.deepEqual(
          taken.map((d) => d.id),
          [due.id],
        );
        assert.equal(await s.a.complete(due.id, 'node-a', done(1)), false);
        assert.equal(await s.b.complete(due.id, 'node-b', done(1)), true);
        const after = await s.a.get(due.id);
        assert.equal(after?.state, 'done');
        assert.equal(after?.ok, true);
        assert.equal(after?.attempt, 1);
        assert.equal(after?.attempts.length, 1);
        assert.equal(await s.a.countPending('qb'), 1);
        const pending = await s.a.list({ bucket: 'qb', state: 'pending', kind: 'notification' });
        assert.deepEqual(
          pending.map((d) => d.key),
          ['later'],
        );
        assert.deepEqual(await s.a.list({ bucket: 'qb', kind: 'callback' }), []);
      } finally {
        await s.close();
      }
    });

    it('keeps notifications of one key and target in order; other keys and targets do not wait', async () => {
      const s = await open();
      try {
        const first = await s.a.record(queued({ bucket: 'ordered', key: 'x', renderedBody: '1' }));
        const second = await s.a.record(queued({ bucket: 'ordered', key: 'x', renderedBody: '2' }));
        const other = await s.a.record(queued({ bucket: 'ordered', key: 'y' }));
        const otherTarget = await s.a.record(
          queued({
            bucket: 'ordered',
            key: 'x',
            spec: { targets: [target(10)], bodyType: 'application/json', additionalHeaders: {}, sni: true },
          }),
        );
        const now = Date.now();
        const page = await s.a.claimDue('n', now, now + 10_000, 10);
        assert.deepEqual(page.map((d) => d.id).sort(), [first.id, other.id, otherTarget.id].sort());
        // Still pending after a failed attempt: the next of its key keeps waiting.
        assert.equal(
          await s.a.complete(first.id, 'n', { ...done(1), state: 'pending', ok: false, nextAttemptAt: now - 1 }),
          true,
        );
        const again = await s.a.claimDue('n', now, now + 10_000, 10);
        assert.deepEqual(
          again.map((d) => d.id),
          [first.id],
        );
        assert.equal(await s.a.complete(first.id, 'n', done(2)), true);
        const next = await s.a.claimDue('n', now, now + 10_000, 10);
        assert.deepEqual(
          next.map((d) => d.id),
          [second.id],
        );
      } finally {
        await s.close();
      }
    });

    it('two nodes claiming at once never get the same delivery', async () => {
      const s = await open();
      try {
        const ids = new Set<string>();
        for (let i = 0; i < 60; i++) ids.add((await s.a.record(queued({ bucket: 'race', key: `k${i}` }))).id);
        const seen: string[] = [];
        const now = Date.now();
        const drain = async (store: DeliveryStore, owner: string) => {
          for (let round = 0; round < 100; round++) {
            const page = await store.claimDue(owner, now, now + 60_000, 7);
            if (page.length === 0) return;
            seen.push(...page.map((d) => d.id));
          }
        };
        await Promise.all([drain(s.a, 'a'), drain(s.b, 'b'), drain(s.a, 'a2'), drain(s.b, 'b2')]);
        const race = seen.filter((id) => ids.has(id));
        assert.equal(race.length, ids.size);
        assert.equal(new Set(race).size, ids.size);
      } finally {
        await s.close();
      }
    });
  });
}
