#!/usr/bin/env node
// put / get / list / delete against a running ossd with the official ali-oss client.
//   OSSD_ENDPOINT=http://localhost:18080 OSSD_ACCESS_KEY_ID=... OSSD_ACCESS_KEY_SECRET=... node examples/round-trip.mjs
import OSS from 'ali-oss';

const client = new OSS({
  endpoint: process.env.OSSD_ENDPOINT ?? 'http://localhost:18080',
  sldEnable: true,
  accessKeyId: process.env.OSSD_ACCESS_KEY_ID,
  accessKeySecret: process.env.OSSD_ACCESS_KEY_SECRET,
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
