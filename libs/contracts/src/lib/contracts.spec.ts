import { sniffImageFormat } from './images';
import { isJobId } from './job-id';
import { PayloadValidationError, validateProcessImagePayload } from './payloads';
import { storageKeys } from './storage-keys';

const JOB = '0b7c3e2a-5d4f-4a1b-9c8d-7e6f5a4b3c2d';

describe('sniffImageFormat', () => {
  it.each([
    [[0xff, 0xd8, 0xff, 0xe0, 0, 0x10], 'jpeg'],
    [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0], 'png'],
    [[...Buffer.from('RIFF'), 1, 2, 3, 4, ...Buffer.from('WEBPVP8 ')], 'webp'],
    [[...Buffer.from('RIFF'), 1, 2, 3, 4, ...Buffer.from('WAVEfmt ')], null],
    [[...Buffer.from('<svg xmlns=')], null],
    [[...Buffer.from('GIF89a')], null],
    [[0xff, 0xd8], null],
    [[], null],
  ])('%j is %s', (bytes, expected) => {
    expect(sniffImageFormat(Uint8Array.from(bytes as number[]))).toBe(expected);
  });
});

describe('isJobId', () => {
  it('accepts UUIDs and nothing else', () => {
    expect(isJobId(JOB)).toBe(true);
    expect(isJobId(JOB.toUpperCase())).toBe(true);
    expect(isJobId(`${JOB}x`)).toBe(false);
    expect(isJobId('../../etc/passwd')).toBe(false);
    expect(isJobId(42)).toBe(false);
  });
});

describe('storageKeys', () => {
  it('builds keys from the job id and format only', () => {
    expect(storageKeys.original(JOB, 'jpeg')).toBe(`original/${JOB}.jpg`);
    expect(storageKeys.processed(JOB, 'webp')).toBe(`processed/${JOB}.webp`);
    expect(storageKeys.metadata(JOB)).toBe(`metadata/${JOB}.json`);
  });
});

describe('validateProcessImagePayload', () => {
  const valid = {
    job_id: JOB,
    original_key: `original/${JOB}.png`,
    format: 'png',
    filename: 'car.png',
    file_size: 1234,
    submitted_at: 1_700_000_000_000,
  };

  it('returns a valid payload unchanged', () => {
    expect(validateProcessImagePayload(valid)).toEqual(valid);
    expect(validateProcessImagePayload({ ...valid, batch_id: JOB, policy: { method: 'pixelate' } })).toMatchObject({
      batch_id: JOB,
    });
  });

  it('lists every problem', () => {
    let error: unknown;
    try {
      validateProcessImagePayload({
        ...valid,
        job_id: 'x',
        format: 'gif',
        file_size: -1,
        submitted_at: 'now',
        filename: '',
        policy: [],
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PayloadValidationError);
    expect((error as PayloadValidationError).problems).toEqual([
      'job_id must be a UUID',
      'format must be one of jpeg, png, webp',
      'filename must be a string of 1 to 255 characters',
      'file_size must be a positive integer',
      'submitted_at must be unix milliseconds',
      'policy must be a JSON object',
    ]);
  });

  it('refuses an original key that is not the one the job id and format name', () => {
    expect(() => validateProcessImagePayload({ ...valid, original_key: `original/${JOB}.jpg` })).toThrow(
      `original_key must be original/${JOB}.png`,
    );
    expect(() => validateProcessImagePayload({ ...valid, original_key: '../secrets' })).toThrow(PayloadValidationError);
    expect(() => validateProcessImagePayload(null)).toThrow('payload must be an object');
  });
});
