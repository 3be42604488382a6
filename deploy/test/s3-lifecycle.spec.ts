import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WORKSPACE } from './support';

const rules = JSON.parse(readFileSync(join(WORKSPACE, 'deploy/s3/originals-lifecycle.json'), 'utf8'));
const readme = readFileSync(join(WORKSPACE, 'README.md'), 'utf8');

describe('the S3 lifecycle rule for originals', () => {
  it('expires only the originals, and their unfinished multipart uploads, in whole days', () => {
    expect(rules).toEqual({
      Rules: [
        {
          ID: expect.any(String),
          Status: 'Enabled',
          // ORIGINALS_PREFIX of @imgpipe/contracts: the originals' keys, in S3_BUCKET or S3_ORIGINALS_BUCKET alike.
          Filter: { Prefix: 'original/' },
          Expiration: { Days: expect.any(Number) },
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: expect.any(Number) },
        },
      ],
    });
    expect(Number.isInteger(rules.Rules[0].Expiration.Days) && rules.Rules[0].Expiration.Days >= 1).toBe(true);
  });

  it('is the file the README tells operators to apply', () => {
    expect(readme).toContain(
      'aws s3api put-bucket-lifecycle-configuration --bucket imgpipe-images --lifecycle-configuration file://deploy/s3/originals-lifecycle.json',
    );
  });
});
