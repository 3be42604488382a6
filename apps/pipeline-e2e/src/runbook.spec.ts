import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { Stack, photos } from './support/stack';

// The README's Troubleshooting section gives `rcli` (redis-cli) commands; run each, as written,
// against the Redis a real api and worker used, so a renamed queue or key prefix breaks here.

const README = readFileSync(resolve(__dirname, '../../../README.md'), 'utf8');

function runbookRedisCommands(): string[] {
  const section = README.slice(README.indexOf('\n## Troubleshooting\n'));
  const body = section.slice(0, section.indexOf('\n## ', 1));
  const blocks = [...body.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks
    .flatMap((block) => block.split('\n'))
    .filter((line) => line.startsWith('rcli '))
    .map((line) =>
      line
        .replace(/\s+#.*$/, '')
        .split('|')[0]
        .trim(),
    );
}

describe('the runbook', () => {
  let stack: Stack;
  let jobId: string;
  const redisPort = () => process.env['E2E_REDIS_PORT'] as string;
  const DB = 5;

  beforeAll(async () => {
    stack = await Stack.start({ storage: 'local', redisDb: DB, workers: 1 });
    const res = await stack.upload(photos()[0]);
    jobId = ((await res.json()) as { job_id: string }).job_id;
    await stack.waitFor(jobId, ['completed']);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function rcli(command: string): Promise<string> {
    const args = command
      .replace(/^rcli /, '')
      .replaceAll('$JOB', jobId)
      .split(/\s+/);
    const { stdout } = await promisify(execFile)('redis-cli', ['-p', redisPort(), '-n', String(DB), ...args]);
    return stdout.trim();
  }

  it('names keys that Bull and the api really use', async () => {
    const commands = runbookRedisCommands();
    expect(commands.length).toBeGreaterThan(5);
    const answers = Object.fromEntries(await Promise.all(commands.map(async (c) => [c, await rcli(c)] as const)));
    for (const [command, answer] of Object.entries(answers)) {
      expect({ command, answer }).toEqual({ command, answer: expect.not.stringMatching(/^(ERR|WRONGTYPE)/) });
    }
    // A completed job: nothing waiting or active, its record and Bull's hash are there.
    expect(answers['rcli LLEN bull:image-processing:wait']).toBe('0');
    expect(answers['rcli LLEN bull:image-processing:active']).toBe('0');
    expect(answers['rcli HGETALL imgpipe:job:$JOB']).toMatch(/^status\ncompleted$/m);
    expect(answers['rcli HMGET bull:image-processing:$JOB attemptsMade failedReason processedOn finishedOn']).toMatch(
      /\d{13}\n\d{13}$/,
    );
    expect(answers['rcli PING']).toBe('PONG');
    // And the keys themselves exist under those names.
    expect(await rcli(`EXISTS bull:image-processing:${jobId} imgpipe:job:${jobId}`)).toBe('2');
    expect(await rcli(`ZSCORE bull:image-processing:completed ${jobId}`)).toMatch(/^\d{13}$/);
  });
});
