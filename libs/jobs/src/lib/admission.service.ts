import { Inject, Injectable } from '@nestjs/common';
import { QueueStatusView } from '@imgpipe/contracts';
import { PIPELINE_CONFIG, PipelineConfig } from '@imgpipe/config';
import {
  ADMISSION_HEADROOM,
  AdmissionDecision,
  CompletionSample,
  DRAIN_WINDOWS_MS,
  DrainRate,
  decideAdmission,
  drainRate,
} from './admission';
import { ImageQueue } from './image-queue.service';
import { JobStatsStore } from './job-stats.store';

/** An admitted request holds its place until its jobs are enqueued, then calls release(). */
export type Admission = AdmissionDecision & { release: () => void };

interface Reservation {
  count: number;
  /** The tick at which its jobs were all enqueued; Infinity while they are not. */
  releasedAt: number;
}

/**
 * Decides from Redis whether uploads may join the queue: its depth and the rate every worker
 * together completes jobs, so all api replicas decide alike.
 */
@Injectable()
export class AdmissionService {
  private tick = 0;
  private readonly reservations = new Set<Reservation>();
  private readonly readsInFlight = new Set<number>();

  constructor(
    private readonly queue: ImageQueue,
    private readonly stats: JobStatsStore,
    @Inject(PIPELINE_CONFIG) private readonly config: PipelineConfig,
  ) {}

  /**
   * Whether `count` more jobs, admitted together, would finish within the latency target. Uploads
   * this process admitted that the depth read may have missed (not enqueued before it started)
   * count as waiting: a burst of simultaneous uploads would otherwise all read the same depth.
   */
  async admit(count: number, now = Date.now()): Promise<Admission> {
    const readAt = ++this.tick;
    this.readsInFlight.add(readAt);
    try {
      // Decided and reserved in one step after the read, so simultaneous uploads see each other.
      const decision = this.decide(count, readAt, await this.read(now));
      if (!decision.admit) return { ...decision, release: () => undefined };
      const reservation: Reservation = { count, releasedAt: Infinity };
      this.reservations.add(reservation);
      return {
        ...decision,
        release: () => {
          reservation.releasedAt = ++this.tick;
          this.prune();
        },
      };
    } finally {
      this.readsInFlight.delete(readAt);
      this.prune();
    }
  }

  /**
   * What `admit` would decide now, holding no place: for refusing an upload before its body is
   * read. The upload is decided again, and admitted for real, once it has arrived.
   */
  async check(count: number, now = Date.now()): Promise<AdmissionDecision> {
    const readAt = this.tick;
    return this.decide(count, readAt, await this.read(now));
  }

  private read(now: number): Promise<[{ waiting: number; active: number }, DrainRate]> {
    return Promise.all([this.queue.depth(), this.drainRate(now)]);
  }

  private decide(
    count: number,
    readAt: number,
    [{ waiting, active }, rate]: [{ waiting: number; active: number }, DrainRate],
  ): AdmissionDecision {
    let unseen = 0;
    for (const r of this.reservations) if (r.releasedAt > readAt) unseen += r.count;
    return decideAdmission({
      waiting: waiting + unseen,
      active,
      count,
      ratePerS: rate.perSecond,
      latencyTargetS: this.config.latencyTargetS * ADMISSION_HEADROOM,
      maxQueueSize: this.config.maxQueueSize,
    });
  }

  /** A released reservation matters only to depth reads that started before its jobs were enqueued. */
  private prune(): void {
    const oldestRead = Math.min(...this.readsInFlight);
    for (const r of this.reservations) if (r.releasedAt < oldestRead) this.reservations.delete(r);
  }

  /** The queue's state with the wait it predicts and the drain rate behind it. */
  async queueStatus(now = Date.now()): Promise<QueueStatusView> {
    const [state, samples] = await Promise.all([this.queue.status(now), this.completions(now)]);
    const rate = drainRate(samples, state.workers, now);
    return {
      ...state,
      predicted_wait_seconds: round((state.waiting + state.active) / rate.perSecond, 10),
      drain_rate_per_second: round(rate.perSecond, 1000),
      drain_rate_source: rate.source,
      latency_target_seconds: this.config.latencyTargetS,
    };
  }

  private async drainRate(now: number): Promise<DrainRate> {
    const samples = await this.completions(now);
    const rate = drainRate(samples, 0, now);
    // The worker count (CLIENT LIST) is read only while the rate is assumed, not on every upload.
    return rate.source === 'measured' ? rate : drainRate(samples, await this.queue.workerCount(), now);
  }

  private completions(now: number): Promise<CompletionSample[]> {
    return Promise.all(DRAIN_WINDOWS_MS.map((window) => this.stats.recentCompletions(window, now)));
  }
}

const round = (value: number, per: number) => Math.round(value * per) / per;
