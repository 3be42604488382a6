import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  appVersion,
  configEnvNames,
  K8S,
  kustomize,
  type Manifest,
  validateManifests,
  type ValidationResult,
  waitingListKey,
} from './support';

type Render = { manifests: Manifest[]; validation: ValidationResult[] };
const renders = new Map<string, Render>();
let scratch: string;

/**
 * The prod overlay as the README tells an operator to change it, one line of its
 * kustomization edited, everything else as shipped.
 */
function prodWith(edit: (kustomization: string) => string): string {
  const dir = mkdtempSync(join(scratch, 'prod-'));
  const prod = join(K8S, 'overlays/prod');
  for (const file of ['namespace.yaml', 'external-secret.yaml']) copyFileSync(join(prod, file), join(dir, file));
  const kustomization = edit(readFileSync(join(prod, 'kustomization.yaml'), 'utf8')).replaceAll(
    '../../',
    `${relative(dir, K8S)}/`,
  );
  writeFileSync(join(dir, 'kustomization.yaml'), kustomization);
  return dir;
}

/** Objects the validator must refuse, checked in the same run as the renders. */
function brokenObjects(prod: Manifest[]): unknown[] {
  const deployment = structuredClone(prod.find((m) => m.kind === 'Deployment') as Manifest);
  const c = deployment['spec'].template.spec.containers[0];
  c.livenesProbe = c.livenessProbe;
  deployment['spec'].replicas = 'five';
  const scaled = structuredClone(prod.find((m) => m.kind === 'ScaledObject') as Manifest);
  delete scaled['spec'].scaleTargetRef;
  return [deployment, scaled, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }];
}
let broken: ValidationResult[];

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'imgpipe-k8s-'));
  const overlays: [string, string][] = [
    ['dev', join(K8S, 'overlays/dev')],
    ['prod', join(K8S, 'overlays/prod')],
    [
      'prod with managed Redis',
      prodWith((k) => k.replace('  - ../../components/redis', '  - ../../components/managed-redis')),
    ],
    [
      'prod with Redis Sentinel',
      prodWith((k) => k.replace('  - ../../components/redis', '  - ../../components/redis-sentinel')),
    ],
    [
      'prod without KEDA',
      prodWith((k) =>
        k.replace('  - ../../components/redis', '  - ../../components/redis\n  - ../../components/worker-cpu-hpa'),
      ),
    ],
  ];
  const rendered = await Promise.all([
    ...overlays.map(([, dir]) => kustomize(dir)),
    // As its kustomization says it is built: its files are deploy/monitoring's, outside its folder.
    kustomize(join(K8S, 'monitoring'), ['--load-restrictor', 'LoadRestrictionsNone']),
  ]);
  overlays.push(['monitoring', join(K8S, 'monitoring')]);
  // One validator run for everything: most of its time is loading the schemas' type declarations.
  const all = [...rendered.flat(), ...brokenObjects(rendered[1])];
  const validation = await validateManifests(all);
  let offset = 0;
  overlays.forEach(([name], i) => {
    const manifests = rendered[i];
    renders.set(name, { manifests, validation: validation.slice(offset, offset + manifests.length) });
    offset += manifests.length;
  });
  broken = validation.slice(offset);
}, 120_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const RENDERS = ['dev', 'prod', 'prod with managed Redis', 'prod with Redis Sentinel', 'prod without KEDA'];
const render = (name: string) => renders.get(name) as Render;
const find = (name: string, kind: string, prefix: string) =>
  render(name).manifests.find((m) => m.kind === kind && m.metadata.name.startsWith(prefix)) as Manifest;
const podSpec = (m: Manifest) => m['spec'].template.spec;
const container = (m: Manifest) => podSpec(m).containers[0];
const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

