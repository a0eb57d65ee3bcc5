/** Key order helpers shared by the SQLite listings (keys compare as UTF-8 bytes, i.e. code points). */

/** The smallest string greater than every string starting with `prefix` (UTF-8 / code point order);
 * '' when there is none (a prefix of U+10FFFF only). */
export function prefixSuccessor(prefix: string): string {
  const cps = Array.from(prefix);
  while (cps.length) {
    const last = cps.pop()!.codePointAt(0)!;
    if (last < 0x10ffff) {
      let next = last + 1;
      if (next >= 0xd800 && next <= 0xdfff) next = 0xe000;
      return cps.join('') + String.fromCodePoint(next);
    }
  }
  return '';
}
