import Ajv from 'ajv';
import { BLUR_METHODS, BLUR_POLICY_SCHEMA, DEFAULT_BLUR_POLICY, DEFAULT_IMAGE_JOB_POLICY } from '@imgpipe/contracts';
import { LOG_LEVELS, ORIGINALS_WITHOUT_AUTH, S3_SSE_MODES } from './pipeline-config';

const MIB = 1024 * 1024;

interface Bounded {
  minimum: number;
  maximum: number;
}
const integer = <D extends number | undefined>(minimum: number, maximum: number, fallback?: D) =>
  ({ type: 'integer', minimum, maximum, default: fallback }) as const;
const number = <D extends number | undefined>({ minimum, maximum }: Bounded, fallback?: D) =>
  ({ type: 'number', minimum, maximum, default: fallback }) as const;
const boolean = <D extends boolean | undefined>(fallback?: D) => ({ type: 'boolean', default: fallback }) as const;
const oneOf = <E extends string>(values: readonly E[], fallback: E) =>
  ({ type: 'string', enum: values, default: fallback }) as const;

const policy = BLUR_POLICY_SCHEMA.properties;

/**
 * The environment's scalar variables: each one's type, bounds and default. The policy's bounds
 * are the contracts' BLUR_POLICY_SCHEMA, which an upload's override is held to as well. Variables
 * that only make sense together (storage, auth, CORS) are checked in load-config.ts.
 */
export const ENV_SCHEMA = {
  type: 'object',
  properties: {
    PORT: integer(1, 65535, 8000),
    WORKER_PORT: integer(1, 65535, 9100),
    LOG_LEVEL: oneOf(LOG_LEVELS, 'info'),
    S3_FORCE_PATH_STYLE: boolean(false),
    S3_SSE: { type: 'string', enum: S3_SSE_MODES, default: undefined },
    BLUR_METHOD: oneOf(BLUR_METHODS, DEFAULT_BLUR_POLICY.method),
    BLUR_STRENGTH: number(policy.strength, DEFAULT_BLUR_POLICY.strength),
    BLUR_BOX_EXPANSION: number(policy.box_expansion, DEFAULT_BLUR_POLICY.box_expansion),
    BLUR_MIN_BOX_SIZE: number(policy.min_box_size, DEFAULT_BLUR_POLICY.min_box_size),
    FACE_SCORE_THRESHOLD: number(policy.thresholds.properties.face, DEFAULT_BLUR_POLICY.thresholds.face),
    PLATE_SCORE_THRESHOLD: number(policy.thresholds.properties.plate, DEFAULT_BLUR_POLICY.thresholds.plate),
    HEAD_FALLBACK: boolean(DEFAULT_BLUR_POLICY.head_fallback),
    // Unset limits are the default policy itself, which load-config.ts fills in.
    POLICY_MAX_FACE_THRESHOLD: number(policy.thresholds.properties.face),
    POLICY_MAX_PLATE_THRESHOLD: number(policy.thresholds.properties.plate),
    POLICY_MAX_MIN_BOX_SIZE: number(policy.min_box_size),
    POLICY_MIN_STRENGTH: number(policy.strength),
    POLICY_MIN_BOX_EXPANSION: number(policy.box_expansion),
    POLICY_ALLOW_HEAD_FALLBACK_OFF: boolean(),
    ORIGINALS_WITHOUT_AUTH: oneOf(ORIGINALS_WITHOUT_AUTH, 'loopback'),
    MAX_BATCH_FILES: integer(1, 1000, 100),
    MAX_QUEUE_SIZE: integer(1, 10_000_000, 1000),
    LATENCY_TARGET_S: number({ minimum: 0.1, maximum: 86_400 }, 60),
    MAX_UPLOAD_BYTES: integer(1024, 1024 * MIB, 25 * MIB),
    MAX_UPLOAD_BYTES_IN_FLIGHT: integer(MIB, 64 * 1024 * MIB, 128 * MIB),
    MAX_IMAGE_PIXELS: integer(1, 1_000_000_000, 50_000_000),
    JOB_RETENTION_HOURS: integer(1, 24 * 365, DEFAULT_IMAGE_JOB_POLICY.retentionHours),
    // Unset keeps originals as long as the store does; fractions of an hour are allowed.
    ORIGINALS_RETENTION_HOURS: number({ minimum: 0, maximum: 24 * 365 * 10 }),
    JOB_ATTEMPTS: integer(1, 20, DEFAULT_IMAGE_JOB_POLICY.attempts),
    JOB_BACKOFF_MS: integer(0, 3_600_000, DEFAULT_IMAGE_JOB_POLICY.backoffMs),
    WORKER_CONCURRENCY: integer(1, 64, 2),
    WORKER_PROCESSES: integer(1, 64, 1),
    NUM_WORKERS: integer(1, 64, 1),
    JPEG_QUALITY: integer(1, 100, 85),
    ONNX_THREADS: integer(1, 64, 1),
    THOROUGH_FACE_SEARCH: boolean(false),
    DETECTION_SCORE_THRESHOLD: number({ minimum: 0.01, maximum: 0.99 }, 0.35),
    RATE_LIMIT_PER_MINUTE: integer(0, 10_000_000, 12_000),
    TRUST_PROXY_HOPS: integer(0, 10, 0),
    SERVE_ORIGINALS: boolean(true),
    JOB_LOCK_MS: integer(1000, 3_600_000, 15_000),
    // Unset: 1 with sentinels, 0 otherwise (load-config.ts).
    REDIS_MIN_REPLICAS_ACK: integer(0, 16),
    REDIS_ACK_TIMEOUT_MS: integer(10, 10_000, 1000),
  },
} as const;

