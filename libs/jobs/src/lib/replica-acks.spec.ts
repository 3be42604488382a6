import { ReplicaAcks } from './replica-acks';

describe('ReplicaAcks', () => {
  function controlled() {
    const sent: { resolve: (n: number) => void; reject: (e: Error) => void }[] = [];
    const acks = new ReplicaAcks(() => new Promise<number>((resolve, reject) => sent.push({ resolve, reject })));
    return { acks, sent };
  }

  it('sends one WAIT when nothing is out, and one more for everyone who came while it was', async () => {
    const { acks, sent } = controlled();
    const first = acks.confirm();
    const second = acks.confirm();
    const third = acks.confirm();
    expect(sent).toHaveLength(1);
    sent[0].resolve(1);
    expect(await first).toBe(1);
    await Promise.resolve();
    await Promise.resolve();
    expect(sent).toHaveLength(2);
    sent[1].resolve(2);
    expect(await Promise.all([second, third])).toEqual([2, 2]);
    const fourth = acks.confirm();
    expect(sent).toHaveLength(3);
    sent[2].resolve(0);
    expect(await fourth).toBe(0);
  });

  it('hands a failed WAIT to its own callers only; the next one is still sent', async () => {
    const { acks, sent } = controlled();
    const first = acks.confirm();
    const second = acks.confirm();
    sent[0].reject(new Error('connection lost'));
    await expect(first).rejects.toThrow('connection lost');
    await new Promise((r) => setImmediate(r));
    expect(sent).toHaveLength(2);
    sent[1].resolve(1);
    expect(await second).toBe(1);
  });
});
