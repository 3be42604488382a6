import {
  ASSUMED_RATE_PER_WORKER,
  MAX_RETRY_AFTER_S,
  MIN_DRAIN_SAMPLES,
  MIN_DRAIN_SPAN_MS,
  decideAdmission,
  drainRate,
  BURST_FACTOR,
} from './admission';

const NOW = 1_700_000_000_000;
const base = { waiting: 0, active: 0, count: 1, ratePerS: 10, latencyTargetS: 60, maxQueueSize: 1000 };

describe('drainRate', () => {
  it('measures completions over the span since the oldest one in the window', () => {
    expect(drainRate([{ count: 300, oldestAt: NOW - 30_000 }], 2, NOW)).toEqual({ perSecond: 10, source: 'measured' });
  });

  it('never measures over less than the minimum span, so a cold start does not overstate the rate', () => {
    const rate = drainRate([{ count: 20, oldestAt: NOW - 500 }], 2, NOW);
    expect(rate).toEqual({ perSecond: 20 / (MIN_DRAIN_SPAN_MS / 1000), source: 'measured' });
  });

  it('takes a clearly faster short window, so a spike after a quiet spell is measured at the speed it drains', () => {
    // A minute of trickle (12 jobs) and then 10 s at full speed (50 jobs): 62 in the minute, 50 in the last 15 s.
    const minute = { count: 62, oldestAt: NOW - 60_000 };
    const recent = { count: 50, oldestAt: NOW - 10_000 };
    expect(drainRate([minute, recent], 2, NOW)).toEqual({ perSecond: 5, source: 'measured' });
    // Too few in the short window to count: the minute's rate stands.
    expect(drainRate([minute, { count: MIN_DRAIN_SAMPLES - 1, oldestAt: NOW - 1_000 }], 2, NOW).perSecond).toBeCloseTo(
      62 / 60,
    );
  });

  it('keeps the longest window when a shorter one is faster only by noise, so the target holds under saturation', () => {
    // Saturated workers: 138 in the minute (2.3/s), 39 in the last 15 s (2.6/s, 13 % faster).
    const minute = { count: 138, oldestAt: NOW - 60_000 };
    expect(drainRate([minute, { count: 39, oldestAt: NOW - 15_000 }], 2, NOW).perSecond).toBeCloseTo(2.3);
    // At BURST_FACTOR times the minute's rate the short window counts.
    const burst = { count: Math.ceil(2.3 * BURST_FACTOR * 15), oldestAt: NOW - 15_000 };
    expect(drainRate([minute, burst], 2, NOW).perSecond).toBeCloseTo(burst.count / 15);
  });

  it('assumes a low rate per connected worker until enough completions were seen', () => {
    expect(drainRate([{ count: MIN_DRAIN_SAMPLES - 1, oldestAt: NOW - 10_000 }], 4, NOW)).toEqual({
      perSecond: 4 * ASSUMED_RATE_PER_WORKER,
      source: 'assumed',
    });
    expect(drainRate([{ count: 0, oldestAt: null }], 0, NOW)).toEqual({
      perSecond: ASSUMED_RATE_PER_WORKER,
      source: 'assumed',
    });
  });
});

describe('decideAdmission', () => {
  it('admits while the work ahead and the upload itself finish within the target', () => {
    // (590 + 10) / 10 per second = 60 s: exactly on target.
    expect(decideAdmission({ ...base, waiting: 588, active: 2, count: 10 })).toEqual({
      admit: true,
      predictedWaitS: 60,
    });
  });

  it('refuses past the target, with Retry-After the time to drain to where the request fits', () => {
    // 650 jobs ahead at 10/s; the upload fits once 599 or fewer are ahead: 51 to drain, 5.1 s.
    expect(decideAdmission({ ...base, waiting: 640, active: 10 })).toEqual({
      admit: false,
      reason: 'latency_target',
      predictedWaitS: 65.1,
      retryAfterS: 6,
    });
  });

  it('admits or refuses a batch whole', () => {
    const ahead = { ...base, waiting: 500, active: 0 };
    expect(decideAdmission({ ...ahead, count: 100 }).admit).toBe(true);
    const refused = decideAdmission({ ...ahead, count: 101 });
    expect(refused).toMatchObject({ admit: false, reason: 'latency_target', retryAfterS: 1 });
  });

  it('holds the target whatever the queue size allows, and the queue size whatever the target allows', () => {
    expect(decideAdmission({ ...base, waiting: 100, ratePerS: 1, maxQueueSize: 10_000 })).toMatchObject({
      admit: false,
      reason: 'latency_target',
      retryAfterS: 41,
    });
    expect(decideAdmission({ ...base, waiting: 1000, ratePerS: 100 })).toMatchObject({
      admit: false,
      reason: 'max_queue_size',
      retryAfterS: 1,
    });
    expect(decideAdmission({ ...base, waiting: 999, ratePerS: 100 }).admit).toBe(true);
  });

  it('takes a batch too large for the target into an empty queue rather than never', () => {
    const tooLarge = { ...base, count: 100, ratePerS: 1, latencyTargetS: 10 };
    expect(decideAdmission(tooLarge)).toEqual({ admit: true, predictedWaitS: 100 });
    // Behind 5 jobs it waits for all of them to drain.
    expect(decideAdmission({ ...tooLarge, active: 5 })).toMatchObject({ admit: false, retryAfterS: 5 });
  });

  it('caps Retry-After and refuses a rate that is not positive', () => {
    const slow = decideAdmission({ ...base, waiting: 900, ratePerS: 0.01, maxQueueSize: 10_000 });
    expect(slow).toMatchObject({ admit: false, retryAfterS: MAX_RETRY_AFTER_S });
    expect(() => decideAdmission({ ...base, ratePerS: 0 })).toThrow(RangeError);
  });
});