type Properties = typeof ENV_SCHEMA.properties;
type ValueOf<S> = S extends { type: 'boolean' } ? boolean : S extends { enum: readonly (infer E)[] } ? E : number;
/** The scalar variables, parsed; those without a default may be undefined. */
export type EnvValues = {
  [K in keyof Properties]: Properties[K] extends { default: undefined }
    ? ValueOf<Properties[K]> | undefined
    : ValueOf<Properties[K]>;
};

/** Values an operator may write in any case. */
const CASE_INSENSITIVE = new Set<string>(['LOG_LEVEL', 'ORIGINALS_WITHOUT_AUTH']);

// useDefaults fills in each unset variable's default; allErrors reports every bad one at once.
const validate = new Ajv({ allErrors: true, useDefaults: true, strict: true }).compile(ENV_SCHEMA);

/**
 * Parses the text of each variable of ENV_SCHEMA into its type and validates it against the
 * schema. `problems` words every bad variable from its bounds, with the text given; its value
 * is then the default, so the checks that combine variables can still run.
 */
export function parseEnv(text: Record<string, string | undefined>): { values: EnvValues; problems: string[] } {
  const properties: Record<string, Schema> = ENV_SCHEMA.properties;
  const data: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(properties)) {
    const raw = text[name];
    if (raw !== undefined && raw !== '') data[name] = parse(raw, schema, CASE_INSENSITIVE.has(name));
  }
  const problems: string[] = [];
  const input: unknown = data;
  if (!validate(input)) {
    const bad = new Set((validate.errors ?? []).map((error) => error.instancePath.slice(1)));
    for (const name of Object.keys(properties).filter((n) => bad.has(n))) {
      const schema = properties[name];
      const raw = CASE_INSENSITIVE.has(name) ? text[name]?.toLowerCase() : text[name];
      problems.push(`${name} ${wording(schema)} (got "${raw}")`);
      data[name] = schema.default;
    }
  }
  return { values: data as EnvValues, problems };
}

interface Schema {
  type: string;
  minimum?: number;
  maximum?: number;
  enum?: readonly string[];
  default?: unknown;
}

/** Text to the JSON value it stands for, or the text itself where it stands for none (the schema then refuses it). */
function parse(raw: string, schema: Schema, caseInsensitive: boolean): unknown {
  switch (schema.type) {
    case 'integer':
      return /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : raw;
    case 'number':
      return raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
    case 'boolean':
      if (/^(1|true|yes|on)$/i.test(raw)) return true;
      return /^(0|false|no|off)$/i.test(raw) ? false : raw;
    default:
      return caseInsensitive ? raw.toLowerCase() : raw;
  }
}

function wording(schema: Schema): string {
  if (schema.enum) return `must be one of ${schema.enum.join(', ')}`;
  if (schema.type === 'boolean') return 'must be true or false';
  return `must be ${schema.type === 'integer' ? 'an integer' : 'a number'} from ${schema.minimum} to ${schema.maximum}`;
}
