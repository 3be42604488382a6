import { basename } from 'node:path';

/**
 * The filename echoed back to the client: no directory parts, no control characters, at most
 * 255 characters. It is never used in a storage key.
 */
export function sanitizeFilename(name: string | undefined): string {
  // Multer decodes the header as latin1; browsers and curl send UTF-8.
  const decoded = Buffer.from(name ?? '', 'latin1').toString('utf8');
  const base = basename(decoded.replace(/\\/g, '/'))
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '')
    .trim();
  const safe = base === '.' || base === '..' ? '' : base;
  return (safe || 'upload').slice(0, 255);
}
