import { Queue } from 'bull';
import { ProcessImagePayload } from '@imgpipe/contracts';
import { loadConfig } from '@imgpipe/config';
import { ImageQueue } from './image-queue.service';
import { RedisUnavailableError } from './redis';

/** Bull's queue as far as enqueueing goes: what was added, with which options, and what became of it. */
function fakeQueue(acks: number | Error) {
  const jobs: { id: string; opts: Record<string, unknown>; promoted: boolean; removed: boolean }[] = [];
  const queue = {
    client: {
      status: 'ready',
      wait: jest.fn(async () => {
        if (acks instanceof Error) throw acks;
        return acks;
      }),
    },
    add: jest.fn(async (_name: string, _data: unknown, opts: { jobId: string }) => {
      const job = { id: opts.jobId, opts, promoted: false, removed: false };
      jobs.push(job);
      return {
        id: job.id,
        promote: async () => void (job.promoted = true),
        remove: async () => void (job.removed = true),
      };
    }),
  };
  return { queue: queue as unknown as Queue<ProcessImagePayload>, jobs, wait: queue.client.wait };
}

const payload: ProcessImagePayload = {
  job_id: '0b6c5e9e-3f0e-4b8e-9d4b-7a1f4f1f2c3d',
  original_key: 'original/0b6c5e9e-3f0e-4b8e-9d4b-7a1f4f1f2c3d.jpg',
  format: 'jpeg',
  filename: 'a.jpg',
  file_size: 10,
  submitted_at: 1,
};

describe('ImageQueue.enqueue', () => {
  it('adds the job for the workers at once when no replica must acknowledge it', async () => {
    const { queue, jobs, wait } = fakeQueue(0);
    await new ImageQueue(queue, loadConfig({})).enqueue(payload);
    expect(jobs).toEqual([{ id: payload.job_id, opts: { jobId: payload.job_id }, promoted: false, removed: false }]);
    expect(wait).not.toHaveBeenCalled();
  });

  it('holds the job back until a replica has it, then releases it', async () => {
    const { queue, jobs, wait } = fakeQueue(1);
    await new ImageQueue(queue, loadConfig({ REDIS_SENTINELS: 's:26379' })).enqueue(payload);
    expect(wait).toHaveBeenCalledWith(1, 1000);
    expect(jobs).toEqual([
      { id: payload.job_id, opts: { jobId: payload.job_id, delay: 7000 }, promoted: true, removed: false },
    ]);
  });

  it.each([
    ['too few replicas acknowledge', 1, /1 of 2 replicas acknowledged the job within 1000 ms/],
    ['the WAIT itself fails', new Error('Connection is closed.'), /Connection is closed/],
  ])('withdraws the job and refuses the upload when %s', async (_, acks, message) => {
    const { queue, jobs } = fakeQueue(acks);
    const refused = new ImageQueue(
      queue,
      loadConfig({ REDIS_SENTINELS: 's:26379', REDIS_MIN_REPLICAS_ACK: '2' }),
    ).enqueue(payload);
    await expect(refused).rejects.toThrow(RedisUnavailableError);
    await expect(refused).rejects.toThrow(message);
    expect(jobs).toMatchObject([{ promoted: false, removed: true }]);
  });
});
