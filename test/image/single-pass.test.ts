/**
 * A leading resize is decoded, resized and encoded in one libvips pass (no raw hand-off), and gives the
 * same bytes as calling sharp directly: the bench's "sharp direct" baseline does exactly ossd's work.
 * Where one pass would change the output (orientation tag to keep, alpha to flatten for JPEG) the
 * resize runs on its own first.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type OSS from 'ali-oss';
import sharp from 'sharp';
import { resize } from '../../src/image/actions/resize.js';
import { encode } from '../../src/image/encode.js';
import { parseProcess } from '../../src/image/parse.js';
import { runActions } from '../../src/image/pipeline.js';
import { ImageState, readSource } from '../../src/image/state.js';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';
import { describe, jpeg, jpegWithOrientation, pngWithAlpha, regionMean } from './fixtures.js';

function actions(process: string) {
  const req = parseProcess(process);
  assert.equal(req.kind, 'image');
  return req.kind === 'image' ? req.actions : [];
}

let server: TestServer;
let client: OSS;

before(async () => {
  server = await startTestServer();
  client = await withBucket(server, 'img-single-pass');
});

after(async () => {
  await server.stop();
});

test('a leading resize is encoded in the same pass: no raw hand-off, output as sharp direct', async () => {
  const src = await jpeg(1200, 900, 85);
  const st = new ImageState(await readSource(src));
  await resize(st, actions('image/resize,w_200')[0]);
  const out = await encode(st);
  assert.equal(st.rasters, 0, 'the resize must not be materialised as raw pixels before encoding');
  assert.deepEqual(out.body, await sharp(src).resize(200).jpeg({ quality: 85 }).toBuffer());
});

test('output settings after the resize still apply in the single pass (quality, interlace, format)', async () => {
  const src = await jpeg(1200, 900, 85);
  const out = await runActions(await readSource(src), actions('image/resize,w_300/quality,Q_40/interlace,1'), {});
  assert.deepEqual(out.body, await sharp(src).resize(300).jpeg({ quality: 40, progressive: true }).toBuffer());
  const webp = await runActions(await readSource(src), actions('image/resize,w_300/format,webp'), {});
  assert.equal(webp.contentType, 'image/webp');
  assert.deepEqual(await describe(webp.body), { format: 'webp', width: 300, height: 225 });
});

test('an action after the resize reads the resized pixels (the deferred resize runs first)', async () => {
  const src = await jpeg(1200, 900, 85);
  const out = await runActions(await readSource(src), actions('image/resize,w_200/rotate,90/crop,w_100,h_120'), {});
  assert.deepEqual(await describe(out.body), { format: 'jpeg', width: 100, height: 120 });
});

test('resize without auto-orient keeps only the orientation tag, not the source EXIF (not one pass)', async () => {
  await client.put('turned.jpg', await jpegWithOrientation(400, 200, 6));
  const r = await client.get('turned.jpg', { process: 'image/resize,w_100' });
  const meta = await sharp(r.content as Buffer).metadata();
  assert.equal(meta.orientation, 6);
  assert.deepEqual([meta.width, meta.height], [100, 50]);
  assert.ok(!meta.exif?.includes('fixture-cam'), 'the source camera EXIF must not be copied');
});

test('a PNG with alpha resized to JPEG is flattened on white', async () => {
  await client.put('alpha.png', await pngWithAlpha(400, 200));
  const r = await client.get('alpha.png', { process: 'image/resize,w_200/format,jpg' });
  const body = r.content as Buffer;
  assert.deepEqual(await describe(body), { format: 'jpeg', width: 200, height: 100 });
  const [cr, cg, cb] = await regionMean(body, { left: 0, top: 0, width: 20, height: 20 });
  assert.ok(cr > 240 && cg > 240 && cb > 240, `corner ${cr},${cg},${cb} should be white`);
  const [mr, mg, mb] = await regionMean(body, { left: 90, top: 40, width: 20, height: 20 });
  assert.ok(mr > 200 && mg < 40 && mb < 40, `centre ${mr},${mg},${mb} should be red`);
});

test('through ossd, resize,w_200 of a JPEG is byte for byte what sharp direct makes (the bench baseline)', async () => {
  const src = await jpeg(1600, 1200, 85);
  await client.put('big.jpg', src);
  const r = await client.get('big.jpg', { process: 'image/resize,w_200' });
  assert.deepEqual(r.content as Buffer, await sharp(src).resize(200).jpeg({ quality: 85 }).toBuffer());
});