describe.each(RENDERS)('kustomize build: %s', (name) => {
  it('renders, and every object validates against its Kubernetes, KEDA or External Secrets schema', () => {
    const { manifests, validation } = render(name);
    expect(manifests.length).toBeGreaterThanOrEqual(15);
    expect(validation.filter((r) => r.errors.length > 0)).toEqual([]);
  });

  it('refers only to objects it contains', () => {
    const { manifests } = render(name);
    const names = (kind: string) => new Set(manifests.filter((m) => m.kind === kind).map((m) => m.metadata.name));
    const secrets = new Set([
      ...names('Secret'),
      ...manifests.filter((m) => m.kind === 'ExternalSecret').map((m) => m['spec'].target.name as string),
    ]);
    const configMaps = names('ConfigMap');
    const workloads = manifests.filter((m) => ['Deployment', 'StatefulSet', 'Job'].includes(m.kind));
    const problems: string[] = [];
    for (const w of workloads) {
      const spec = podSpec(w);
      for (const c of spec.containers) {
        for (const source of c.envFrom ?? []) {
          if (source.configMapRef && !configMaps.has(source.configMapRef.name))
            problems.push(`${w.metadata.name}: ConfigMap ${source.configMapRef.name}`);
          if (source.secretRef && !source.secretRef.optional && !secrets.has(source.secretRef.name))
            problems.push(`${w.metadata.name}: Secret ${source.secretRef.name}`);
        }
        for (const env of c.env ?? []) {
          const ref = env.valueFrom?.secretKeyRef;
          if (ref && !secrets.has(ref.name)) problems.push(`${w.metadata.name}: Secret ${ref.name}`);
        }
      }
      for (const v of spec.volumes ?? [])
        if (v.configMap && !configMaps.has(v.configMap.name))
          problems.push(`${w.metadata.name}: ConfigMap ${v.configMap.name}`);
      if (spec.serviceAccountName && !names('ServiceAccount').has(spec.serviceAccountName))
        problems.push(`${w.metadata.name}: ServiceAccount ${spec.serviceAccountName}`);
    }
    const podLabels = workloads.map((w) => w['spec'].template.metadata.labels as Record<string, string>);
    for (const s of manifests.filter((m) => m.kind === 'Service')) {
      if (!podLabels.some((labels) => matches(s['spec'].selector, labels)))
        problems.push(`Service ${s.metadata.name} selects no pod`);
    }
    for (const p of manifests.filter((m) => m.kind === 'PodDisruptionBudget' || m.kind === 'NetworkPolicy')) {
      const selector =
        (p.kind === 'PodDisruptionBudget' ? p['spec'].selector : p['spec'].podSelector).matchLabels ?? {};
      if (Object.keys(selector).length > 0 && !podLabels.some((labels) => matches(selector, labels)))
        problems.push(`${p.kind} ${p.metadata.name} selects no pod`);
    }
    for (const i of manifests.filter((m) => m.kind === 'Ingress')) {
      for (const path of i['spec'].rules.flatMap((r: { http: { paths: unknown[] } }) => r.http.paths)) {
        const backend = (path as { backend: { service: { name: string; port: { name: string } } } }).backend.service;
        const service = manifests.find((m) => m.kind === 'Service' && m.metadata.name === backend.name);
        if (!service?.['spec'].ports.some((p: { name: string }) => p.name === backend.port.name))
          problems.push(`Ingress ${i.metadata.name}: no Service port ${backend.name}:${backend.port.name}`);
      }
    }
    for (const scaler of manifests.filter((m) => m.kind === 'HorizontalPodAutoscaler' || m.kind === 'ScaledObject')) {
      const target = scaler['spec'].scaleTargetRef.name;
      if (!names('Deployment').has(target))
        problems.push(`${scaler.kind} ${scaler.metadata.name}: Deployment ${target}`);
    }
    expect(problems).toEqual([]);
  });

  it('sets only variables the apps read, in the ConfigMap and in every container', () => {
    const known = configEnvNames();
    const config = find(name, 'ConfigMap', 'imgpipe-config');
    expect(Object.keys(config['data']).filter((key) => !known.has(key))).toEqual([]);
    for (const app of ['imgpipe-api', 'imgpipe-worker']) {
      const env = (container(find(name, 'Deployment', app)).env ?? []).map((e: { name: string }) => e.name);
      expect(env.filter((key: string) => !known.has(key))).toEqual([]);
    }
  });

  it('runs every container as non-root with requests and limits', () => {
    const problems: string[] = [];
    for (const w of render(name).manifests.filter((m) => ['Deployment', 'StatefulSet'].includes(m.kind))) {
      const spec = podSpec(w);
      for (const c of spec.containers) {
        if (!c.resources?.requests || !c.resources?.limits) problems.push(`${w.metadata.name}/${c.name}: resources`);
        if (w.metadata.name.startsWith('imgpipe-minio')) continue;
        if (!spec.securityContext?.runAsNonRoot) problems.push(`${w.metadata.name}: runAsNonRoot`);
        if (c.securityContext?.allowPrivilegeEscalation !== false)
          problems.push(`${w.metadata.name}/${c.name}: privilege escalation`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('turns authentication on: the api cannot start without the imgpipe-auth Secret', () => {
    const refs = container(find(name, 'Deployment', 'imgpipe-api')).envFrom.filter(
      (s: { secretRef?: { name: string } }) => s.secretRef?.name.startsWith('imgpipe-auth'),
    );
    expect(refs).toHaveLength(1);
    expect(refs[0].secretRef.optional).toBeFalsy();
  });

  it('takes both apps out of rotation on /health, restarts them only on /health/live, and lets Prometheus discover their metrics ports', () => {
    for (const [app, port, portName] of [
      ['imgpipe-api', 8000, 'http'],
      ['imgpipe-worker', 9100, 'metrics'],
    ] as const) {
      const deployment = find(name, 'Deployment', app);
      const c = container(deployment);
      expect(c.ports).toEqual([expect.objectContaining({ name: portName, containerPort: port })]);
      expect(c.readinessProbe.httpGet).toEqual({ path: '/health', port: portName });
      // A dependency outage must not restart pods: liveness (and the worker's startup) check the process only.
      for (const probe of [c.livenessProbe, c.startupProbe].filter(Boolean))
        expect(probe.httpGet).toEqual({ path: '/health/live', port: portName });
      // What deploy/monitoring/prometheus/prometheus.k8s.yml keeps.
      const template = deployment['spec'].template.metadata;
      expect(template.labels['app.kubernetes.io/name']).toBe(app);
      expect(template.annotations).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port) });
    }
  });
});

describe('prod', () => {
  it('runs 3-10 api pods on CPU, with 0.5-1 CPU and 1-2 GiB each, and a disruption budget', () => {
    const hpa = find('prod', 'HorizontalPodAutoscaler', 'imgpipe-api');
    expect(hpa['spec']).toMatchObject({ minReplicas: 3, maxReplicas: 10 });
    expect(hpa['spec'].metrics[0].resource.name).toBe('cpu');
    expect(container(find('prod', 'Deployment', 'imgpipe-api')).resources).toEqual({
      requests: { cpu: '500m', memory: '1Gi' },
      limits: { cpu: '1', memory: '2Gi' },
    });
    expect(find('prod', 'PodDisruptionBudget', 'imgpipe-api')['spec'].maxUnavailable).toBe(1);
  });

  it('scales 5-20 workers with 4-8 CPU and 8-16 GiB on the length of Bull\u2019s waiting list', () => {
    const config = find('prod', 'ConfigMap', 'imgpipe-config')['data'];
    const scaled = find('prod', 'ScaledObject', 'imgpipe-worker')['spec'];
    expect(scaled).toMatchObject({
      minReplicaCount: 5,
      maxReplicaCount: 20,
      scaleTargetRef: { name: 'imgpipe-worker' },
    });
    expect(scaled.triggers).toHaveLength(1);
    expect(scaled.triggers[0].type).toBe('redis');
    expect(scaled.triggers[0].metadata.listName).toBe(waitingListKey(config.QUEUE_PREFIX));
    // The scaler reads the Redis the apps use.
    const redisService = find('prod', 'Service', 'imgpipe-redis');
    expect(`redis://${scaled.triggers[0].metadata.address}`).toBe(config.REDIS_URL);
    expect(config.REDIS_URL).toBe(`redis://${redisService.metadata.name}:${redisService['spec'].ports[0].port}`);
    const worker = find('prod', 'Deployment', 'imgpipe-worker');
    expect(container(worker).resources).toEqual({
      requests: { cpu: '4', memory: '8Gi' },
      limits: { cpu: '8', memory: '16Gi' },
    });
    expect(podSpec(worker).terminationGracePeriodSeconds).toBeGreaterThanOrEqual(60);
    expect(find('prod', 'PodDisruptionBudget', 'imgpipe-worker')).toBeDefined();
  });

  it('keeps Redis on a persistent volume with an append-only file', () => {
    const redis = find('prod', 'StatefulSet', 'imgpipe-redis');
    expect(redis['spec'].volumeClaimTemplates[0].spec.resources.requests.storage).toBeDefined();
    expect(find('prod', 'ConfigMap', 'imgpipe-redis-config')['data']['redis.conf']).toMatch(/^appendonly yes$/m);
  });

  it('deploys images tagged with a version of each app, never one ahead of its package.json', () => {
    // CI pushes an image for every version that reaches main; `nx release` moves the versions on,
    // and an overlay is moved to a new tag when that release is rolled out.
    for (const app of ['api', 'worker'] as const) {
      const image = container(find('prod', 'Deployment', `imgpipe-${app}`)).image as string;
      const tag = new RegExp(`^ghcr\\.io/[a-z0-9-]+/${app}:(\\d+)\\.(\\d+)\\.(\\d+)$`).exec(image);
      expect(tag).not.toBeNull();
      const current = appVersion(app).split('.').map(Number);
      const deployed = (tag as RegExpExecArray).slice(1).map(Number);
      const order = deployed.map((n, i) => n - current[i]).find((d) => d !== 0) ?? 0;
      expect({ image, aheadOfPackageJson: order > 0 }).toEqual({ image, aheadOfPackageJson: false });
    }
  });

  it('reaches S3 through an IAM role and takes the JWT configuration from a secret manager', () => {
    expect(find('prod', 'ServiceAccount', 'imgpipe').metadata['annotations']).toEqual({
      'eks.amazonaws.com/role-arn': expect.stringMatching(/^arn:aws:iam::\d{12}:role\//),
    });
    expect(find('prod', 'ExternalSecret', 'imgpipe-auth')['spec'].target.name).toBe('imgpipe-auth');
    expect(render('prod').manifests.filter((m) => m.kind === 'Secret')).toEqual([]);
  });

  it('lets only the ingress controller reach the api, and only the apps and KEDA reach Redis', () => {
    const policies = render('prod').manifests.filter((m) => m.kind === 'NetworkPolicy');
    const deny = policies.find((p) => Object.keys(p['spec'].podSelector).length === 0);
    expect(deny?.['spec']).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
    const sources = (app: string) =>
      policies
        .filter((p) => p['spec'].podSelector.matchLabels?.['app.kubernetes.io/name'] === app)
        .flatMap((p) => p['spec'].ingress.flatMap((rule: { from: unknown[] }) => rule.from));
    expect(sources('imgpipe-api')).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
    ]);
    expect(sources('imgpipe-redis')).toEqual([
      { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'imgpipe-api' } } },
      { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'imgpipe-worker' } } },
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'keda' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'keda-operator' } },
      },
    ]);
  });
});

