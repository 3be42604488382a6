import { ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportedSeries, k8sConfigForDebian, metricNames, MONITORING, PROMETHEUS_DIR, tool } from './support';

// promtool validates syntax; only a running Prometheus shows what the relabelling keeps and
// how the rules load, so these tests start the real server on a private port.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface Target {
  labels: Record<string, string>;
  scrapeUrl: string;
}

class Server {
  private constructor(
    private readonly proc: ChildProcess,
    private readonly base: string,
    private readonly log: string[],
  ) {}

  static async start(configFile: string, dataDir: string): Promise<Server> {
    const port = await freePort();
    const log: string[] = [];
    const proc = spawn(
      tool('PROMETHEUS') as string,
      [`--config.file=${configFile}`, `--storage.tsdb.path=${dataDir}`, `--web.listen-address=127.0.0.1:${port}`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    proc.stdout?.on('data', (d) => log.push(String(d)));
    proc.stderr?.on('data', (d) => log.push(String(d)));
    const server = new Server(proc, `http://127.0.0.1:${port}`, log);
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`prometheus exited: ${log.join('').slice(-2000)}`);
      if (
        await fetch(`${server.base}/-/ready`).then(
          (r) => r.ok,
          () => false,
        )
      )
        return server;
      if (Date.now() > deadline) throw new Error(`prometheus not ready: ${log.join('').slice(-2000)}`);
      await sleep(100);
    }
  }

  async api<T>(path: string): Promise<T> {
    const res = await fetch(`${this.base}/api/v1/${path}`);
    const body = (await res.json()) as { status: string; data: T };
    expect(body.status).toBe('success');
    return body.data;
  }

  /** Active targets once the scrape manager has taken them up (it applies changes every 5 s). */
  async targets(expected: number): Promise<Target[]> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const { activeTargets } = await this.api<{ activeTargets: Target[] }>('targets?state=any');
      if (activeTargets.length >= expected || Date.now() > deadline) return activeTargets;
      await sleep(250);
    }
  }

  stop(): Promise<void> {
    if (this.proc.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      this.proc.once('exit', () => resolve());
      this.proc.kill('SIGTERM');
    });
  }
}

const byJob = (targets: Target[]) =>
  targets
    .map((t): Record<string, string> => ({ ...t.labels, url: t.scrapeUrl }))
    .sort((a, b) => `${a['job']}${a['instance']}`.localeCompare(`${b['job']}${b['instance']}`));

interface RuleGroup {
  name: string;
  rules: {
    type: 'alerting' | 'recording';
    name: string;
    query: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  }[];
}

describe('prometheus.yml on a real Prometheus', () => {
  let dir: string;
  let server: Server;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imgpipe-prometheus-'));
    server = await Server.start(join(PROMETHEUS_DIR, 'prometheus.yml'), join(dir, 'data'));
  }, 30_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('scrapes the api and the worker under their job names', async () => {
    const targets = byJob(await server.targets(3)).filter((t) => t['job'].startsWith('imgpipe'));
    expect(targets).toEqual([
      { job: 'imgpipe-api', instance: 'api:8000', url: 'http://api:8000/metrics' },
      { job: 'imgpipe-worker', instance: 'worker:9100', url: 'http://worker:9100/metrics' },
    ]);
  }, 30_000);

  it('loads the rules: every alert has a severity, summary, description and runbook', async () => {
    const { groups } = await server.api<{ groups: RuleGroup[] }>('rules');
    const alerts = groups.flatMap((g) => g.rules).filter((r) => r.type === 'alerting');
    expect(alerts).toHaveLength(9);
    for (const alert of alerts) {
      expect([alert.name, alert.labels?.['severity']]).toEqual([
        alert.name,
        expect.stringMatching(/^(critical|warning)$/),
      ]);
      for (const key of ['summary', 'description', 'runbook']) {
        expect([alert.name, key, alert.annotations?.[key]]).toEqual([alert.name, key, expect.stringMatching(/\S{3}/)]);
      }
    }
  });

  it('rules read only metrics the apps export, cAdvisor limits and their own recordings', async () => {
    const { groups } = await server.api<{ groups: RuleGroup[] }>('rules');
    const rules = groups.flatMap((g) => g.rules);
    const known = await exportedSeries();
    known.add('container_spec_memory_limit_bytes');
    for (const r of rules) if (r.type === 'recording') known.add(r.name);
    const unknown = rules.flatMap((r) =>
      metricNames(r.query)
        .filter((n) => !known.has(n))
        .map((n) => `${r.name}: ${n}`),
    );
    expect(unknown).toEqual([]);
  });
});

