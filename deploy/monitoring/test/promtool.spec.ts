import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { k8sConfigForDebian, MONITORING, PROMETHEUS_DIR, RULE_TESTS, RULES, runTool, tool } from './support';

const promtool = () => tool('PROMTOOL') as string;

describe('promtool', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgpipe-promtool-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('check config: the static prometheus.yml and the rule files it names', async () => {
    const run = await runTool(promtool(), ['check', 'config', join(PROMETHEUS_DIR, 'prometheus.yml')]);
    expect(run.output).toContain('SUCCESS: 1 rule files found');
    expect(run.output).toContain('SUCCESS: 16 rules found');
    expect(run.code).toBe(0);
  });

  it('check config: prometheus.k8s.yml, with its pod and node discovery swapped for file discovery', async () => {
    const { config, roles } = k8sConfigForDebian(dir);
    expect(roles).toEqual(['pod', 'pod', 'node']);
    writeFileSync(join(dir, 'token'), 'token\n');
    copyFileSync(join(MONITORING, 'test/fixtures/service-account-ca.crt'), join(dir, 'ca.crt'));
    const file = join(dir, 'prometheus.k8s.yml');
    writeFileSync(file, config);
    const run = await runTool(promtool(), ['check', 'config', file]);
    expect(run.output).toContain('SUCCESS: 16 rules found');
    expect(run.code).toBe(0);
  });

  it('check rules', async () => {
    const run = await runTool(promtool(), ['check', 'rules', RULES]);
    expect(run.output).toContain('SUCCESS: 16 rules found');
    expect(run.code).toBe(0);
  });

  it('test rules: every unit test in imgpipe-alerts.test.yml passes', async () => {
    const run = await runTool(promtool(), ['test', 'rules', RULE_TESTS]);
    expect(run.output).toContain('SUCCESS');
    expect(run.output).not.toContain('FAILED');
    expect(run.code).toBe(0);
  });

  it('test rules fails when a threshold moves, so the unit tests do test something', async () => {
    const rules = readFileSync(RULES, 'utf8');
    const loosened = rules.replace('{state="waiting"} > 800', '{state="waiting"} > 1000');
    expect(loosened).not.toBe(rules);
    writeFileSync(join(dir, 'imgpipe-alerts.yml'), loosened);
    copyFileSync(RULE_TESTS, join(dir, 'imgpipe-alerts.test.yml'));
    const run = await runTool(promtool(), ['test', 'rules', join(dir, 'imgpipe-alerts.test.yml')]);
    expect(run.code).not.toBe(0);
    expect(run.output).toContain('ImgpipeQueueBacklog');
  });

  it('the unit tests make every alert, at every severity, fire and stay quiet', () => {
    const rules = readFileSync(RULES, 'utf8');
    const tests = readFileSync(RULE_TESTS, 'utf8');
    const alerts = [...rules.matchAll(/- alert: (\w+)[\s\S]*?severity: (\w+)/g)].map((m) => [m[1], m[2]]);
    expect(new Set(alerts.map(([name]) => name))).toEqual(
      new Set([
        'ImgpipeQueueBacklog',
        'ImgpipeJobFailures',
        'ImgpipeBlurNotHolding',
        'ImgpipeLowThroughput',
        'ImgpipeMemoryNearLimit',
        'ImgpipeEventLoopLag',
        'ImgpipeEndToEndLatencyHigh',
        'ImgpipeTargetDown',
      ]),
    );
    for (const [name, severity] of alerts) {
      const fires = new RegExp(
        `alertname: ${name}\\n\\s+exp_alerts:\\n(\\s+- exp_labels: \\{[^}]*\\}\\n(?: {12,}.*\\n)+)*?\\s+- exp_labels: \\{\\s*severity: ${severity}\\b`,
      );
      const quiet = new RegExp(`alertname: ${name}\\n\\s+exp_alerts: \\[\\]`);
      expect({ name, severity, fires: fires.test(tests) }).toEqual({ name, severity, fires: true });
      expect({ name, quiet: quiet.test(tests) }).toEqual({ name, quiet: true });
    }
  });
});