describe('variants', () => {
  it('managed Redis: KEDA reads the address and password from the worker\u2019s imgpipe-redis Secret, over TLS', () => {
    const trigger = find('prod with managed Redis', 'ScaledObject', 'imgpipe-worker')['spec'].triggers[0].metadata;
    expect(trigger).toMatchObject({
      addressFromEnv: 'REDIS_ADDRESS',
      passwordFromEnv: 'REDIS_PASSWORD',
      enableTLS: 'true',
    });
    expect(trigger.address).toBeUndefined();
    expect(render('prod with managed Redis').manifests.filter((m) => m.kind === 'StatefulSet')).toEqual([]);
    const envFrom = container(find('prod with managed Redis', 'Deployment', 'imgpipe-worker')).envFrom;
    expect(envFrom).toContainEqual({ secretRef: { name: 'imgpipe-redis', optional: true } });
  });

  describe('Redis Sentinel', () => {
    const SENTINEL = 'prod with Redis Sentinel';

    it('runs 3 pods, each with Redis and a sentinel from the official image, one per node, two always up', () => {
      const set = find(SENTINEL, 'StatefulSet', 'imgpipe-redis');
      expect(set['spec'].replicas).toBe(3);
      const spec = podSpec(set);
      expect(spec.containers.map((c: { name: string }) => c.name)).toEqual(['redis', 'sentinel']);
      for (const c of spec.containers) expect(c.image).toMatch(/^redis:\d+\.\d+(-[a-z]+)?$/);
      expect(spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution).toEqual([
        { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: set['spec'].selector.matchLabels } },
      ]);
      const pdb = find(SENTINEL, 'PodDisruptionBudget', 'imgpipe-redis')['spec'];
      expect(pdb).toEqual({ maxUnavailable: 1, selector: { matchLabels: set['spec'].selector.matchLabels } });
      expect(set['spec'].volumeClaimTemplates[0].spec.resources.requests.storage).toBeDefined();
    });

    it('keeps an append-only file and refuses writes on a primary cut off from every replica', () => {
      const config = find(SENTINEL, 'ConfigMap', 'imgpipe-redis-config')['data'];
      expect(config['redis.conf']).toMatch(/^appendonly yes$/m);
      expect(config['redis.conf']).toMatch(/^min-replicas-to-write [1-9]$/m);
      expect(config['start-sentinel.sh']).toMatch(/sentinel monitor \$\{SENTINEL_NAME\} \$primary 6379 2$/m);
    });

    it('has start scripts a POSIX shell parses', async () => {
      const config = find(SENTINEL, 'ConfigMap', 'imgpipe-redis-config')['data'];
      for (const script of ['primary.sh', 'start-redis.sh', 'start-sentinel.sh']) {
        const checked = spawnSync('sh', ['-n'], { input: config[script] });
        expect({ script, status: checked.status, stderr: checked.stderr.toString() }).toEqual({
          script,
          status: 0,
          stderr: '',
        });
      }
      expect(spawnSync('sh', ['-n'], { input: 'if then fi' }).status).not.toBe(0);
    });

    it('points the apps and KEDA at the same sentinels, which are the pods of the set', () => {
      const config = find(SENTINEL, 'ConfigMap', 'imgpipe-config')['data'];
      expect(config.REDIS_URL).toBeUndefined();
      expect(config.REDIS_MIN_REPLICAS_ACK).toBe('1');
      const trigger = find(SENTINEL, 'ScaledObject', 'imgpipe-worker')['spec'].triggers[0];
      expect(trigger.type).toBe('redis-sentinel');
      expect(trigger.metadata).toMatchObject({
        addresses: config.REDIS_SENTINELS,
        sentinelMaster: config.REDIS_SENTINEL_NAME,
        listName: waitingListKey(config.QUEUE_PREFIX),
      });
      expect(trigger.metadata.address).toBeUndefined();
      const set = find(SENTINEL, 'StatefulSet', 'imgpipe-redis');
      const headless = find(SENTINEL, 'Service', set['spec'].serviceName);
      expect(headless['spec'].publishNotReadyAddresses).toBe(true);
      expect(headless['spec'].ports.map((p: { port: number }) => p.port)).toContain(26379);
      expect(config.REDIS_SENTINELS.split(',')).toEqual(
        [0, 1, 2].map((i) => `${set.metadata.name}-${i}.${headless.metadata.name}:26379`),
      );
    });

    it('lets only the apps, KEDA and the Redis pods themselves reach Redis and the sentinels', () => {
      const policies = render(SENTINEL).manifests.filter(
        (m) =>
          m.kind === 'NetworkPolicy' &&
          m['spec'].podSelector.matchLabels?.['app.kubernetes.io/name'] === 'imgpipe-redis',
      );
      expect(policies).toHaveLength(1);
      const [rule] = policies[0]['spec'].ingress;
      expect(rule.from).toEqual([
        { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'imgpipe-api' } } },
        { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'imgpipe-worker' } } },
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'keda' } },
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'keda-operator' } },
        },
        { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'imgpipe-redis' } } },
      ]);
      expect(rule.ports).toEqual([
        { port: 6379, protocol: 'TCP' },
        { port: 26379, protocol: 'TCP' },
      ]);
    });
  });

  it('without KEDA: a CPU HPA scales the workers 5-20 instead', () => {
    expect(render('prod without KEDA').manifests.filter((m) => m.kind === 'ScaledObject')).toEqual([]);
    expect(find('prod without KEDA', 'HorizontalPodAutoscaler', 'imgpipe-worker')['spec']).toMatchObject({
      minReplicas: 5,
      maxReplicas: 20,
      scaleTargetRef: { kind: 'Deployment', name: 'imgpipe-worker' },
    });
  });

  it('dev: a development HS256 secret long enough for the api to accept', () => {
    const secret = find('dev', 'Secret', 'imgpipe-auth');
    const value = Buffer.from(secret['data'].AUTH_JWT_SECRET, 'base64').toString();
    expect(Buffer.byteLength(value)).toBeGreaterThanOrEqual(32);
  });
});

