/**
 * Admission by predicted latency: an upload is admitted only while the jobs ahead of it, at the
 * rate the workers are completing jobs, finish within the latency target. Pure arithmetic; the
 * service beside it reads the inputs from Redis.
 */

/**
 * Completions are counted over these sliding windows, longest first, across every worker (a Redis
 * sorted set). The longest with enough samples counts, unless a shorter one shows a clearly faster
 * rate (BURST_FACTOR). Over a minute alone, a spike after a quiet spell would be measured at the
 * trickle's rate for most of that minute, and refused although the workers were already draining
 * at full speed; the last 15 s show that speed within seconds.
 */
export const DRAIN_WINDOWS_MS = [60_000, 15_000] as const;
/**
 * How much faster a shorter window must be to count instead of the longest. Taking the fastest
 * window whatever the margin took the noise of 15 s of completions for speed: with the workers
 * saturated and uploads waiting out their 429s (`npm run bench`, 500 uploads), p95 latency was
 * 66 s against the 60 s target. A burst after a quiet spell is several times the trickle's rate.
 */
export const BURST_FACTOR = 1.5;
/** Fewer completions than this in the window is no measurement: the rate is assumed instead. */
export const MIN_DRAIN_SAMPLES = 10;
/**
 * The shortest span a rate is measured over: the first completions after a cold start come close
 * together, and ten of them in half a second would claim a rate the workers cannot hold.
 */
export const MIN_DRAIN_SPAN_MS = 5_000;
/**
 * The rate assumed per connected worker process until completions are measured. Deliberately
 * low (a worker core does 1-1.6 images/s of 0.2-2 MP photos, under 1 with THOROUGH_FACE_SEARCH on
 * large ones): a cold start admits little, and the measured rate takes over after MIN_DRAIN_SAMPLES.
 */
export const ASSUMED_RATE_PER_WORKER = 0.5;
/**
 * Uploads are admitted while the predicted wait is within this share of LATENCY_TARGET_S. The rate
 * is the past minute's and the photos ahead may be slower ones, so the prediction is a median, not
 * a bound: with the workers saturated (`npm run bench`, 500 uploads, uploaders waiting out their
 * 429s) and the whole target admitted, p50 latency was 57 s and p95 62 s against 60; at 0.9, p95
 * was 56-57 s in two runs and 61.9 s in a third, the machine's speed having moved meanwhile; at
 * 0.85 it was 50.0 s.
 */
export const ADMISSION_HEADROOM = 0.85;
/** The longest Retry-After given, whatever the arithmetic says: clients should look again. */
export const MAX_RETRY_AFTER_S = 3600;

export interface CompletionSample {
  /** Jobs completed within one of DRAIN_WINDOWS_MS of now. */
  count: number;
  /** When the oldest of them completed (ms since the epoch), null when none did. */
  oldestAt: number | null;
}

export interface DrainRate {
  perSecond: number;
  /** `measured` from completions in the window, or `assumed` from the worker count. */
  source: 'measured' | 'assumed';
}

/**
 * Jobs per second the workers drain: the rate over the longest window (`windows` longest first)
 * with enough completions, or over a shorter one that is BURST_FACTOR faster; `workers` (processes
 * connected to the queue) sizes the assumed rate when no window has enough. After a quiet spell the
 * measured rate is the rate work arrived at, below what the workers can do, until the work
 * admitted completes at full speed (within about 15 s).
 */
export function drainRate(windows: readonly CompletionSample[], workers: number, now: number): DrainRate {
  const measured = windows
    .filter((w) => w.count >= MIN_DRAIN_SAMPLES && w.oldestAt !== null)
    .map((w) => w.count / (Math.max(now - (w.oldestAt as number), MIN_DRAIN_SPAN_MS) / 1000));
  if (measured.length === 0) {
    return { perSecond: ASSUMED_RATE_PER_WORKER * Math.max(1, workers), source: 'assumed' };
  }
  const [longest, ...shorter] = measured;
  const burst = shorter.filter((rate) => rate >= longest * BURST_FACTOR);
  return { perSecond: Math.max(longest, ...burst), source: 'measured' };
}

export interface AdmissionInput {
  /** Jobs waiting to start (MAX_QUEUE_SIZE bounds these). */
  waiting: number;
  /** Jobs being processed now. */
  active: number;
  /** Jobs the upload would add: a batch is admitted whole or not at all. */
  count: number;
  /** Drain rate in jobs per second; must be above 0. */
  ratePerS: number;
  latencyTargetS: number;
  maxQueueSize: number;
}

export type AdmissionRefusal = 'max_queue_size' | 'latency_target';

export type AdmissionDecision =
  | { admit: true; predictedWaitS: number }
  | { admit: false; predictedWaitS: number; reason: AdmissionRefusal; retryAfterS: number };

/**
 * Admits `count` jobs when the last of them would be done within the latency target, (waiting +
 * active + count) / rate <= target, and the waiting jobs stay within MAX_QUEUE_SIZE. An empty queue
 * admits any batch within MAX_QUEUE_SIZE, so a batch larger than the target allows is late rather
 * than never accepted. A refusal's Retry-After is how long the queue takes, at the drain rate, to
 * get down to where the same request would be admitted.
 */
export function decideAdmission(input: AdmissionInput): AdmissionDecision {
  const { waiting, active, count, ratePerS, latencyTargetS, maxQueueSize } = input;
  if (!(ratePerS > 0)) throw new RangeError(`the drain rate must be above 0 (got ${ratePerS})`);
  const depth = waiting + active;
  const predictedWaitS = (depth + count) / ratePerS;
  // Jobs that must drain before this request fits, under each limit (0 when it fits already).
  const overCeiling = waiting + count > maxQueueSize ? waiting - Math.max(0, maxQueueSize - count) : 0;
  const overTarget =
    depth > 0 && predictedWaitS > latencyTargetS
      ? depth - Math.max(0, Math.floor(ratePerS * latencyTargetS) - count)
      : 0;
  if (overCeiling <= 0 && overTarget <= 0) return { admit: true, predictedWaitS };
  const toDrain = Math.max(overCeiling, overTarget, 1);
  return {
    admit: false,
    predictedWaitS,
    reason: overCeiling > 0 ? 'max_queue_size' : 'latency_target',
    retryAfterS: Math.min(MAX_RETRY_AFTER_S, Math.max(1, Math.ceil(toDrain / ratePerS))),
  };
}
