import type { JobStatusView } from '@imgpipe/contracts';
import {
  derivedFilename,
  describeOutput,
  describeRecheck,
  describeStatus,
  formatBytes,
  formatMilliseconds,
  formatPerMinute,
  formatPercent,
  formatSeconds,
  isFinished,
} from './format';

const base = { job_id: 'j', created_at: 1, updated_at: 2, attempts: 1 };

describe('describeOutput', () => {
  it('says whether the processed image is re-encoded or the original less its metadata', () => {
    expect(describeOutput('reencoded')).toBe('encoded from the blurred pixels, with no metadata');
    expect(describeOutput('metadata-stripped')).toMatch(/^nothing to blur: the original pixels, with EXIF, GPS/);
    expect(describeOutput(undefined)).toBe('not recorded (pipeline before 0.5.0)');
  });
});

describe('describeStatus', () => {
  it('says a fresh job is queued', () => {
    expect(describeStatus({ ...base, status: 'submitted', attempts: 0 })).toEqual({
      label: 'queued',
      tone: 'pending',
      detail: 'waiting for a worker',
    });
  });

  it('says a submitted job with an error is waiting for a retry, and why', () => {
    const text = describeStatus({ ...base, status: 'submitted', attempts: 1, error: 'storage timeout' });
    expect(text.label).toBe('retrying');
    expect(text.detail).toBe('attempt 1 failed (storage timeout); waiting to try again');
  });

  it('numbers the attempt of a job processed again', () => {
    expect(describeStatus({ ...base, status: 'processing' }).detail).toBe('');
    expect(describeStatus({ ...base, status: 'processing', attempts: 2 }).detail).toBe('attempt 2');
  });

  it('sums up a completed job: time taken and what was blurred and found', () => {
    const view = {
      ...base,
      status: 'completed',
      results: {
        processing_time: 0.268,
        blur_metadata: { regions: [{ kind: 'face' }, { kind: 'face' }, { kind: 'plate' }] },
        detection_metadata: { objects: [{ label: 'car' }] },
      },
    } as unknown as JobStatusView;
    expect(describeStatus(view)).toEqual({
      label: 'completed',
      tone: 'good',
      detail: 'in 268 ms: 2 faces, 1 plate blurred; 1 object',
    });
    expect(isFinished(view)).toBe(true);
  });

  it('gives the reason of a failure', () => {
    const failed = describeStatus({ ...base, status: 'failed', error: 'invalid_image: truncated JPEG' });
    expect(failed).toEqual({ label: 'failed', tone: 'bad', detail: 'invalid_image: truncated JPEG' });
    expect(describeStatus({ ...base, status: 'failed' }).detail).toBe('no reason given');
  });

  it('knows which statuses are final', () => {
    expect(isFinished({ ...base, status: 'processing' })).toBe(false);
    expect(isFinished({ ...base, status: 'failed' })).toBe(true);
  });
});

describe('figures', () => {
  it('writes durations in the unit people read fastest', () => {
    expect(formatSeconds(0.268)).toBe('268 ms');
    expect(formatSeconds(2.44)).toBe('2.4 s');
    expect(formatSeconds(185)).toBe('3 min 5 s');
    expect(formatSeconds(null)).toBe('—');
    expect(formatMilliseconds(3.21)).toBe('3.2 ms');
    expect(formatMilliseconds(123.6)).toBe('124 ms');
  });

  it('writes sizes in binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(144516)).toBe('141.1 KiB');
    expect(formatBytes(12 * 1024 * 1024)).toBe('12.0 MiB');
  });

  it('turns jobs per second into photos per minute', () => {
    expect(formatPerMinute(0.35)).toBe('21 /min');
    expect(formatPerMinute(0.07)).toBe('4.2 /min');
    expect(formatPerMinute(0)).toBe('0.0 /min');
  });

  it('writes rates as percentages, and a dash before there is any', () => {
    expect(formatPercent(0.9545)).toBe('95.5 %');
    expect(formatPercent(1)).toBe('100 %');
    expect(formatPercent(null)).toBe('—');
  });

  it('says what the recheck of the blurred image found', () => {
    expect(describeRecheck({ rechecked: true, residual: 0 })).toBe('no face or plate found in the blurred image');
    expect(describeRecheck({ rechecked: true, residual: 3, residual_faces: 1, residual_plates: 2 })).toBe(
      '1 face and 2 plates still found in the blurred image, and blurred again',
    );
    expect(describeRecheck({ rechecked: true, residual: 1 })).toBe(
      '1 face still found in the blurred image, and blurred again',
    );
    expect(describeRecheck({ rechecked: false, residual: 0 })).toBe('not run');
  });

  it('names downloads after the upload', () => {
    expect(derivedFilename('street.jpg', 'blurred')).toBe('street.blurred.jpg');
    expect(derivedFilename('street.jpg', 'metadata', 'json')).toBe('street.metadata.json');
    expect(derivedFilename('README', 'blurred')).toBe('README.blurred');
    expect(derivedFilename('.hidden', 'blurred')).toBe('.hidden.blurred');
  });
});
