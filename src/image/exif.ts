/** EXIF tags reported by image/info, by tag id (IFD0 and the Exif and GPS sub-IFDs). */
const TAG_NAMES: Record<number, string> = {
  271: 'Make',
  272: 'Model',
  274: 'Orientation',
  282: 'XResolution',
  283: 'YResolution',
  296: 'ResolutionUnit',
  305: 'Software',
  306: 'DateTime',
  315: 'Artist',
  33432: 'Copyright',
  33434: 'ExposureTime',
  33437: 'FNumber',
  34850: 'ExposureProgram',
  34855: 'ISOSpeedRatings',
  36864: 'ExifVersion',
  36867: 'DateTimeOriginal',
  36868: 'DateTimeDigitized',
  37377: 'ShutterSpeedValue',
  37378: 'ApertureValue',
  37380: 'ExposureBiasValue',
  37383: 'MeteringMode',
  37385: 'Flash',
  37386: 'FocalLength',
  40961: 'ColorSpace',
  40962: 'PixelXDimension',
  40963: 'PixelYDimension',
  41986: 'ExposureMode',
  41987: 'WhiteBalance',
  41989: 'FocalLengthIn35mmFilm',
  42036: 'LensModel',
};
const GPS_NAMES: Record<number, string> = {
  1: 'GPSLatitudeRef',
  2: 'GPSLatitude',
  3: 'GPSLongitudeRef',
  4: 'GPSLongitude',
  5: 'GPSAltitudeRef',
  6: 'GPSAltitude',
  7: 'GPSTimeStamp',
  29: 'GPSDateStamp',
};
const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 9: 4, 10: 8 };
const MAX_ENTRIES = 512;

/** Parses an EXIF block (`Exif\0\0` + TIFF, as sharp returns it) into name → text, OSS style. Never throws. */
export function parseExif(exif: Buffer | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!exif) return out;
  try {
    const base = exif.subarray(0, 6).toString('latin1') === 'Exif\0\0' ? 6 : 0;
    const t = exif.subarray(base);
    const le = t.subarray(0, 2).toString('latin1') === 'II';
    const u16 = (o: number) => (le ? t.readUInt16LE(o) : t.readUInt16BE(o));
    const u32 = (o: number) => (le ? t.readUInt32LE(o) : t.readUInt32BE(o));
    const i32 = (o: number) => (le ? t.readInt32LE(o) : t.readInt32BE(o));
    const value = (type: number, count: number, at: number): string => {
      const n = Math.min(count, 64);
      if (type === 2)
        return t
          .subarray(at, at + count)
          .toString('latin1')
          .replace(/\0+$/, '')
          .trim();
      if (type === 7)
        return t
          .subarray(at, at + n)
          .toString('latin1')
          .replace(/\0+$/, '');
      const parts: string[] = [];
      for (let k = 0; k < n; k++) {
        const o = at + k * TYPE_SIZE[type];
        if (type === 1) parts.push(String(t[o]));
        else if (type === 3) parts.push(String(u16(o)));
        else if (type === 4) parts.push(String(u32(o)));
        else if (type === 9) parts.push(String(i32(o)));
        else if (type === 5) parts.push(`${u32(o)}/${u32(o + 4)}`);
        else if (type === 10) parts.push(`${i32(o)}/${i32(o + 4)}`);
      }
      return parts.join(' ');
    };
    const seen = new Set<number>();
    const walk = (ifd: number, names: Record<number, string>): void => {
      if (seen.has(ifd) || ifd + 2 > t.length) return;
      seen.add(ifd);
      const count = Math.min(u16(ifd), MAX_ENTRIES);
      for (let e = 0; e < count; e++) {
        const entry = ifd + 2 + e * 12;
        if (entry + 12 > t.length) return;
        const tag = u16(entry);
        const type = u16(entry + 2);
        const n = u32(entry + 4);
        if (tag === 0x8769) walk(u32(entry + 8), TAG_NAMES);
        else if (tag === 0x8825) walk(u32(entry + 8), GPS_NAMES);
        const name = names[tag];
        const size = TYPE_SIZE[type];
        if (!name || !size) continue;
        const at = size * n <= 4 ? entry + 8 : u32(entry + 8);
        if (at + size * Math.min(n, 64) > t.length) continue;
        out[name] = value(type, n, at);
      }
    };
    walk(u32(4), TAG_NAMES);
  } catch {
    // A damaged EXIF block reports what was read before the damage.
  }
  return out;
}
