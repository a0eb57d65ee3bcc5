import type { DeliveryRecord } from '../callback/delivery-store.js';
import { MAX_RECORDED_BODY_BYTES } from '../callback/record-caps.js';

export function printDeliveryList(list: DeliveryRecord[], out: (line: string) => void): void {
  if (list.length === 0) out('no callback deliveries');
  for (const d of list) {
    const status = d.ok ? 'ok    ' : d.state === 'pending' ? 'RETRY ' : 'FAILED';
    const kind = d.kind === 'notification' ? 'notify  ' : 'callback';
    const url = d.attempts[d.attempts.length - 1]?.url ?? d.spec.targets[0]?.url ?? '';
    out(
      `${d.id}  ${new Date(d.createdAt).toISOString()}  ${kind}  ${status}  #${d.attempt}  ${d.operation}  ${d.bucket}/${d.key}${d.versionId ? ` (version ${d.versionId})` : ''}  ${url}  ${d.latencyMs}ms${d.ok ? '' : `  ${d.message ?? ''}`}`,
    );
  }
}

export function printDelivery(d: DeliveryRecord, out: (line: string) => void): void {
  out(`id:          ${d.id}${d.resendOf ? ` (re-send of ${d.resendOf})` : ''}`);
  out(`time:        ${new Date(d.createdAt).toISOString()}`);
  out(`kind:        ${d.kind}`);
  out(
    `state:       ${d.state}${d.state === 'pending' && d.nextAttemptAt ? ` (attempt ${d.attempt + 1} due ${new Date(d.nextAttemptAt).toISOString()})` : ''}; attempts made: ${d.attempt}${d.retry ? ` of at most ${d.retry.retries + 1}` : ''}`,
  );
  out(`request id:  ${d.requestId}`);
  out(`object:      ${d.bucket}/${d.key} (${d.operation})`);
  if (d.versionId) out(`version id:  ${d.versionId}`);
  out(`outcome:     ${d.ok ? 'ok' : d.attempt === 0 ? 'not sent yet' : `failed (${d.cause}): ${d.message}`}`);
  out(`latency:     ${d.latencyMs} ms`);
  out(`body type:   ${d.spec.bodyType}`);
  const cut = [
    ...(d.truncated ?? []),
    ...d.attempts.flatMap((a, i) => (a.truncated ?? []).map((what) => `attempt ${i + 1} ${what}`)),
  ];
  if (cut.length)
    out(`TRUNCATED:   ${cut.join(', ')} (kept up to ${MAX_RECORDED_BODY_BYTES} bytes each; see the marker at the end)`);
  out(`body:        ${d.renderedBody}`);
  out(`signed text: ${JSON.stringify(d.stringToSign)}`);
  for (const [i, a] of d.attempts.entries()) {
    out(
      `attempt ${i + 1}:   POST ${a.url}${a.address ? ` (${a.address})` : ''} → ${a.status ?? '-'} in ${a.latencyMs} ms${a.ok ? '' : ` — ${a.message ?? ''}`}`,
    );
    if (a.responseBody !== undefined) out(`  response:  ${responseText(Buffer.from(a.responseBody).toString('utf8'))}`);
  }
}

/** The first 2000 characters of a reply, keeping the truncation marker ossd put at its end (if any). */
function responseText(text: string): string {
  if (text.length <= 2000) return text;
  const marker = /\n…\[truncated by ossd: [^\]]*\]$/.exec(text)?.[0] ?? '\n…[shortened for display]';
  return text.slice(0, 2000) + marker;
}
