import { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import { ApiError } from './errors/api-error';
import { BATCH_ID, JOB_ID, RESULT_KIND } from './params';

// ParseEnumPipe types its input as the enum; the router hands every pipe a string.
const pipes = { JOB_ID, BATCH_ID, RESULT_KIND } as unknown as Record<string, PipeTransform<string>>;

const param: ArgumentMetadata = { type: 'param' };

async function refusal(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    return err instanceof ApiError ? { status: err.getStatus(), code: err.code, message: err.message } : err;
  }
  return 'accepted';
}

describe('path parameter pipes', () => {
  it('pass a UUID and a known kind through unchanged', async () => {
    const id = 'aca7a45e-59e5-48d0-b101-f31b1727387e';
    await expect(pipes.JOB_ID.transform(id, param)).resolves.toBe(id);
    await expect(pipes.BATCH_ID.transform(id.toUpperCase(), param)).resolves.toBe(id.toUpperCase());
    await expect(pipes.RESULT_KIND.transform('metadata', param)).resolves.toBe('metadata');
  });

  it.each([
    ['JOB_ID', 'not-a-uuid', { status: 400, code: 'invalid_job_id', message: 'job_id must be a UUID' }],
    ['BATCH_ID', '1234', { status: 400, code: 'invalid_batch_id', message: 'batch_id must be a UUID' }],
    [
      'RESULT_KIND',
      'thumbnail',
      { status: 400, code: 'invalid_result_kind', message: 'kind must be one of original, processed, metadata' },
    ],
  ])('%s refuses a malformed value with the api error body', async (name, value, expected) => {
    expect(await refusal(() => Promise.resolve(pipes[name].transform(value, param)))).toEqual(expected);
  });
});
