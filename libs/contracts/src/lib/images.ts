/** Image formats the pipeline accepts and writes back in the same format. */
export const IMAGE_FORMATS = ['jpeg', 'png', 'webp'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

export const IMAGE_EXTENSIONS: Readonly<Record<ImageFormat, string>> = {
  jpeg: 'jpg',
  png: 'png',
  webp: 'webp',
};

export const IMAGE_CONTENT_TYPES: Readonly<Record<ImageFormat, string>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
};

export function isImageFormat(value: unknown): value is ImageFormat {
  return typeof value === 'string' && (IMAGE_FORMATS as readonly string[]).includes(value);
}

/**
 * Tells the format from the file's first bytes, never from its name or declared type.
 * Returns null for anything that is not JPEG, PNG or WebP.
 */
export function sniffImageFormat(head: Uint8Array): ImageFormat | null {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (head.length >= 8 && png.every((b, i) => head[i] === b)) return 'png';
  if (head.length >= 12 && ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return 'webp';
  return null;
}

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...bytes.subarray(start, end));
}

/**
 * Finds a cut-off or structurally broken file by walking its container (JPEG segments and scan
 * data up to the end-of-image marker, PNG chunks up to IEND, the WebP RIFF length) without
 * decoding a pixel. Returns what is wrong, or null for a complete file. Bytes after the end of the
 * image (camera trailers) are allowed.
 */
export function findStructuralDefect(bytes: Uint8Array, format: ImageFormat): string | null {
  switch (format) {
    case 'jpeg':
      return jpegDefect(bytes);
    case 'png':
      return pngDefect(bytes);
    case 'webp':
      return webpDefect(bytes);
  }
}

const TRUNCATED = 'the file is truncated';

function jpegDefect(bytes: Uint8Array): string | null {
  const n = bytes.length;
  let i = 2; // after SOI
  while (i + 1 < n) {
    if (bytes[i] !== 0xff) return `bad JPEG marker at byte ${i}`;
    const marker = bytes[i + 1];
    if (marker === 0xff) {
      i += 1; // fill byte
      continue;
    }
    if (marker === 0xd9) return null; // EOI
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2; // markers without a length
      continue;
    }
    if (i + 3 >= n) return TRUNCATED;
    const length = (bytes[i + 2] << 8) | bytes[i + 3];
    if (length < 2) return `bad JPEG segment length at byte ${i}`;
    i += 2 + length;
    if (i > n) return TRUNCATED;
    if (marker !== 0xda) continue;
    // Entropy-coded scan data: 0xFF appears only stuffed (FF 00) or as a restart marker until the next marker.
    for (;;) {
      const ff = bytes.indexOf(0xff, i);
      if (ff < 0 || ff + 1 >= n) return TRUNCATED;
      const next = bytes[ff + 1];
      if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) {
        i = ff + 2;
        continue;
      }
      i = ff;
      break;
    }
  }
  return TRUNCATED;
}

function pngDefect(bytes: Uint8Array): string | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let i = 8; // after the signature
  while (i + 8 <= bytes.length) {
    const end = i + 12 + view.getUint32(i);
    if (end > bytes.length) return TRUNCATED;
    if (ascii(bytes, i + 4, i + 8) === 'IEND') return null;
    i = end;
  }
  return TRUNCATED;
}

function webpDefect(bytes: Uint8Array): string | null {
  if (bytes.length < 12) return TRUNCATED;
  const riffSize = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
  return riffSize + 8 > bytes.length ? TRUNCATED : null;
}