describe('prometheus.k8s.yml relabelling on a real Prometheus', () => {
  let dir: string;
  let server: Server;

  const pod = (name: string, meta: Record<string, string>, ...containers: [string, string | null][]) =>
    containers.map(([container, port]) => ({
      targets: [port ? `10.1.0.${name.length}:${port}` : `10.1.0.${name.length}`],
      labels: {
        __meta_kubernetes_namespace: 'imgpipe',
        __meta_kubernetes_pod_name: name,
        __meta_kubernetes_pod_phase: 'Running',
        __meta_kubernetes_pod_node_name: 'node-a',
        __meta_kubernetes_pod_annotation_prometheus_io_scrape: 'true',
        __meta_kubernetes_pod_container_name: container,
        ...(port ? { __meta_kubernetes_pod_container_port_number: port } : {}),
        ...meta,
      },
    }));
  const api = { __meta_kubernetes_pod_label_app_kubernetes_io_name: 'imgpipe-api' };
  const worker = { __meta_kubernetes_pod_label_app_kubernetes_io_name: 'imgpipe-worker' };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imgpipe-prometheus-k8s-'));
    const { config } = k8sConfigForDebian(dir);
    writeFileSync(join(dir, 'token'), 'token\n');
    copyFileSync(join(MONITORING, 'test/fixtures/service-account-ca.crt'), join(dir, 'ca.crt'));
    writeFileSync(join(dir, 'prometheus.yml'), config);
    const pods = [
      // A sidecar with a port and one without: only the app container's metrics port stays.
      ...pod('api-a', api, ['api', '8000'], ['istio-proxy', '15090'], ['log-shipper', null]),
      // Its metrics port moved by annotation; the debugger port is not scraped.
      ...pod(
        'worker-bb',
        { ...worker, __meta_kubernetes_pod_annotation_prometheus_io_port: '9200' },
        ['worker', '9200'],
        ['worker', '9229'],
      ),
      ...pod('worker-ccc', worker, ['worker', '9100']),
      ...pod('worker-pending', { ...worker, __meta_kubernetes_pod_phase: 'Pending' }, ['worker', '9100']),
      ...pod('worker-unannotated', { ...worker, __meta_kubernetes_pod_annotation_prometheus_io_scrape: 'false' }, [
        'worker',
        '9100',
      ]),
      ...pod('redis-0', { __meta_kubernetes_pod_label_app_kubernetes_io_name: 'redis' }, ['redis', '6379']),
    ];
    writeFileSync(join(dir, 'pod.json'), JSON.stringify(pods));
    const nodes = ['node-a', 'node-b'].map((n) => ({
      targets: [`${n}:10250`],
      labels: { __meta_kubernetes_node_name: n },
    }));
    writeFileSync(join(dir, 'node.json'), JSON.stringify(nodes));
    server = await Server.start(join(dir, 'prometheus.yml'), join(dir, 'data'));
  }, 30_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps one target per api and worker process, with namespace, pod and container labels', async () => {
    const targets = byJob(await server.targets(5));
    expect(targets).toEqual([
      {
        job: 'imgpipe-api',
        instance: '10.1.0.5:8000',
        namespace: 'imgpipe',
        pod: 'api-a',
        container: 'api',
        node: 'node-a',
        url: 'http://10.1.0.5:8000/metrics',
      },
      {
        job: 'imgpipe-worker',
        instance: '10.1.0.10:9100',
        namespace: 'imgpipe',
        pod: 'worker-ccc',
        container: 'worker',
        node: 'node-a',
        url: 'http://10.1.0.10:9100/metrics',
      },
      {
        job: 'imgpipe-worker',
        instance: '10.1.0.9:9200',
        namespace: 'imgpipe',
        pod: 'worker-bb',
        container: 'worker',
        node: 'node-a',
        url: 'http://10.1.0.9:9200/metrics',
      },
      {
        job: 'kubernetes-cadvisor',
        instance: 'node-a',
        url: 'https://kubernetes.default.svc:443/api/v1/nodes/node-a/proxy/metrics/cadvisor',
      },
      {
        job: 'kubernetes-cadvisor',
        instance: 'node-b',
        url: 'https://kubernetes.default.svc:443/api/v1/nodes/node-b/proxy/metrics/cadvisor',
      },
    ]);
  }, 30_000);
});
