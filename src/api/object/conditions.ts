import type { HeaderBag } from '../../auth/signature-v1.js';
import { OssError } from '../../errors/oss-error.js';
import type { ObjectRecord } from '../../storage/types.js';

function etagList(v: string): string[] {
  return v.split(',').map((e) => e.trim().replace(/^W\//, '').replace(/^"|"$/g, '').toUpperCase());
}

/**
 * If-Match / If-Unmodified-Since → 412 PreconditionFailed; If-None-Match / If-Modified-Since → 304.
 * `prefix` selects the x-oss-copy-source-if-* family for CopyObject.
 */
export function checkConditions(headers: HeaderBag, o: ObjectRecord, prefix = ''): void {
  const get = (n: string) => headers[`${prefix}${n}`];
  const etag = o.etag.toUpperCase();
  const modifiedSec = Math.floor(o.lastModified / 1000);
  const ifMatch = get('if-match');
  if (ifMatch !== undefined && !etagList(ifMatch).some((e) => e === etag || e === '*')) {
    throw new OssError('PreconditionFailed', {
      extra: { Condition: prefix ? 'x-oss-copy-source-if-match' : 'If-Match' },
    });
  }
  const ius = get('if-unmodified-since');
  if (ius !== undefined && ifMatch === undefined) {
    const t = Date.parse(ius);
    if (!Number.isNaN(t) && modifiedSec > Math.floor(t / 1000)) {
      throw new OssError('PreconditionFailed', {
        extra: { Condition: prefix ? 'x-oss-copy-source-if-unmodified-since' : 'If-Unmodified-Since' },
      });
    }
  }
  const inm = get('if-none-match');
  // OSS answers 304 for the copy-source family too (CopyObject / UploadPartCopy docs), unlike S3's 412.
  if (inm !== undefined && etagList(inm).some((e) => e === etag || e === '*')) throw new OssError('NotModified');
  const ims = get('if-modified-since');
  if (ims !== undefined && inm === undefined) {
    const t = Date.parse(ims);
    if (!Number.isNaN(t) && modifiedSec <= Math.floor(t / 1000)) throw new OssError('NotModified');
  }
}

/** A single `bytes=a-b` range; undefined for none or an invalid one (OSS then sends the whole object). */
export function parseRange(value: string | undefined, size: number, standard: boolean): [number, number] | undefined {
  if (!value) return undefined;
  const m = /^bytes=(\d*)-(\d*)(,.*)?$/.exec(value.trim());
  const invalid = () => {
    if (standard) {
      throw new OssError('InvalidRange', {
        headers: { 'content-range': `bytes */${size}` },
        extra: { RangeRequested: value, ActualObjectSize: String(size) },
      });
    }
    return undefined;
  };
  if (!m || (m[1] === '' && m[2] === '')) return invalid();
  let start: number;
  let end: number;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) return invalid();
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Number(m[2]);
    if (end >= size) end = m[2] === '' || standard ? size - 1 : end;
  }
  if (start > end || start >= size || end >= size) return invalid();
  return [start, end];
}
