/** OSS image-processing limits (OSS "Resize images" → Limits), applied before any pixel is decoded. */
export const LIMITS = {
  /** Largest source object processed, in bytes (OSS: 20 MB). */
  sourceBytes: 20 * 1024 * 1024,
  /** Largest source width or height (OSS: 30,000 px). */
  sourceSide: 30_000,
  /** Largest source area, width × height × frames (OSS: 250 megapixels). */
  sourcePixels: 250_000_000,
  /** Largest width or height an action may produce (OSS: 16,384 px). */
  outputSide: 16_384,
  /** Largest area an action may produce (OSS: 16,777,216 px). */
  outputPixels: 16_777_216,
  /** Longest process string accepted (styles included). */
  processLength: 4096,
  /** Most actions in one process string. */
  actions: 32,
} as const;
