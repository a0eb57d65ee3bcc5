import type { DeliveryRecord } from '../callback/delivery-store.js';

export function printDeliveryList(list: DeliveryRecord[], out: (line: string) => void): void {
  if (list.length === 0) out('no callback deliveries');
  for (const d of list) {
    const status = d.ok ? 'ok    ' : 'FAILED';
    const url = d.attempts[d.attempts.length - 1]?.url ?? d.spec.targets[0]?.url ?? '';
    out(
      `${d.id}  ${new Date(d.createdAt).toISOString()}  ${status}  ${d.operation}  ${d.bucket}/${d.key}  ${url}  ${d.latencyMs}ms${d.ok ? '' : `  ${d.message ?? ''}`}`,
    );
  }
}

export function printDelivery(d: DeliveryRecord, out: (line: string) => void): void {
  out(`id:          ${d.id}${d.resendOf ? ` (re-send of ${d.resendOf})` : ''}`);
  out(`time:        ${new Date(d.createdAt).toISOString()}`);
  out(`request id:  ${d.requestId}`);
  out(`object:      ${d.bucket}/${d.key} (${d.operation})`);
  out(`outcome:     ${d.ok ? 'ok' : `failed (${d.cause}): ${d.message}`}`);
  out(`latency:     ${d.latencyMs} ms`);
  out(`body type:   ${d.spec.bodyType}`);
  out(`body:        ${d.renderedBody}`);
  out(`signed text: ${JSON.stringify(d.stringToSign)}`);
  for (const [i, a] of d.attempts.entries()) {
    out(
      `attempt ${i + 1}:   POST ${a.url}${a.address ? ` (${a.address})` : ''} → ${a.status ?? '-'} in ${a.latencyMs} ms${a.ok ? '' : ` — ${a.message ?? ''}`}`,
    );
    if (a.responseBody !== undefined)
      out(`  response:  ${Buffer.from(a.responseBody).toString('utf8').slice(0, 2000)}`);
  }
}
