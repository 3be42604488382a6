import { parseArgs, positiveInt, single } from './args';

describe('parseArgs', () => {
  it('collects flags, inline values and repeated values', () => {
    const args = parseArgs(['--input', 'a.jpg', 'b.jpg', '--output=out', '--count', '3']);
    expect(args).toEqual({ _: [], input: ['a.jpg', 'b.jpg'], output: ['out'], count: ['3'] });
    expect(single(args, 'output')).toBe('out');
    expect(positiveInt(args, 'count', 1)).toBe(3);
    expect(positiveInt(args, 'concurrency', 2)).toBe(2);
  });

  it('refuses bad values with a message naming the flag', () => {
    expect(() => positiveInt(parseArgs(['--count', '0']), 'count', 1)).toThrow(
      '--count must be a positive integer (got "0")',
    );
    expect(() => single(parseArgs(['--output', 'a', 'b']), 'output')).toThrow('--output takes one value');
  });
});
