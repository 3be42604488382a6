import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateWorkflow } from '@action-validator/core';
import { parse } from 'yaml';
import { WORKSPACE } from './support';

const WORKFLOW_PATH = join(WORKSPACE, '.github/workflows/ci.yml');
const text = readFileSync(WORKFLOW_PATH, 'utf8');

interface Step {
  run?: string;
  uses?: string;
  env?: Record<string, string>;
}
interface Job {
  if?: string;
  needs?: string[];
  steps: Step[];
}
const workflow = parse(text) as { jobs: Record<string, Job> };
const runs = (job: string) => workflow.jobs[job].steps.map((s) => s.run ?? '').join('\n');

/** The validator's findings, flattened to one line each. */
function problems(yaml: string): string[] {
  const lines: string[] = [];
  const walk = (errors: { path?: string; title: string; detail?: string; states?: { errors: unknown[] }[] }[]) => {
    for (const e of errors) {
      lines.push(`${e.path ?? ''} ${e.detail ?? e.title}`);
      for (const state of e.states ?? []) walk(state.errors as typeof errors);
    }
  };
  walk(validateWorkflow(yaml).errors as Parameters<typeof walk>[0]);
  return lines;
}

describe('.github/workflows/ci.yml', () => {
  it('validates against the GitHub Actions workflow schema', () => {
    expect(problems(text)).toEqual([]);
  });

  it('needs only jobs it defines', () => {
    const names = Object.keys(workflow.jobs);
    for (const job of Object.values(workflow.jobs)) for (const need of job.needs ?? []) expect(names).toContain(need);
  });

  it('lints, tests, builds and builds the images of what a change affects, then runs the images end to end', () => {
    expect(runs('affected')).toContain('npx nx affected -t lint test build container');
    expect(runs('affected')).toContain(
      'docker compose -f deploy/compose/docker-compose.test.yml up --build --exit-code-from tests',
    );
    expect(runs('integration')).toContain('npx nx run pipeline-e2e:integration');
  });

  it('installs system packages in every testing job and in .ci/run through the one script', () => {
    const script = 'tools/testing/debian-tools.mjs install';
    const ciRun = readFileSync(join(WORKSPACE, '.ci/run'), 'utf8');
    for (const text of [runs('affected'), runs('integration'), ciRun]) {
      expect(text).toContain(script);
      expect(text).not.toMatch(/apt-get install/);
    }
  });

  it('pushes images only from main, after every other job passed', () => {
    const pushing = Object.entries(workflow.jobs).filter(([, job]) =>
      job.steps.some((s) => s.env?.['CONTAINER_PUSH'] !== undefined),
    );
    expect(pushing.map(([name]) => name)).toEqual(['publish']);
    const publish = workflow.jobs['publish'];
    expect(publish.if).toBe("github.event_name == 'push' && github.ref == 'refs/heads/main'");
    expect([...(publish.needs ?? [])].sort()).toEqual(
      Object.keys(workflow.jobs)
        .filter((j) => j !== 'publish')
        .sort(),
    );
  });

  it('the schema check can fail', () => {
    const broken = text.replace('    runs-on: ubuntu-24.04\n', '    runs-onn: ubuntu-24.04\n');
    expect(problems(broken).join('\n')).toMatch(/Additional property 'runs-onn' is not allowed/);
  });
});
