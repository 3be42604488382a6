import { PipelineConfig } from '@imgpipe/config';
import { AdmissionService } from './admission.service';
import { ImageQueue } from './image-queue.service';
import { JobStatsStore } from './job-stats.store';

/** A queue whose depth read resolves only when the test says, as a slow Redis round trip would. */
class SlowQueue {
  waiting = 0;
  readonly pending: (() => void)[] = [];
  depth() {
    return new Promise<{ waiting: number; active: number }>((done) =>
      this.pending.push(() => done({ waiting: this.waiting, active: 0 })),
    );
  }
  async workerCount() {
    return 1;
  }
  answerAll() {
    this.pending.splice(0).forEach((answer) => answer());
  }
}

const noCompletions = { recentCompletions: async () => ({ count: 0, oldestAt: null }) };
// One worker assumed at 0.5 jobs/s and a 12 s target, admitted up to 90 % of it (10.8 s): 5 jobs fit.
const config = { latencyTargetS: 12, maxQueueSize: 1000 } as PipelineConfig;

describe('AdmissionService', () => {
  let queue: SlowQueue;
  let admission: AdmissionService;
  beforeEach(() => {
    queue = new SlowQueue();
    admission = new AdmissionService(queue as unknown as ImageQueue, noCompletions as unknown as JobStatsStore, config);
  });

  const settle = () => new Promise((done) => setImmediate(done));

  it('counts simultaneous admissions that no depth read has seen yet', async () => {
    const decisions = Array.from({ length: 8 }, () => admission.admit(1));
    await settle();
    queue.answerAll();
    const admitted = (await Promise.all(decisions)).filter((d) => d.admit);
    expect(admitted).toHaveLength(5);
  });

  it('stops counting a released admission once a read started after its jobs were enqueued', async () => {
    const first = admission.admit(5);
    await settle();
    queue.answerAll();
    const held = await first;
    expect(held.admit).toBe(true);

    // A read that Redis answered before the 5 jobs were enqueued, released while it was in flight.
    const during = admission.admit(1);
    await settle();
    held.release();
    queue.answerAll();
    expect((await during).admit).toBe(false);

    // A later read sees them in Redis: counted once, not twice.
    queue.waiting = 4;
    const after = admission.admit(1);
    await settle();
    queue.answerAll();
    expect((await after).admit).toBe(true);
  });
});
