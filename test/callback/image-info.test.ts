import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ImageSniffer, sniff } from '../../src/callback/image-info.js';

import { bmp, gif, jpeg, png, webpLossless } from '../helpers/images.js';

function feed(data: Buffer, chunkSize: number, limit?: number) {
  const s = new ImageSniffer(limit);
  for (let i = 0; i < data.length; i += chunkSize) s.push(data.subarray(i, i + chunkSize));
  return s.result();
}

describe('ImageSniffer', () => {
  const cases: [string, Buffer, { width: number; height: number; format: string }][] = [
    ['png', png(3, 2), { width: 3, height: 2, format: 'png' }],
    ['gif', gif(5, 7), { width: 5, height: 7, format: 'gif' }],
    ['bmp', bmp(4, 3), { width: 4, height: 3, format: 'bmp' }],
    ['webp', webpLossless(300, 200), { width: 300, height: 200, format: 'webp' }],
    ['jpeg', jpeg(640, 480), { width: 640, height: 480, format: 'jpg' }],
  ];
  for (const [name, data, expected] of cases) {
    it(`recognises ${name} whole and fed byte by byte`, () => {
      assert.deepEqual(feed(data, data.length), expected);
      assert.deepEqual(feed(data, 1), expected);
    });
  }

  it('returns undefined for non-images, SVG, empty and truncated input', () => {
    assert.equal(feed(Buffer.from('hello world, this is text'), 4), undefined);
    assert.equal(
      feed(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'), 64),
      undefined,
    );
    assert.equal(new ImageSniffer().result(), undefined);
    assert.equal(feed(jpeg(10, 10).subarray(0, 22), 7), undefined);
    assert.equal(feed(png(3, 2).subarray(0, 20), 7), undefined);
    assert.equal(sniff(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0])), undefined);
  });

  it('keeps only a bounded prefix', () => {
    // SOF after ~200 KB of APP segments: beyond the default 128 KB prefix, found with a larger limit
    const big = jpeg(800, 600, 200 * 1024);
    assert.equal(feed(big, 65536), undefined);
    assert.deepEqual(feed(big, 65536, 256 * 1024), { width: 800, height: 600, format: 'jpg' });
    const s = new ImageSniffer(1024);
    const image = png(3, 2);
    s.push(image);
    for (let i = 0; i < 1000; i++) s.push(Buffer.alloc(4096));
    assert.deepEqual(s.result(), { width: 3, height: 2, format: 'png' });
  });
});
