import { sanitizeFilename } from './filenames';

describe('sanitizeFilename', () => {
  it.each([
    ['street.jpg', 'street.jpg'],
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\me\\car.png', 'car.png'],
    ['bad\u0000name\n.jpg', 'badname.jpg'],
    ['..', 'upload'],
    ['', 'upload'],
    [undefined, 'upload'],
  ])('%j becomes %j', (input, expected) => {
    expect(sanitizeFilename(input)).toBe(expected);
  });

  it('decodes UTF-8 names that arrive as latin1 and caps the length', () => {
    expect(sanitizeFilename(Buffer.from('café.jpg', 'utf8').toString('latin1'))).toBe('café.jpg');
    expect(sanitizeFilename('a'.repeat(400) + '.jpg')).toHaveLength(255);
  });
});
