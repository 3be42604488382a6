import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { collectDefaultMetrics, Registry } from 'prom-client';

export const MONITORING = resolve(__dirname, '..');
export const WORKSPACE = resolve(MONITORING, '../..');
export const PROMETHEUS_DIR = join(MONITORING, 'prometheus');
export const RULES = join(PROMETHEUS_DIR, 'rules/imgpipe-alerts.yml');
export const RULE_TESTS = join(PROMETHEUS_DIR, 'rules/imgpipe-alerts.test.yml');
export const PIPELINE_METRICS = join(WORKSPACE, 'libs/metrics/src/lib/pipeline-metrics.ts');

export const tool = (name: 'PROMTOOL' | 'PROMETHEUS' | 'AMTOOL'): string | undefined => process.env[name];

export interface Run {
  code: number;
  output: string;
}

/** Runs a binary to completion; stdout and stderr together, as people read them. */
export function runTool(binary: string, args: string[], cwd = MONITORING): Promise<Run> {
  return new Promise((done) => {
    execFile(binary, args, { cwd, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      done({ code, output: `${stdout}${stderr}` });
    });
  });
}

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary';

/** Series names a metric of each type puts on /metrics. */
function seriesOf(name: string, type: MetricType): string[] {
  if (type === 'histogram') return [`${name}_bucket`, `${name}_sum`, `${name}_count`];
  if (type === 'summary') return [name, `${name}_sum`, `${name}_count`];
  return [name];
}

/** The metrics PipelineMetrics declares, read from its source so the two cannot drift apart. */
export function pipelineMetrics(): Map<string, MetricType> {
  const source = readFileSync(PIPELINE_METRICS, 'utf8');
  const found = new Map<string, MetricType>();
  for (const m of source.matchAll(/\b(counter|gauge|histogram)\(\{\s*name:\s*'([a-zA-Z_:][a-zA-Z0-9_:]*)'/g)) {
    found.set(m[2], m[1] as MetricType);
  }
  return found;
}

/** prom-client's default metrics on this platform, as the apps enable them. */
export async function nodeDefaultMetrics(): Promise<Map<string, MetricType>> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics = await registry.getMetricsAsJSON();
  registry.clear();
  return new Map(metrics.map((m) => [m.name, m.type as unknown as MetricType]));
}

/** Every series name the api and the workers export, plus `up`, which Prometheus adds itself. */
export async function exportedSeries(): Promise<Set<string>> {
  const names = new Set(['up']);
  for (const source of [pipelineMetrics(), await nodeDefaultMetrics()]) {
    for (const [name, type] of source) for (const series of seriesOf(name, type)) names.add(series);
  }
  return names;
}

const NOT_METRICS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression selects. Strings, label matchers, ranges and grouping
 * clauses are cut first, then every identifier that is not a function, keyword or part of a
 * number is a metric name.
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/(?<![\w.:$])[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const rest = stripped.slice((m.index ?? 0) + m[0].length);
    if (/^\s*\(/.test(rest) || NOT_METRICS.has(m[0].toLowerCase())) continue;
    names.add(m[0]);
  }
  return [...names];
}

/** Names the rules file records, which dashboards may read like exported metrics. */
export function recordedNames(): string[] {
  return [...readFileSync(RULES, 'utf8').matchAll(/^\s*- record:\s*(\S+)\s*$/gm)].map((m) => m[1]);
}

/**
 * prometheus.k8s.yml as Debian's Prometheus can load it. Debian builds Prometheus without
 * Kubernetes discovery, so each `kubernetes_sd_configs` role becomes file discovery of
 * `<dir>/<role>.json`, where a test writes targets carrying the same __meta_kubernetes_*
 * labels; relabelling, rules and everything else stay as they are. The service-account files
 * move to `dir` as well, since promtool checks that they exist.
 */
export function k8sConfigForDebian(dir: string): { config: string; roles: string[] } {
  const roles: string[] = [];
  const config = readFileSync(join(PROMETHEUS_DIR, 'prometheus.k8s.yml'), 'utf8')
    .replace(/kubernetes_sd_configs:\n(\s+)- role: (\w+)\n/g, (_, indent: string, role: string) => {
      roles.push(role);
      return `file_sd_configs:\n${indent}- files: ['${join(dir, `${role}.json`)}']\n`;
    })
    .replaceAll('/var/run/secrets/kubernetes.io/serviceaccount/', `${dir}/`)
    .replace(/^(\s+- )(rules\/)/m, `$1${PROMETHEUS_DIR}/$2`);
  return { config, roles };
}
