import { PassThrough } from 'node:stream';
import { Progress } from './progress';

/** A stream that records what the bar writes; `tty` makes it look like a terminal. */
function capture(tty: boolean) {
  const stream = Object.assign(new PassThrough(), { isTTY: tty, columns: 120 }) as unknown as NodeJS.WriteStream;
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

describe('Progress', () => {
  it('draws the bar with count and rate on a terminal, and notes above it', () => {
    const out = capture(true);
    const progress = new Progress(4, out.stream);
    progress.tick();
    progress.note('a.jpg: not a JPEG, PNG or WebP image');
    for (let i = 0; i < 3; i++) progress.tick();
    progress.done();
    expect(out.text()).toContain('\r\x1b[Ka.jpg: not a JPEG, PNG or WebP image\n');
    expect(out.text()).toMatch(/\[#{30}\] 4\/4 \d+\.\d\d images\/s/);
  });

  it('writes whole lines, not terminal codes, to a log, and the final count at the end', () => {
    const out = capture(false);
    const progress = new Progress(2, out.stream);
    progress.tick();
    progress.note('b.jpg: failed');
    progress.tick();
    progress.done();
    expect(out.text()).not.toContain('\x1b[');
    expect(out.text()).toContain('b.jpg: failed\n');
    expect(out.text()).toMatch(/\[#{30}\] 2\/2 \d+\.\d\d images\/s\n$/);
  });
});
