/** The IJG standard luminance quantisation table (any order: only its sum is used). */
const STD_LUMA = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51,
  87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101,
  72, 92, 95, 98, 112, 100, 103, 99,
];

function tableSum(q: number): number {
  const scale = q < 50 ? 5000 / q : 200 - 2 * q;
  let sum = 0;
  for (const v of STD_LUMA) sum += Math.min(255, Math.max(1, Math.floor((v * scale + 50) / 100)));
  return sum;
}

/**
 * Estimates the IJG quality (1–100) a JPEG was saved with from its first quantisation table, the way
 * "relative quality" (quality,q_) needs it. Undefined when the bytes have no 8-bit DQT before the scan.
 */
export function estimateJpegQuality(jpeg: Buffer): number | undefined {
  let i = 2;
  while (i + 4 <= jpeg.length && jpeg[i] === 0xff) {
    const marker = jpeg[i + 1];
    const len = jpeg.readUInt16BE(i + 2);
    if (marker === 0xda) return undefined;
    if (marker === 0xdb && i + 4 + 65 <= jpeg.length && jpeg[i + 4] >> 4 === 0) {
      let sum = 0;
      for (let k = 0; k < 64; k++) sum += jpeg[i + 5 + k];
      let best = 1;
      for (let q = 1; q <= 100; q++) if (Math.abs(tableSum(q) - sum) < Math.abs(tableSum(best) - sum)) best = q;
      return best;
    }
    i += 2 + len;
  }
  return undefined;
}