describe('monitoring', () => {
  const data = (prefix: string) => find('monitoring', 'ConfigMap', prefix)['data'];

  it('renders, and every object validates against its schema', () => {
    const { manifests, validation } = render('monitoring');
    expect(manifests.map((m) => m.kind).sort()).toEqual(
      [
        'Namespace',
        'ServiceAccount',
        'ClusterRole',
        'ClusterRoleBinding',
        'PersistentVolumeClaim',
        'Deployment',
        'Deployment',
        'Deployment',
        'Service',
        'Service',
        'Service',
        ...Array(6).fill('ConfigMap'),
      ].sort(),
    );
    expect(validation.filter((r) => r.errors.length > 0)).toEqual([]);
  });

  it('loads deploy/monitoring\u2019s files as they are, where prometheus.k8s.yml expects them', () => {
    const monitoring = join(K8S, '../monitoring');
    const config = readFileSync(join(monitoring, 'prometheus/prometheus.k8s.yml'), 'utf8');
    expect(data('prometheus-config')['prometheus.yml']).toBe(config);
    expect(data('prometheus-rules')['imgpipe-alerts.yml']).toBe(
      readFileSync(join(monitoring, 'prometheus/rules/imgpipe-alerts.yml'), 'utf8'),
    );
    const prometheus = container(find('monitoring', 'Deployment', 'prometheus'));
    expect(prometheus.args).toContain('--config.file=/etc/prometheus/prometheus.yml');
    expect(prometheus.volumeMounts).toContainEqual({ name: 'rules', mountPath: '/etc/prometheus/rules' });
    expect(config).toMatch(/rule_files:\n\s+- rules\/imgpipe-alerts\.yml/);
    // Alerts go to the Service of this namespace; Grafana reads the Prometheus Service.
    const alertmanager = find('monitoring', 'Service', 'alertmanager');
    expect(config).toContain(
      `${alertmanager.metadata.name}.${alertmanager.metadata['namespace']}.svc:${alertmanager['spec'].ports[0].port}`,
    );
    const prometheusService = find('monitoring', 'Service', 'prometheus');
    expect(data('grafana-datasources')['prometheus.yml']).toContain(
      `url: http://${prometheusService.metadata.name}:${prometheusService['spec'].ports[0].port}`,
    );
  });

  it('lets Prometheus list pods and nodes and reach the kubelets, and sits where the NetworkPolicies admit it', () => {
    const role = find('monitoring', 'ClusterRole', 'imgpipe-prometheus');
    expect(role['rules']).toEqual([
      { apiGroups: [''], resources: ['pods', 'nodes'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['nodes/proxy'], verbs: ['get'] },
    ]);
    expect(find('monitoring', 'ClusterRoleBinding', 'imgpipe-prometheus')['subjects']).toEqual([
      { kind: 'ServiceAccount', name: 'prometheus', namespace: 'monitoring' },
    ]);
    expect(find('prod', 'NetworkPolicy', 'imgpipe-worker-ingress')['spec'].ingress[0].from).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
    ]);
  });
});

describe('the validator can fail', () => {
  it('rejects a misspelt field, a wrong type, a ScaledObject without its target, and an unknown kind', () => {
    const [d, s, u] = broken;
    expect(d.errors.join('\n')).toMatch(/'"livenesProbe"' does not exist in type 'IContainer'/);
    expect(d.errors.join('\n')).toMatch(/\/spec\/replicas must be integer/);
    expect(s.errors.join('\n')).toMatch(/must have required property scaleTargetRef/);
    expect(u.errors).toEqual(['no schema for example.com/v1 Widget']);
  });
});
