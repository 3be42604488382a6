import { ChildMessage, ParentMessage, listSource, parentSource } from './work-source';

describe('listSource', () => {
  it('hands out each file once, in order, with unique output stems', async () => {
    const source = listSource(['/a/x.jpg', '/b/x.png', '/c/y.webp']);
    const items = [await source.next(), await source.next(), await source.next(), await source.next()];
    expect(source.total).toBe(3);
    expect(items).toEqual([
      { file: '/a/x.jpg', stem: 'x' },
      { file: '/b/x.png', stem: 'x-2' },
      { file: '/c/y.webp', stem: 'y' },
      undefined,
    ]);
  });
});

describe('parentSource', () => {
  const sent: ChildMessage[] = [];
  const original = process.send;
  beforeEach(() => {
    sent.length = 0;
    process.send = ((message: ChildMessage) => sent.push(message) > 0) as typeof process.send;
  });
  afterEach(() => {
    process.send = original;
    process.removeAllListeners('message');
  });
  const answer = (message: ParentMessage) => process.emit('message', message, undefined);

  it('asks the parent for each image, answers the askers in order, and reports each outcome', async () => {
    const source = parentSource();
    const first = source.next();
    const second = source.next();
    expect(sent).toEqual([{ type: 'want' }, { type: 'want' }]);
    answer({ type: 'image', index: 7, path: '/p/sample1.jpg' });
    answer({ type: 'end' });
    const item = await first;
    expect(item).toEqual({ file: '/p/sample1.jpg', stem: 'sample1-7' });
    expect(await second).toBeUndefined();
    source.finished(item as NonNullable<typeof item>, false);
    expect(sent[2]).toEqual({ type: 'done', index: 7, ok: false });
    expect(source.total).toBeUndefined();
  });

  it('refuses to start without an IPC channel', () => {
    process.send = undefined;
    expect(() => parentSource()).toThrow('--inputs-from-parent needs a parent process with an IPC channel');
  });
});
