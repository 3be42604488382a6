import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { COMPOSE, configEnvNames, DEPLOY, run, RUNTIME_ENV, WORKSPACE } from './support';

// The Compose Specification's JSON schema as dclint ships it (the compose-spec project's
// schema/compose-spec.json), so the check needs no network.
const SCHEMA_PATH = join(dirname(require.resolve('dclint')), '../schemas/compose.schema.json');
const DCLINT = join(dirname(require.resolve('dclint')), '../bin/dclint.cjs');
// Style rules about key and service order; everything else dclint checks stays on.
const ORDER_RULES = [
  'service-keys-order',
  'services-alphabetical-order',
  'top-level-properties-order',
  'service-dependencies-alphabetical-order',
];
const FILES = ['docker-compose.yml', 'docker-compose.test.yml'];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Compose = { services: Record<string, any>; [key: string]: unknown };
const compose = (file: string) => parse(readFileSync(join(COMPOSE, file), 'utf8'), { merge: true }) as Compose;

// The schema is draft-07, the dialect Ajv's default class implements; its `$schema` spells the
// draft's address with https, which Ajv does not know by that name, so it is dropped.
const { $schema: _dialect, ...composeSchema } = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));
const ajv = new Ajv({ allErrors: true, strict: false });
const validateCompose = ajv.compile(composeSchema);
const schemaErrors = (doc: unknown) =>
  validateCompose(doc) ? [] : (validateCompose.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);

describe.each(FILES)('deploy/compose/%s', (file) => {
  it('validates against the Compose Specification schema', () => {
    expect(schemaErrors(compose(file))).toEqual([]);
  });

  it('passes dclint', async () => {
    const out = await run(process.execPath, [
      DCLINT,
      join(COMPOSE, file),
      '--max-warnings',
      '0',
      '--disable-rule',
      ...ORDER_RULES,
    ]);
    expect((out.stdout + out.stderr).trim()).toBe('');
    expect(out.code).toBe(0);
  });

  it('mounts only files and folders that exist in the repository', () => {
    const missing: string[] = [];
    for (const [name, service] of Object.entries(compose(file).services)) {
      for (const volume of service.volumes ?? []) {
        const source = String(volume).split(':')[0];
        if (!source.startsWith('.')) continue;
        // .cache/photos is filled by `npm run fetch:photos`, as the file's header says.
        if (source.endsWith('.cache/photos')) continue;
        if (!existsSync(resolve(COMPOSE, source))) missing.push(`${name}: ${source}`);
      }
      if (service.build && !existsSync(resolve(COMPOSE, service.build.context, service.build.dockerfile)))
        missing.push(`${name}: ${service.build.dockerfile}`);
    }
    expect(missing).toEqual([]);
  });

  it('gives the api and the workers only variables they read', () => {
    const known = configEnvNames();
    for (const app of ['api', 'worker']) {
      const names = Object.keys(compose(file).services[app].environment);
      expect(names.filter((n) => !known.has(n) && !RUNTIME_ENV.has(n))).toEqual([]);
    }
  });
});

describe('the stack file', () => {
  it('has every service of the deployment, workers scalable, k6 only on demand', () => {
    const { services } = compose('docker-compose.yml');
    expect(Object.keys(services).sort()).toEqual(
      ['alertmanager', 'api', 'grafana', 'k6', 'minio', 'minio-init', 'prometheus', 'redis', 'worker'].sort(),
    );
    // A fixed name or host port would stop `--scale worker=N`.
    expect(services['worker'].container_name).toBeUndefined();
    expect(services['worker'].ports).toBeUndefined();
    expect(services['k6'].profiles).toEqual(['load']);
    expect(services['k6'].command).toEqual(['run', '/scripts/load-test.js']);
  });

  it('provisions Grafana with the monitoring dashboard and points it at the Prometheus service', () => {
    const grafana = compose('docker-compose.yml').services['grafana'].volumes.map(String);
    expect(grafana).toContain('../monitoring/grafana/dashboards:/var/lib/grafana/dashboards/imgpipe:ro');
    const provider = parse(
      readFileSync(join(DEPLOY, 'monitoring/grafana/provisioning/dashboards/imgpipe.yml'), 'utf8'),
    );
    expect(provider.providers[0].options.path).toBe('/var/lib/grafana/dashboards/imgpipe');
    const datasource = parse(
      readFileSync(join(DEPLOY, 'monitoring/grafana/provisioning/datasources/prometheus.yml'), 'utf8'),
    );
    expect(datasource.datasources[0].url).toBe('http://prometheus:9090');
  });

  it('its Prometheus configuration, with the monitoring rules beside it, passes promtool check config', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'imgpipe-compose-prometheus-'));
    try {
      mkdirSync(join(scratch, 'rules'));
      copyFileSync(join(COMPOSE, 'prometheus.yml'), join(scratch, 'prometheus.yml'));
      copyFileSync(
        join(DEPLOY, 'monitoring/prometheus/rules/imgpipe-alerts.yml'),
        join(scratch, 'rules/imgpipe-alerts.yml'),
      );
      const out = await run(process.env['PROMTOOL'] as string, ['check', 'config', join(scratch, 'prometheus.yml')]);
      expect(out.stdout + out.stderr).toMatch(/SUCCESS: .*prometheus\.yml is valid prometheus config file syntax/);
      expect(out.stdout + out.stderr).toMatch(/SUCCESS: \d+ rules found/);
      expect(out.code).toBe(0);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

describe('the test file', () => {
  it('runs npm run load\u2019s script against the api, with authentication on and no failure allowed', () => {
    const { services } = compose('docker-compose.test.yml');
    expect(services['api'].environment.AUTH_JWT_SECRET).toBe(services['tests'].environment.AUTH_JWT_SECRET);
    expect(Buffer.byteLength(services['api'].environment.AUTH_JWT_SECRET)).toBeGreaterThanOrEqual(32);
    const command: string[] = services['tests'].command;
    expect(command.slice(0, 4)).toEqual(['node', '/load-tests/load.mjs', '--url', 'http://api:8000']);
    expect(command[command.indexOf('--max-error-ratio') + 1]).toBe('0');
    expect(services['tests'].volumes).toContain('../../tools/load-tests:/load-tests:ro');
    expect(existsSync(join(WORKSPACE, 'tools/load-tests/load.mjs'))).toBe(true);
  });
});

describe('the schema check can fail', () => {
  it('rejects an unknown service key and a malformed port', () => {
    const broken = compose('docker-compose.yml');
    broken.services['api'].healthchek = { test: ['CMD', 'true'] };
    broken.services['worker'].depends_on.redis.condition = 'service_ready';
    const errors = schemaErrors(broken).join('\n');
    expect(errors).toMatch(/\/services\/api must NOT have additional properties/);
    expect(errors).toMatch(
      /\/services\/worker\/depends_on\/redis\/condition must be equal to one of the allowed values/,
    );
  });

  it('dclint reports a port published on every interface', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'imgpipe-compose-'));
    try {
      const file = join(scratch, 'docker-compose.yml');
      writeFileSync(file, 'services:\n  api:\n    image: imgpipe/api:0.1.0\n    ports:\n      - 8000:8000\n');
      const out = await run(process.execPath, [DCLINT, file, '--disable-rule', ...ORDER_RULES]);
      expect(out.stdout + out.stderr).toMatch(/no-unbound-port-interfaces/);
      expect(out.code).not.toBe(0);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
