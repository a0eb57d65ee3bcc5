#!/usr/bin/env node
// put / get / list / delete against a running ossd with the official ali-oss client.
//   OSSD_ENDPOINT=http://localhost:18080 OSSD_ACCESS_KEY_ID=... OSSD_ACCESS_KEY_SECRET=... node examples/round-trip.mjs
// OSSD_BUCKET names the bucket (default examplebucket; created when missing).
import OSS from 'ali-oss';

// The access key ossd printed at start: OSSD_ACCESS_KEY_ID / OSSD_ACCESS_KEY_SECRET (OSS_ACCESS_KEY_ID /
// OSS_ACCESS_KEY_SECRET, the OSS documentation's names, work too).
const accessKeyId = process.env.OSSD_ACCESS_KEY_ID ?? process.env.OSS_ACCESS_KEY_ID;
const accessKeySecret = process.env.OSSD_ACCESS_KEY_SECRET ?? process.env.OSS_ACCESS_KEY_SECRET;
if (!accessKeyId || !accessKeySecret) {
  console.error('Set OSSD_ACCESS_KEY_ID and OSSD_ACCESS_KEY_SECRET to the access key ossd printed at start.');
  process.exit(2);
}

const client = new OSS({
  endpoint: process.env.OSSD_ENDPOINT ?? 'http://localhost:18080',
  sldEnable: true,
  accessKeyId,
  accessKeySecret,
  bucket: process.env.OSSD_BUCKET ?? 'examplebucket',
});

await client.putBucket(client.options.bucket);
const put = await client.put('hello.txt', Buffer.from('hello from ali-oss\n'));
console.log('put    ', put.res.status, put.res.headers.etag);
const got = await client.get('hello.txt');
console.log('get    ', JSON.stringify(got.content.toString()));
const listed = await client.list({ prefix: 'hello' });
console.log('list   ', listed.objects.map((o) => `${o.name} (${o.size} bytes)`).join(', '));
const del = await client.delete('hello.txt');
console.log('delete ', del.res.status);
