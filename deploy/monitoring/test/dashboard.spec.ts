import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportedSeries, metricNames, MONITORING, recordedNames } from './support';

interface Target {
  expr: string;
  datasource?: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  name: string;
  type: string;
  query: string | { query: string };
}

const GRAFANA = join(MONITORING, 'grafana');
const text = readFileSync(join(GRAFANA, 'dashboards/imgpipe.json'), 'utf8');
const dashboard = JSON.parse(text) as {
  uid: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Variable[] };
};
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row');
const variableQueries = dashboard.templating.list
  .filter((v) => v.type === 'query')
  .map((v) => (typeof v.query === 'string' ? v.query : v.query.query))
  // Grafana's label_values(selector, label) is not PromQL; its selector is.
  .map((q) => q.replace(/^label_values\((.*),\s*\w+\)$/, '$1'));
const exprs = (p: Panel) => (p.targets ?? []).map((t) => t.expr);

describe('Grafana dashboard imgpipe.json', () => {
  it('is a provisionable dashboard for a stock Grafana', () => {
    expect(dashboard.uid).toMatch(/^[\w-]{1,40}$/);
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    // Import-time placeholders (__inputs, ${DS_...}) are never filled in by provisioning.
    expect(text).not.toContain('__inputs');
    expect(text).not.toMatch(/\$\{DS_/);
  });

  it('takes its data source from a `datasource` variable of Prometheus sources', () => {
    const variable = dashboard.templating.list.find((v) => v.name === 'datasource');
    expect(variable).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const p of panels) {
      expect([p.title, p.datasource]).toEqual([p.title, { type: 'prometheus', uid: '${datasource}' }]);
      for (const t of p.targets ?? [])
        expect([p.title, t.datasource]).toEqual([p.title, { type: 'prometheus', uid: '${datasource}' }]);
    }
  });

  it('lays out panels with unique ids inside the 24-column grid', () => {
    const ids = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of panels) {
      expect(p.targets?.length).toBeGreaterThan(0);
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
    }
  });

  it('queries only metrics the api and workers export, Prometheus `up` and the recording rules', async () => {
    const known = await exportedSeries();
    for (const name of recordedNames()) known.add(name);
    const used = [...panels.flatMap(exprs), ...variableQueries];
    const unknown = used.flatMap((expr) =>
      metricNames(expr)
        .filter((n) => !known.has(n))
        .map((n) => `${n} in ${expr}`),
    );
    expect(unknown).toEqual([]);
    expect(used.flatMap(metricNames).length).toBeGreaterThan(20);
  });

  it('combines the queue gauges, which every replica reports alike, with max and never sum', () => {
    const queue = panels.flatMap(exprs).filter((e) => /pipeline_queue_/.test(e));
    expect(queue.length).toBeGreaterThanOrEqual(2);
    for (const e of queue) {
      expect(e).toMatch(/^max\b/);
      expect(e).not.toMatch(/\bsum\b/);
    }
  });

  const topics: [string, RegExp, RegExp][] = [
    ['throughput', /throughput/i, /rate\(pipeline_jobs_finished_total\b/],
    [
      'latency percentiles',
      /latency percentiles/i,
      /histogram_quantile\(0\.5,[\s\S]*pipeline_end_to_end_latency_seconds_bucket[\s\S]*histogram_quantile\(0\.95,[\s\S]*histogram_quantile\(0\.99,/,
    ],
    ['queue depth', /queue depth/i, /max by \(state\) \(pipeline_queue_jobs\b/],
    ['queue age', /oldest waiting/i, /max\(pipeline_queue_oldest_waiting_seconds\b/],
    [
      'success rate',
      /success rate/i,
      /pipeline_jobs_finished_total\{[^}]*status="completed"[\s\S]*\/\s*sum\(rate\(pipeline_jobs_finished_total\b/,
    ],
    ['detections by label', /detections by label/i, /sum by \(label\) \(rate\(pipeline_detections_total\b/],
    ['blur regions by kind', /blur regions by kind/i, /sum by \(kind\) \(rate\(pipeline_blur_regions_total\b/],
    ['worker CPU', /worker cpu/i, /rate\(process_cpu_seconds_total\{[^}]*app="worker"/],
    ['worker memory', /worker memory/i, /process_resident_memory_bytes\{[^}]*app="worker"/],
  ];
  it.each(topics)('has a %s panel', (_topic, title, query) => {
    const panel = panels.find((p) => title.test(p.title));
    expect(panel).toBeDefined();
    expect(exprs(panel as Panel).join('\n')).toMatch(query);
  });
});

describe('Grafana provisioning', () => {
  const read = (file: string) => readFileSync(join(GRAFANA, 'provisioning', file), 'utf8');

  it('provisions a Prometheus data source', () => {
    const ds = read('datasources/prometheus.yml');
    expect(ds).toMatch(/^apiVersion: 1$/m);
    expect(ds).toMatch(/^\s+type: prometheus$/m);
    expect(ds).toMatch(/^\s+url: http:\/\/prometheus:9090$/m);
  });

  it('provisions the dashboards folder from files', () => {
    const provider = read('dashboards/imgpipe.yml');
    expect(provider).toMatch(/^apiVersion: 1$/m);
    expect(provider).toMatch(/^\s+type: file$/m);
    expect(provider).toMatch(/^\s+path: \/var\/lib\/grafana\/dashboards\/imgpipe$/m);
  });
});
