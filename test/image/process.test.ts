import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe as suite, test } from 'node:test';
import type OSS from 'ali-oss';
import sharp from 'sharp';
import { ossClient, startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';
import {
  describe,
  gif,
  jpeg,
  jpegWithOrientation,
  noisyRgb,
  pngWithAlpha,
  regionMean,
  solidPng,
  webp,
} from './fixtures.js';

let server: TestServer;
let client: OSS;
const BUCKET = 'img-proc';

async function processed(key: string, process: string): Promise<{ body: Buffer; type: string }> {
  const r = await client.get(key, { process });
  return { body: r.content as Buffer, type: String((r.res.headers as Record<string, string>)['content-type']) };
}

async function processError(key: string, process: string): Promise<{ status: number; code: string; message: string }> {
  try {
    await client.get(key, { process });
  } catch (err) {
    const e = err as { status: number; code: string; message: string };
    return { status: e.status, code: e.code, message: e.message };
  }
  assert.fail(`${process} should have failed`);
}

function b64url(s: string): string {
  return Buffer.from(s).toString('base64url');
}

before(async () => {
  server = await startTestServer();
  client = await withBucket(server, BUCKET);
  await client.put('photo.jpg', await jpegWithOrientation(400, 200, 6));
  await client.put('plain.jpg', await jpeg(400, 200));
  await client.put('alpha.png', await pngWithAlpha(200, 100));
  await client.put('anim.gif', await gif(100, 80));
  await client.put('pic.webp', await webp(120, 90));
  await client.put(
    'noisy.png',
    await sharp(noisyRgb(300, 150), { raw: { width: 300, height: 150, channels: 3 } })
      .png()
      .toBuffer(),
  );
  await client.put('mark.png', await solidPng(30, 20, { r: 0, g: 255, b: 0 }));
  await client.put('notes.txt', Buffer.from('not an image'));
});

after(async () => {
  await server.stop();
});

suite('resize', () => {
  const cases: [string, number, number][] = [
    ['image/resize,w_100,h_100', 100, 50],
    ['image/resize,m_lfit,w_100,h_100', 100, 50],
    ['image/resize,m_mfit,w_100,h_100', 200, 100],
    ['image/resize,m_fill,w_100,h_100', 100, 100],
    ['image/resize,m_pad,w_100,h_100', 100, 100],
    ['image/resize,m_fixed,w_100,h_30', 100, 30],
    ['image/resize,w_100', 100, 50],
    ['image/resize,h_50', 100, 50],
    ['image/resize,p_50', 200, 100],
    ['image/resize,l_100', 100, 50],
    ['image/resize,s_50', 100, 50],
    ['image/resize,w_800', 400, 200],
    ['image/resize,w_800,limit_0', 800, 400],
    ['image/resize,p_200', 400, 200],
  ];
  for (const [process, w, h] of cases) {
    test(`${process} → ${w}x${h}`, async () => {
      const { body, type } = await processed('plain.jpg', process);
      assert.equal(type, 'image/jpeg');
      assert.deepEqual(await describe(body), { format: 'jpeg', width: w, height: h });
    });
  }

  test('m_pad fills the margins with color (default white)', async () => {
    const red = await processed('plain.jpg', 'image/resize,m_pad,w_100,h_100,color_FF0000');
    const [r, g, b] = await regionMean(red.body, { left: 40, top: 0, width: 20, height: 15 });
    assert.ok(r > 200 && g < 60 && b < 60, `top margin is red: ${[r, g, b]}`);
    const white = await processed('plain.jpg', 'image/resize,m_pad,w_100,h_100');
    const [wr, wg, wb] = await regionMean(white.body, { left: 40, top: 0, width: 20, height: 15 });
    assert.ok(wr > 240 && wg > 240 && wb > 240, `top margin is white: ${[wr, wg, wb]}`);
  });

  test('GIF and WebP sources keep their format', async () => {
    const g = await processed('anim.gif', 'image/resize,w_50');
    assert.equal(g.type, 'image/gif');
    assert.deepEqual(await describe(g.body), { format: 'gif', width: 50, height: 40 });
    const w = await processed('pic.webp', 'image/resize,w_60');
    assert.equal(w.type, 'image/webp');
    assert.deepEqual(await describe(w.body), { format: 'webp', width: 60, height: 45 });
  });

  test('a resize beyond 16384 px is refused', async () => {
    const e = await processError('plain.jpg', 'image/resize,m_fixed,w_16384,h_16384,limit_0');
    assert.equal(e.status, 400);
    assert.equal(e.code, 'InvalidArgument');
  });
});

suite('orientation, crop and shapes', () => {
  test('auto-orient,1 applies EXIF orientation 6 (400x200 stored → 200x400); without it the stored size stays', async () => {
    const turned = await processed('photo.jpg', 'image/auto-orient,1/resize,w_100');
    assert.deepEqual(await describe(turned.body), { format: 'jpeg', width: 100, height: 200 });
    const kept = await processed('photo.jpg', 'image/resize,w_100');
    assert.deepEqual(await describe(kept.body), { format: 'jpeg', width: 100, height: 50 });
    assert.equal((await sharp(kept.body).metadata()).orientation, 6, 'the orientation tag is kept for viewers');
  });

  test('crop takes exactly the requested pixels (x, y, w, h from nw)', async () => {
    const { body } = await processed('noisy.png', 'image/crop,x_10,y_20,w_50,h_40');
    assert.deepEqual(await describe(body), { format: 'png', width: 50, height: 40 });
    const source = (await client.get('noisy.png')).content as Buffer;
    const want = await sharp(source).extract({ left: 10, top: 20, width: 50, height: 40 }).raw().toBuffer();
    const got = await sharp(body).removeAlpha().raw().toBuffer();
    assert.ok(want.equals(got), 'same pixels as cutting the source directly');
  });

  test('crop with g_se starts at the bottom-right cell and clamps to the edge', async () => {
    const { body } = await processed('noisy.png', 'image/crop,x_10,y_10,w_500,h_500,g_se');
    // 300x150: the se cell starts at (200, 100); +10 → (210, 110); clamped to 90x40.
    assert.deepEqual(await describe(body), { format: 'png', width: 90, height: 40 });
    const source = (await client.get('noisy.png')).content as Buffer;
    const want = await sharp(source).extract({ left: 210, top: 110, width: 90, height: 40 }).raw().toBuffer();
    assert.ok(want.equals(await sharp(body).removeAlpha().raw().toBuffer()));
  });

  test('indexcrop keeps piece i; an index past the end keeps the image', async () => {
    const piece = await processed('noisy.png', 'image/indexcrop,x_100,i_2');
    assert.deepEqual(await describe(piece.body), { format: 'png', width: 100, height: 150 });
    const whole = await processed('noisy.png', 'image/indexcrop,x_100,i_9');
    assert.deepEqual(await describe(whole.body), { format: 'png', width: 300, height: 150 });
  });

  test('circle and rounded-corners make the corners transparent in PNG', async () => {
    const c = await processed('noisy.png', 'image/circle,r_50');
    assert.deepEqual(await describe(c.body), { format: 'png', width: 100, height: 100 });
    const { data } = await sharp(c.body).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    assert.equal(data[3], 0, 'top-left corner transparent');
    assert.equal(data[(50 * 100 + 50) * 4 + 3], 255, 'centre opaque');
    const r = await processed('noisy.png', 'image/rounded-corners,r_30');
    const rd = await sharp(r.body).ensureAlpha().raw().toBuffer();
    assert.equal(rd[3], 0);
    assert.equal(rd[(75 * 300 + 150) * 4 + 3], 255);
  });

  test('rotate,90 swaps width and height', async () => {
    const { body } = await processed('plain.jpg', 'image/rotate,90');
    assert.deepEqual(await describe(body), { format: 'jpeg', width: 200, height: 400 });
  });

  test('blur, bright, contrast, sharpen change pixels and keep the size', async () => {
    const plain = await regionMean((await processed('noisy.png', 'image/format,png')).body, {
      left: 0,
      top: 0,
      width: 300,
      height: 150,
    });
    const brighter = await regionMean((await processed('noisy.png', 'image/bright,50')).body, {
      left: 0,
      top: 0,
      width: 300,
      height: 150,
    });
    assert.ok(brighter[1] > plain[1] + 50, `brighter: ${brighter} vs ${plain}`);
    for (const p of ['image/blur,r_3,s_2', 'image/contrast,-50', 'image/sharpen,200']) {
      assert.deepEqual(await describe((await processed('noisy.png', p)).body), {
        format: 'png',
        width: 300,
        height: 150,
      });
    }
  });
});

suite('format and quality', () => {
  const formats: [string, string, string][] = [
    ['png', 'image/png', 'png'],
    ['webp', 'image/webp', 'webp'],
    ['gif', 'image/gif', 'gif'],
    ['tiff', 'image/tiff', 'tiff'],
    ['jpg', 'image/jpeg', 'jpeg'],
    ['avif', 'image/avif', 'heif'],
  ];
  for (const [f, type, sharpFormat] of formats) {
    test(`format,${f}`, async () => {
      const r = await processed('plain.jpg', `image/resize,w_64/format,${f}`);
      assert.equal(r.type, type);
      assert.deepEqual(await describe(r.body), { format: sharpFormat, width: 64, height: 32 });
    });
  }

  test('format,bmp writes a 24-bit BMP', async () => {
    const r = await processed('plain.jpg', 'image/resize,w_64/format,bmp');
    assert.equal(r.type, 'image/bmp');
    assert.equal(r.body.subarray(0, 2).toString('latin1'), 'BM');
    assert.equal(r.body.readInt32LE(18), 64);
    assert.equal(r.body.readInt32LE(22), 32);
    assert.equal(r.body.readUInt32LE(2), r.body.length);
  });

  test('format,heic is refused (no HEVC encoder)', async () => {
    const e = await processError('plain.jpg', 'image/format,heic');
    assert.equal(e.status, 400);
    assert.equal(e.code, 'InvalidArgument');
  });

  test('a PNG with alpha converted to JPEG is flattened on white', async () => {
    const r = await processed('alpha.png', 'image/format,jpg');
    assert.equal(r.type, 'image/jpeg');
    const [cr, cg, cb] = await regionMean(r.body, { left: 0, top: 0, width: 20, height: 20 });
    assert.ok(cr > 240 && cg > 240 && cb > 240);
  });

  test('quality: q_30 is smaller than q_90, Q_ likewise; interlace,1 is progressive', async () => {
    const q30 = await processed('plain.jpg', 'image/quality,q_30');
    const q90 = await processed('plain.jpg', 'image/quality,q_90');
    assert.ok(q30.body.length < q90.body.length, `${q30.body.length} < ${q90.body.length}`);
    const Q20 = await processed('plain.jpg', 'image/quality,Q_20');
    const Q95 = await processed('plain.jpg', 'image/quality,Q_95');
    assert.ok(Q20.body.length < Q95.body.length);
    const prog = await processed('plain.jpg', 'image/interlace,1');
    assert.equal((await sharp(prog.body).metadata()).isProgressive, true);
    const base = await processed('plain.jpg', 'image/interlace,0');
    assert.equal((await sharp(base.body).metadata()).isProgressive, false);
  });
});

suite('watermark', () => {
  test('a text watermark at se changes the bottom-right corner only', async () => {
    const plain = (await processed('noisy.png', 'image/format,png')).body;
    const marked = (
      await processed('noisy.png', `image/watermark,text_${b64url('ossd')},color_FFFFFF,size_40,g_se,x_10,y_10`)
    ).body;
    const corner = { left: 200, top: 100, width: 90, height: 40 };
    const far = { left: 0, top: 0, width: 100, height: 50 };
    const [a, b] = [await regionMean(plain, corner), await regionMean(marked, corner)];
    assert.ok(Math.abs(a[1] - b[1]) + Math.abs(a[0] - b[0]) > 10, `corner differs: ${a} vs ${b}`);
    assert.deepEqual(await regionMean(plain, far), await regionMean(marked, far));
  });

  test('an image watermark from the same bucket lands at g_nw, x_10, y_10 with t_ opacity', async () => {
    const marked = (await processed('noisy.png', `image/watermark,image_${b64url('mark.png')},g_nw,x_10,y_10`)).body;
    const [r, g, b] = await regionMean(marked, { left: 12, top: 12, width: 20, height: 10 });
    assert.ok(g > 250 && r < 5 && b < 5, `green mark: ${[r, g, b]}`);
    const faint = (await processed('noisy.png', `image/watermark,image_${b64url('mark.png')},g_nw,t_50`)).body;
    const [, fg] = await regionMean(faint, { left: 12, top: 12, width: 20, height: 10 });
    assert.ok(fg < 250 && fg > 100, `half-transparent mark: ${fg}`);
  });

  test('a watermark image with its own P_ resize is scaled to a percentage of the main image', async () => {
    const w = `mark.png?x-oss-process=image/resize,P_50`;
    const marked = (await processed('noisy.png', `image/watermark,image_${b64url(w)},g_nw,x_0,y_0`)).body;
    // Fitted into 50% of 300x150 (150x75): the 30x20 mark becomes 112x75.
    const [, g] = await regionMean(marked, { left: 0, top: 0, width: 110, height: 74 });
    const [, outside] = await regionMean(marked, { left: 0, top: 80, width: 110, height: 20 });
    assert.ok(outside < 200, `below the mark is the image: ${outside}`);
    assert.ok(g > 250, `scaled mark covers the region: ${g}`);
  });

  test('a missing watermark image is a WatermarkError', async () => {
    const e = await processError('noisy.png', `image/watermark,image_${b64url('nope.png')}`);
    assert.equal(e.status, 400);
    assert.equal(e.code, 'WatermarkError');
  });
});

suite('info and average-hue', () => {
  test('info reports FileSize, Format, size and EXIF fields of the stored object', async () => {
    const head = await client.head('photo.jpg');
    const r = await processed('photo.jpg', 'image/info');
    assert.match(r.type, /application\/json/);
    const info = JSON.parse(r.body.toString()) as Record<string, { value: string }>;
    assert.equal(info.FileSize.value, String((head.res.headers as Record<string, string>)['content-length']));
    assert.equal(info.Format.value, 'jpg');
    assert.equal(info.ImageWidth.value, '400');
    assert.equal(info.ImageHeight.value, '200');
    assert.equal(info.Orientation.value, '6');
    assert.equal(info.Make.value, 'ossd-test');
    assert.equal(info.Model.value, 'fixture-cam');
  });

  test('average-hue is the mean colour', async () => {
    const r = await processed('noisy.png', 'image/average-hue');
    const { RGB } = JSON.parse(r.body.toString()) as { RGB: string };
    assert.match(RGB, /^0x[0-9a-f]{6}$/);
    const source = (await client.get('noisy.png')).content as Buffer;
    const stats = await sharp(source).stats();
    const want = stats.channels.slice(0, 3).map((c) => Math.round(c.mean));
    const got = [1, 3, 5].map((i) => Number.parseInt(RGB.slice(1 + i, 3 + i), 16));
    assert.deepEqual(got, want);
  });
});

suite('errors', () => {
  const cases: [string, string][] = [
    ['image/resize,w_0', 'InvalidArgument'],
    ['image/resize,w_100,m_abc', 'InvalidArgument'],
    ['image/resize', 'InvalidArgument'],
    ['image/foo,x_1', 'InvalidArgument'],
    ['image/crop,x_5000,w_10', 'InvalidArgument'],
    ['image/quality,q_0', 'InvalidArgument'],
    ['image/rotate,400', 'InvalidArgument'],
    ['image/blur,r_3', 'InvalidArgument'],
    ['image/watermark,text_!!!', 'InvalidArgument'],
  ];
  for (const [process, code] of cases) {
    test(`${process} → 400 ${code}`, async () => {
      const e = await processError('plain.jpg', process);
      assert.equal(e.status, 400);
      assert.equal(e.code, code);
    });
  }

  test('an object that is not an image → 400 BadRequest; a missing one → 404 NoSuchKey', async () => {
    const e = await processError('notes.txt', 'image/resize,w_10');
    assert.equal(e.status, 400);
    assert.equal(e.code, 'BadRequest');
    const m = await processError('missing.jpg', 'image/resize,w_10');
    assert.equal(m.status, 404);
    assert.equal(m.code, 'NoSuchKey');
  });

  test('a missing style → 404 NoSuchStyle', async () => {
    const e = await processError('plain.jpg', 'style/nothere');
    assert.equal(e.status, 404);
    assert.equal(e.code, 'NoSuchStyle');
  });
});

suite('signed URLs, ACLs, symlinks, cache', () => {
  test('signatureUrl (V1) and signatureUrlV4 carry the process', async () => {
    const v1 = client.signatureUrl('plain.jpg', { process: 'image/resize,w_40', expires: 300 });
    const r1 = await fetch(v1);
    assert.equal(r1.status, 200);
    assert.equal(r1.headers.get('content-type'), 'image/jpeg');
    assert.deepEqual(await describe(Buffer.from(await r1.arrayBuffer())), { format: 'jpeg', width: 40, height: 20 });

    const v4client = ossClient({
      endpoint: `http://localhost:${server.port}`,
      sldEnable: true,
      accessKeyId: 'testRootKeyId0001',
      accessKeySecret: 'testRootSecret000000000000001',
      bucket: BUCKET,
      region: 'oss-cn-hangzhou',
      authorizationV4: true,
    }) as OSS & {
      signatureUrlV4(m: string, e: number, r: { queries: Record<string, string> }, k: string): Promise<string>;
    };
    const v4 = await v4client.signatureUrlV4(
      'GET',
      300,
      { queries: { 'x-oss-process': 'image/resize,w_30' } },
      'plain.jpg',
    );
    const r4 = await fetch(v4);
    assert.equal(r4.status, 200, await r4.clone().text());
    assert.deepEqual(await describe(Buffer.from(await r4.arrayBuffer())), { format: 'jpeg', width: 30, height: 15 });

    const tampered = v1.replace('w_40', 'w_41');
    assert.equal((await fetch(tampered)).status, 403, 'the process is part of the V1 signature');
  });

  test('anonymous: a public-read image is processed, a private one is refused, a private watermark too', async () => {
    await client.put('public.jpg', await jpeg(100, 50), { headers: { 'x-oss-object-acl': 'public-read' } });
    const base = `http://localhost:${server.port}/${BUCKET}`;
    const ok = await fetch(`${base}/public.jpg?x-oss-process=image/resize,w_20`);
    assert.equal(ok.status, 200);
    assert.deepEqual(await describe(Buffer.from(await ok.arrayBuffer())), { format: 'jpeg', width: 20, height: 10 });
    const denied = await fetch(`${base}/plain.jpg?x-oss-process=image/resize,w_20`);
    assert.equal(denied.status, 403);
    assert.match(await denied.text(), /<Code>AccessDenied<\/Code>/);
    const viaMark = await fetch(`${base}/public.jpg?x-oss-process=image/watermark,image_${b64url('mark.png')}`);
    assert.equal(viaMark.status, 403, 'a private watermark image cannot be carried out by a public one');
  });

  test('a symlink to an image is processed as its target', async () => {
    await client.putSymlink('link.jpg', 'plain.jpg');
    const { body } = await processed('link.jpg', 'image/resize,w_50');
    assert.deepEqual(await describe(body), { format: 'jpeg', width: 50, height: 25 });
  });

  test('a repeated request is served from the disk cache; a new upload changes the result', async () => {
    const p = 'image/resize,w_77';
    const first = await processed('plain.jpg', p);
    const root = path.join(server.dataDir, 'image-cache');
    const files = () => readdirSync(root).flatMap((d) => readdirSync(path.join(root, d)));
    const before = files().length;
    const second = await processed('plain.jpg', p);
    assert.ok(first.body.equals(second.body));
    assert.equal(files().length, before, 'no new cache entry for a repeat');
    await client.put('plain2.jpg', await jpeg(300, 300));
    await client.copy('plain.jpg', 'plain2.jpg');
    const third = await processed('plain.jpg', p);
    assert.deepEqual(await describe(third.body), { format: 'jpeg', width: 77, height: 77 });
  });
});
