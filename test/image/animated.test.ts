import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type OSS from 'ali-oss';
import sharp from 'sharp';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

let server: TestServer;
let client: OSS;
const BUCKET = 'img-anim';
const COLOURS = [
  [255, 0, 0],
  [0, 255, 0],
  [0, 0, 255],
] as const;
const DELAY = [120, 200, 300];

/** A 3-frame animation, width×height: red, green, blue, each frame a solid colour. */
function frames(width: number, height: number) {
  const data = Buffer.alloc(width * height * 4 * COLOURS.length);
  COLOURS.forEach(([r, g, b], f) => {
    for (let i = 0; i < width * height; i++) data.set([r, g, b, 255], (f * width * height + i) * 4);
  });
  return sharp(data, { raw: { width, height: height * COLOURS.length, channels: 4, pageHeight: height } });
}

/** Frames, size of one frame, and the colour at the centre of each frame. */
async function inspect(bytes: Buffer) {
  const meta = await sharp(bytes).metadata();
  const { data, info } = await sharp(bytes, { animated: true })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const pages = meta.pages ?? 1;
  const h = info.height / pages;
  const centres: number[][] = [];
  for (let p = 0; p < pages; p++) {
    const o = ((p * h + Math.floor(h / 2)) * info.width + Math.floor(info.width / 2)) * 4;
    centres.push([data[o], data[o + 1], data[o + 2]]);
  }
  return { format: meta.format, pages, width: info.width, height: h, delay: meta.delay, centres };
}

function assertColours(centres: number[][], expected: readonly (readonly number[])[]): void {
  assert.equal(centres.length, expected.length);
  centres.forEach((c, i) => {
    for (let k = 0; k < 3; k++) assert.ok(Math.abs(c[k] - expected[i][k]) < 40, `frame ${i}: ${c} vs ${expected[i]}`);
  });
}

async function processed(key: string, process: string) {
  const r = await client.get(key, { process });
  return {
    type: String((r.res.headers as Record<string, string>)['content-type']),
    ...(await inspect(r.content as Buffer)),
  };
}

before(async () => {
  server = await startTestServer();
  client = await withBucket(server, BUCKET);
  await client.put('anim.gif', await frames(120, 90).gif({ delay: DELAY, loop: 0 }).toBuffer());
  await client.put('anim.webp', await frames(120, 90).webp({ delay: DELAY, loop: 0 }).toBuffer());
  const src = await inspect((await client.get('anim.gif')).content as Buffer);
  assert.equal(src.pages, 3);
});

after(async () => {
  await server.stop();
});

test('resize of an animated GIF keeps every frame, in order, with its delays', async () => {
  const r = await processed('anim.gif', 'image/resize,w_60');
  assert.equal(r.type, 'image/gif');
  assert.deepEqual([r.format, r.pages, r.width, r.height], ['gif', 3, 60, 45]);
  assert.deepEqual(r.delay, DELAY);
  assertColours(r.centres, COLOURS);
});

test('format,webp of an animated GIF is an animated WebP (alone and after a resize)', async () => {
  const w = await processed('anim.gif', 'image/format,webp');
  assert.equal(w.type, 'image/webp');
  assert.deepEqual([w.format, w.pages, w.width, w.height], ['webp', 3, 120, 90]);
  assertColours(w.centres, COLOURS);
  const rw = await processed('anim.gif', 'image/resize,m_fill,w_40,h_40/format,webp');
  assert.deepEqual([rw.format, rw.pages, rw.width, rw.height], ['webp', 3, 40, 40]);
});

test('crop and rotate keep the animation; an animated WebP source too', async () => {
  const c = await processed('anim.gif', 'image/crop,w_50,h_30,g_center');
  assert.deepEqual([c.pages, c.width, c.height], [3, 50, 30]);
  assertColours(c.centres, COLOURS);
  const r = await processed('anim.gif', 'image/resize,w_60/rotate,90');
  assert.deepEqual([r.pages, r.width, r.height], [3, 45, 60]);
  assertColours(r.centres, COLOURS);
  // Rotation straight from the source, a resize after a crop, an index crop: frame by frame.
  const r45 = await processed('anim.gif', 'image/rotate,180/crop,w_100,h_60/resize,w_50/indexcrop,x_20,i_1');
  assert.deepEqual([r45.pages, r45.width, r45.height], [3, 20, 30]);
  assertColours(r45.centres, COLOURS);
  const wp = await processed('anim.webp', 'image/resize,w_30/crop,w_20,h_10');
  assert.deepEqual([wp.format, wp.pages, wp.width, wp.height], ['webp', 3, 20, 10]);
  assertColours(wp.centres, COLOURS);
});

test('a still output format, or an action libvips cannot animate, gives the first frame', async () => {
  const png = await processed('anim.gif', 'image/resize,w_60/format,png');
  assert.deepEqual([png.format, png.pages, png.width, png.height], ['png', 1, 60, 45]);
  assertColours(png.centres, [COLOURS[0]]);
  const blurred = await processed('anim.gif', 'image/resize,w_60/blur,r_3,s_2');
  assert.deepEqual([blurred.format, blurred.pages, blurred.width, blurred.height], ['gif', 1, 60, 45]);
  assertColours(blurred.centres, [COLOURS[0]]);
});
