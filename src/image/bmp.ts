/** Encodes 8-bit RGB or RGBA pixels as an uncompressed bottom-up BMP (24 or 32 bits per pixel). */
export function encodeBmp(data: Buffer, width: number, height: number, channels: 3 | 4): Buffer {
  const bpp = channels === 4 ? 4 : 3;
  const rowSize = Math.ceil((width * bpp) / 4) * 4;
  const headerSize = 14 + 40;
  const out = Buffer.alloc(headerSize + rowSize * height);
  out.write('BM', 0, 'ascii');
  out.writeUInt32LE(out.length, 2);
  out.writeUInt32LE(headerSize, 10);
  out.writeUInt32LE(40, 14);
  out.writeInt32LE(width, 18);
  out.writeInt32LE(height, 22);
  out.writeUInt16LE(1, 26);
  out.writeUInt16LE(bpp * 8, 28);
  out.writeUInt32LE(rowSize * height, 34);
  out.writeInt32LE(2835, 38); // 72 dpi
  out.writeInt32LE(2835, 42);
  for (let y = 0; y < height; y++) {
    const src = (height - 1 - y) * width * channels;
    let dst = headerSize + y * rowSize;
    for (let x = 0; x < width; x++) {
      const p = src + x * channels;
      out[dst++] = data[p + 2];
      out[dst++] = data[p + 1];
      out[dst++] = data[p];
      if (bpp === 4) out[dst++] = data[p + 3];
    }
  }
  return out;
}
