import { partitionImages } from './files';
import { normaliseToken } from './token';

describe('partitionImages', () => {
  it('keeps photos by type or extension and skips the rest of a folder', () => {
    const { images, skipped } = partitionImages([
      { name: 'a.jpg', type: 'image/jpeg' },
      { name: 'B.JPEG', type: '' },
      { name: 'c.png', type: 'image/png' },
      { name: 'd', type: 'image/webp' },
      { name: 'notes.txt', type: 'text/plain' },
      { name: 'Thumbs.db', type: '' },
      { name: 'raw.cr2', type: 'image/x-canon-cr2' },
    ]);
    expect(images.map((f) => f.name)).toEqual(['a.jpg', 'B.JPEG', 'c.png', 'd']);
    expect(skipped.map((f) => f.name)).toEqual(['notes.txt', 'Thumbs.db', 'raw.cr2']);
  });
});

describe('normaliseToken', () => {
  it('accepts a pasted Authorization value as well as the bare token', () => {
    expect(normaliseToken('  eyJhbGc.payload.sig \n')).toBe('eyJhbGc.payload.sig');
    expect(normaliseToken('Bearer eyJhbGc.payload.sig')).toBe('eyJhbGc.payload.sig');
    expect(normaliseToken('')).toBe('');
  });
});
