import { Flags, parseArgs, positiveInt, single } from './args';

const FLAGS: Flags = { input: 'value', output: 'value', count: 'value', concurrency: 'value', dry: 'switch' };

describe('parseArgs', () => {
  it('collects flags, inline values and, where allowed, bare values', () => {
    const args = parseArgs(['--input', 'a.jpg', 'b.jpg', '--output=out', '--count', '3', '--dry'], FLAGS, {
      positionals: true,
    });
    expect(args).toEqual({ _: ['b.jpg'], input: ['a.jpg'], output: ['out'], count: ['3'], dry: [] });
    expect(single(args, 'output')).toBe('out');
    expect(positiveInt(args, 'count', 1)).toBe(3);
    expect(positiveInt(args, 'concurrency', 2)).toBe(2);
  });

  it('keeps a repeated flag\u2019s values, so a one-value flag can refuse the repeat', () => {
    const args = parseArgs(['--input', 'a.jpg', '--input', 'b.jpg', '--output', 'a', '--output', 'b'], FLAGS);
    expect(args['input']).toEqual(['a.jpg', 'b.jpg']);
    expect(() => single(args, 'output')).toThrow('--output takes one value');
  });

  it('refuses unknown flags, bare values where none are allowed, and a value on a switch', () => {
    expect(() => parseArgs(['--bogus', '1'], FLAGS)).toThrow(/Unknown option '--bogus'/);
    expect(() => parseArgs(['--output', 'a', 'b'], FLAGS)).toThrow(/Unexpected argument 'b'/);
    expect(() => parseArgs(['--dry=yes'], FLAGS)).toThrow(/--dry.*does not take an argument/);
    expect(() => parseArgs(['--output'], FLAGS)).toThrow(/argument missing/);
  });

  it('refuses bad values with a message naming the flag', () => {
    expect(() => positiveInt(parseArgs(['--count', '0'], FLAGS), 'count', 1)).toThrow(
      '--count must be a positive integer (got "0")',
    );
  });
});
