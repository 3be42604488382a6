import { createProcessImagePayload, processImageJobOptions } from './enqueue';
import { PayloadValidationError } from './payloads';

const JOB = '0b7c3e2a-5d4f-4a1b-9c8d-7e6f5a4b3c2d';
const BATCH = '8d0e3e2a-5d4f-4a1b-9c8d-7e6f5a4b3c2d';

describe('createProcessImagePayload', () => {
  it('derives the original key from the job id and format, and stamps the submission time', () => {
    expect(
      createProcessImagePayload(
        { job_id: JOB, format: 'png', filename: 'van.png', file_size: 2048 },
        1_700_000_000_000,
      ),
    ).toEqual({
      job_id: JOB,
      original_key: `original/${JOB}.png`,
      format: 'png',
      filename: 'van.png',
      file_size: 2048,
      submitted_at: 1_700_000_000_000,
    });
  });

  it('keeps a batch id and a policy override', () => {
    const payload = createProcessImagePayload({
      job_id: JOB,
      format: 'jpeg',
      filename: 'a.jpg',
      file_size: 1,
      submitted_at: 5,
      batch_id: BATCH,
      policy: { method: 'solid' },
    });
    expect(payload).toMatchObject({ submitted_at: 5, batch_id: BATCH, policy: { method: 'solid' } });
  });

  it('refuses what the worker would refuse, listing every problem', () => {
    let error: unknown;
    try {
      createProcessImagePayload({
        job_id: 'not-a-uuid',
        format: 'gif' as never,
        filename: '',
        file_size: 0,
        policy: { method: 'smudge' } as never,
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
      expect.stringMatching(/^method must be one of/),
    ]);
  });
});

describe('processImageJobOptions', () => {
  it('uses the job id as the Bull job id, with the api default retries and retention', () => {
    expect(processImageJobOptions({ job_id: JOB })).toEqual({
      jobId: JOB,
      attempts: 3,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: 86_400, count: 10_000 },
      removeOnFail: { age: 86_400, count: 10_000 },
    });
  });

  it('takes the deployment policy when it differs', () => {
    expect(processImageJobOptions({ job_id: JOB }, { attempts: 5, retentionHours: 1 })).toMatchObject({
      attempts: 5,
      backoff: { delay: 1000 },
      removeOnComplete: { age: 3600 },
    });
  });
});
