import { ImageFormat } from '@imgpipe/contracts';

/**
 * The image's own bytes with every piece of metadata removed and its pixels untouched: for a photo
 * in which nothing had to be blurred, this replaces a decode-and-re-encode that would cost time
 * and a generation of JPEG loss. Only what a decoder needs, and the ICC profile (so colours show as
 * they did), is kept; anything else, known or not, is dropped: EXIF (with GPS and serial numbers),
 * XMP, IPTC, comments, text chunks, embedded thumbnails and previews, and bytes after the image.
 *
 * Returns null when the file holds more than one picture (an animated PNG or WebP, whose other
 * frames were never searched) or is not laid out as the format says; the caller then re-encodes
 * the decoded first frame, as for any other image. EXIF orientation is dropped with the rest, so
 * this suits only images whose orientation is 1.
 */
export function stripMetadata(input: Buffer, format: ImageFormat): Buffer | null {
  try {
    switch (format) {
      case 'jpeg':
        return stripJpeg(input);
      case 'png':
        return stripPng(input);
      case 'webp':
        return stripWebp(input);
    }
  } catch (err) {
    if (err instanceof Malformed) return null;
    throw err;
  }
}

class Malformed extends Error {}

function need(condition: boolean): void {
  if (!condition) throw new Malformed();
}

const ascii = (buf: Buffer, start: number, length: number) => buf.toString('latin1', start, start + length);

// JPEG markers kept before and between scans. Frames: baseline, extended and progressive Huffman
// coding, what every browser shows; a lossless, hierarchical or arithmetic-coded file is re-encoded.
const SOF = new Set([0xc0, 0xc1, 0xc2]);
const JPEG_TABLES = new Set([0xc4, 0xdb, 0xdd, 0xdc]); // DHT, DQT, DRI, DNL
const SOS = 0xda;
const EOI = 0xd9;

/**
 * Kept: SOI, a plain JFIF APP0 (without a thumbnail), ICC_PROFILE APP2 segments, the Adobe APP14
 * (it says how to read the colour channels), tables, frame and scan headers, the entropy-coded
 * data and EOI. Everything after EOI (a second picture of a multi-picture file) is dropped.
 */
function stripJpeg(input: Buffer): Buffer {
  need(input.length > 4 && input[0] === 0xff && input[1] === 0xd8);
  const parts: Buffer[] = [input.subarray(0, 2)];
  let at = 2;
  let frames = 0;
  let scans = 0;
  for (;;) {
    need(at + 2 <= input.length && input[at] === 0xff);
    let marker = input[at + 1];
    while (marker === 0xff) {
      at++; // fill bytes before a marker
      need(at + 2 <= input.length);
      marker = input[at + 1];
    }
    if (marker === EOI) {
      need(frames === 1 && scans > 0);
      parts.push(Buffer.from([0xff, EOI]));
      return Buffer.concat(parts);
    }
    need(at + 4 <= input.length);
    const end = at + 2 + input.readUInt16BE(at + 2);
    need(end <= input.length && end > at + 3);
    const segment = input.subarray(at, end);
    const body = at + 4;
    if (SOF.has(marker)) {
      frames++;
      parts.push(segment);
    } else if (JPEG_TABLES.has(marker)) {
      parts.push(segment);
    } else if (marker === 0xe0) {
      // JFIF APP0 of exactly 16 bytes: no thumbnail pixels.
      if (end - at === 18 && ascii(input, body, 5) === 'JFIF\0' && input[body + 12] === 0 && input[body + 13] === 0) {
        parts.push(segment);
      }
    } else if (marker === 0xe2) {
      if (ascii(input, body, 12) === 'ICC_PROFILE\0') parts.push(segment);
    } else if (marker === 0xee) {
      if (ascii(input, body, 5) === 'Adobe') parts.push(segment);
    } else if (marker === SOS) {
      need(frames === 1);
      scans++;
      const dataEnd = entropyEnd(input, end);
      parts.push(input.subarray(at, dataEnd));
      at = dataEnd;
      continue;
    } else {
      // Dropped: other APPn (EXIF, XMP, IPTC, maker data, previews) and COM. Any other marker is
      // a coding this does not pass on.
      need((marker >= 0xe0 && marker <= 0xef) || marker === 0xfe);
    }
    at = end;
  }
}

/** Where the entropy-coded data that starts at `from` ends: at the first marker that is not a restart or a stuffed 0xFF. */
function entropyEnd(input: Buffer, from: number): number {
  for (let i = from; i + 1 < input.length; i++) {
    if (input[i] !== 0xff) continue;
    const next = input[i + 1];
    if (next === 0x00 || (next >= 0xd0 && next <= 0xd7) || next === 0xff) continue;
    return i;
  }
  throw new Malformed();
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** What a PNG decoder needs to show the same pixels in the same colours. */
const PNG_KEPT = new Set([
  'IHDR',
  'PLTE',
  'IDAT',
  'IEND',
  'tRNS',
  'gAMA',
  'cHRM',
  'sRGB',
  'iCCP',
  'sBIT',
  'bKGD',
  'pHYs',
]);

/** Drops every chunk not in PNG_KEPT (tEXt, zTXt, iTXt, eXIf, tIME, private chunks). */
function stripPng(input: Buffer): Buffer | null {
  need(input.length > 8 && input.subarray(0, 8).equals(PNG_SIGNATURE));
  const parts: Buffer[] = [PNG_SIGNATURE];
  for (let at = 8; ; ) {
    need(at + 12 <= input.length);
    const length = input.readUInt32BE(at);
    const type = ascii(input, at + 4, 4);
    const end = at + 12 + length;
    need(end <= input.length);
    if (type === 'acTL') return null; // animated: the other frames were never searched
    if (PNG_KEPT.has(type)) parts.push(input.subarray(at, end));
    if (type === 'IEND') return Buffer.concat(parts);
    at = end;
  }
}

/** WebP: the image data, its alpha and ICC profile; EXIF and XMP chunks dropped and their VP8X flags cleared. */
function stripWebp(input: Buffer): Buffer | null {
  need(input.length >= 20 && ascii(input, 0, 4) === 'RIFF' && ascii(input, 8, 4) === 'WEBP');
  const riffEnd = Math.min(input.length, 8 + input.readUInt32LE(4));
  const parts: Buffer[] = [];
  let images = 0;
  for (let at = 12; at < riffEnd; ) {
    need(at + 8 <= riffEnd);
    const type = ascii(input, at, 4);
    const size = input.readUInt32LE(at + 4);
    const end = at + 8 + size + (size % 2);
    need(at + 8 + size <= riffEnd);
    if (type === 'ANIM' || type === 'ANMF') return null;
    if (type === 'VP8X') {
      need(size >= 10);
      const chunk = Buffer.from(input.subarray(at, Math.min(end, riffEnd)));
      chunk[8] &= ~(0x08 | 0x04); // no EXIF, no XMP
      parts.push(chunk);
    } else if (type === 'VP8 ' || type === 'VP8L') {
      images++;
      parts.push(input.subarray(at, Math.min(end, riffEnd)));
    } else if (type === 'ALPH' || type === 'ICCP') {
      parts.push(input.subarray(at, Math.min(end, riffEnd)));
    }
    at = end;
  }
  need(images === 1);
  const body = Buffer.concat(parts);
  const header = Buffer.alloc(12);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(4 + body.length, 4);
  header.write('WEBP', 8, 'latin1');
  return Buffer.concat([header, body]);
}
