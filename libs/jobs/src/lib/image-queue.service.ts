import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bull';
import { Job, Queue } from 'bull';
import {
  JobName,
  ProcessImagePayload,
  QUEUE_NAME,
  QueueStatusView,
  validateProcessImagePayload,
} from '@imgpipe/contracts';
import { PIPELINE_CONFIG, PipelineConfig } from '@imgpipe/config';
import { RedisUnavailableError, REDIS_TIMEOUT_MS, connectedAddress, withRedisTimeout } from './redis';
import { ReplicaAcks } from './replica-acks';

/** What Bull's own keys say of the queue; the admission fields come from AdmissionService. */
export type QueueState = Omit<
  QueueStatusView,
  'predicted_wait_seconds' | 'drain_rate_per_second' | 'drain_rate_source' | 'latency_target_seconds'
>;

/** The producer side of the queue, and what it knows of its own depth. */
@Injectable()
export class ImageQueue {
  private readonly logger = new Logger(ImageQueue.name);
  private readonly acks: ReplicaAcks;

  constructor(
    @InjectQueue(QUEUE_NAME) readonly queue: Queue<ProcessImagePayload>,
    @Inject(PIPELINE_CONFIG) private readonly config: PipelineConfig,
  ) {
    this.acks = new ReplicaAcks(() =>
      withRedisTimeout(
        this.queue.client.wait(config.redisMinReplicasAck, config.redisAckTimeoutMs),
        config.redisAckTimeoutMs + REDIS_TIMEOUT_MS,
        'wait for replicas',
      ),
    );
  }

  /** Bull's client queues commands while disconnected; refuse up front instead of hanging the request. */
  assertConnected(): void {
    const state = this.queue.client.status;
    if (state !== 'ready') throw new RedisUnavailableError(`connection is ${state}`);
  }

  /** Jobs waiting to start and jobs being processed: the work ahead of a new upload. */
  async depth(): Promise<{ waiting: number; active: number }> {
    this.assertConnected();
    const [waiting, active] = await withRedisTimeout(
      Promise.all([this.queue.getWaitingCount(), this.queue.getActiveCount()]),
      REDIS_TIMEOUT_MS,
      'count queued jobs',
    );
    return { waiting, active };
  }

  /** Worker processes connected to the queue. */
  async workerCount(): Promise<number> {
    this.assertConnected();
    const workers = await withRedisTimeout(this.queue.getWorkers(), REDIS_TIMEOUT_MS, 'count workers');
    return (workers ?? []).length;
  }

  /**
   * Enqueues one image job; the job id is the upload's job_id, so a retried add cannot create a twin.
   * With REDIS_MIN_REPLICAS_ACK, it resolves only once that many replicas hold the job, and
   * rejects with RedisUnavailableError otherwise, leaving no job behind that it can still remove.
   */
  async enqueue(payload: ProcessImagePayload): Promise<void> {
    validateProcessImagePayload(payload);
    this.assertConnected();
    const wanted = this.config.redisMinReplicasAck;
    if (wanted === 0) {
      await this.add(payload);
      return;
    }
    // Held back from the workers until the replicas have it: a job the api may still refuse must
    // not start. Should the release be lost with its primary, the hold runs out on the new one.
    const job = await this.add(payload, this.config.redisAckTimeoutMs + 3 * REDIS_TIMEOUT_MS);
    try {
      const acked = await this.acks.confirm();
      if (acked < wanted)
        throw new RedisUnavailableError(
          `${acked} of ${wanted} replicas acknowledged the job within ${this.config.redisAckTimeoutMs} ms`,
        );
      await withRedisTimeout(job.promote(), REDIS_TIMEOUT_MS, 'release job');
    } catch (err) {
      await this.withdraw(job, (err as Error).message);
      throw err instanceof RedisUnavailableError ? err : new RedisUnavailableError((err as Error).message);
    }
  }

  private add(payload: ProcessImagePayload, holdMs?: number): Promise<Job<ProcessImagePayload>> {
    return withRedisTimeout(
      this.queue.add(JobName.ProcessImage, payload, { jobId: payload.job_id, ...(holdMs ? { delay: holdMs } : {}) }),
      REDIS_TIMEOUT_MS,
      'enqueue job',
    );
  }

  /**
   * Removes a job the client is told was refused. When its primary is gone the removal cannot
   * reach it; the caller deletes the original, so a job a replica still held fails for its lack.
   */
  private async withdraw(job: Job<ProcessImagePayload>, reason: string): Promise<void> {
    try {
      await withRedisTimeout(job.remove(), REDIS_TIMEOUT_MS, 'withdraw job');
      this.logger.warn({ message: 'upload refused: job withdrawn', job_id: job.id, reason });
    } catch (err) {
      this.logger.warn({
        message: 'upload refused: job could not be withdrawn, its original is deleted',
        job_id: job.id,
        reason,
        error: (err as Error).message,
      });
    }
  }

  /**
   * Takes a job off the queue: waiting, delayed (between retries) or finished. A job a worker
   * holds cannot be removed (Bull refuses a locked job); its worker finds the erasure tombstone
   * and discards it instead.
   */
  async cancel(jobId: string): Promise<void> {
    this.assertConnected();
    const job = await withRedisTimeout(this.queue.getJob(jobId), REDIS_TIMEOUT_MS, 'find job');
    if (!job) return;
    await withRedisTimeout(
      job.remove().catch((err: Error) => {
        if (!/could not remove job/i.test(err.message)) throw err;
      }),
      REDIS_TIMEOUT_MS,
      'remove job',
    );
  }

  async status(now = Date.now()): Promise<QueueState> {
    this.assertConnected();
    const [counts, oldestId, workers] = await withRedisTimeout(
      Promise.all([
        this.queue.getJobCounts(),
        this.queue.client.lindex(this.queue.toKey('wait'), -1),
        this.queue.getWorkers(),
      ]),
      REDIS_TIMEOUT_MS,
      'read queue status',
    );
    let oldestAge = 0;
    if (oldestId) {
      const timestamp = await withRedisTimeout(
        this.queue.client.hget(this.queue.toKey(oldestId), 'timestamp'),
        REDIS_TIMEOUT_MS,
        'read oldest job',
      );
      if (timestamp) oldestAge = Math.max(0, Math.round((now - Number(timestamp)) / 100) / 10);
    }
    return {
      queue: QUEUE_NAME,
      waiting: counts.waiting,
      active: counts.active,
      delayed: counts.delayed,
      failed: counts.failed,
      completed: counts.completed,
      oldest_waiting_age_seconds: oldestAge,
      workers: (workers ?? []).length,
      max_queue_size: this.config.maxQueueSize,
      redis_primary: connectedAddress(this.queue.client) ?? 'unknown',
    };
  }
}
