import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { createPublicKey, randomBytes } from 'node:crypto';
import {
  BLUR_METHODS,
  BLUR_POLICY_SCHEMA,
  BlurMethod,
  BlurPolicy,
  DEFAULT_BLUR_POLICY,
  DEFAULT_IMAGE_JOB_POLICY,
  ORIGINALS_PREFIX,
  PERSON_LABEL,
  PolicyLimits,
  VEHICLE_LABELS,
  checkPolicyLimits,
  policyLimitsOf,
} from '@imgpipe/contracts';
import {
  AuthConfig,
  LOG_LEVELS,
  LogLevel,
  ORIGINALS_WITHOUT_AUTH,
  OriginalsWithoutAuth,
  PipelineConfig,
  PipelineConfigFile,
  StorageConfig,
} from './pipeline-config';

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const MIB = 1024 * 1024;

/**
 * Reads and validates the configuration once. Every problem is collected before throwing, so
 * an operator fixes a bad deployment in one round instead of one variable at a time.
 */
export function loadConfig(env: Env = process.env): PipelineConfig {
  const problems: string[] = [];
  const file = readConfigFile(env['PIPELINE_CONFIG'], problems);
  const aws = file.aws_config ?? {};

  const str = (name: string, fallback?: string): string | undefined => {
    const v = env[name];
    return v === undefined || v === '' ? fallback : v;
  };
  const int = (name: string, fallback: number, min: number, max: number, fileValue?: unknown): number => {
    const raw = str(name) ?? (fileValue === undefined ? undefined : String(fileValue));
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return n;
  };
  const num = (name: string, fallback: number, min: number, max: number): number => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      problems.push(`${name} must be a number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return n;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    problems.push(`${name} must be true or false (got "${raw}")`);
    return fallback;
  };

  const redisUrl = str('REDIS_URL', file.redis_url ?? 'redis://localhost:6379') as string;
  if (!/^rediss?:\/\/[^\s]+$/.test(redisUrl))
    problems.push(`REDIS_URL must be a redis:// or rediss:// URL (got "${redisUrl}")`);

  const logLevel = (str('LOG_LEVEL', 'info') as string).toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);
  }

  const bucket = str('S3_BUCKET', aws.bucket_name);
  let storage: StorageConfig;
  if (bucket) {
    const endpoint = str('S3_ENDPOINT');
    if (endpoint && !/^https?:\/\/\S+$/.test(endpoint))
      problems.push(`S3_ENDPOINT must be an http(s) URL (got "${endpoint}")`);
    const accessKeyId = str('AWS_ACCESS_KEY_ID', aws.aws_access_key_id);
    const secretAccessKey = str('AWS_SECRET_ACCESS_KEY', aws.aws_secret_access_key);
    if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) {
      problems.push(
        'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together (or neither, to use the default credential chain)',
      );
    }
    const originalsBucket = str('S3_ORIGINALS_BUCKET');
    storage = {
      driver: 's3',
      bucket,
      ...(originalsBucket ? { prefixBuckets: { [ORIGINALS_PREFIX]: originalsBucket } } : {}),
      region: str('AWS_REGION', aws.region_name ?? 'us-east-1') as string,
      endpoint,
      forcePathStyle: bool('S3_FORCE_PATH_STYLE', false),
      accessKeyId,
      secretAccessKey,
    };
  } else {
    storage = { driver: 'local', dataDir: resolve(str('DATA_DIR', './data') as string) };
    if (str('S3_ORIGINALS_BUCKET')) problems.push('S3_ORIGINALS_BUCKET needs S3_BUCKET (local storage has no buckets)');
  }

  const blurMethod = str('BLUR_METHOD', DEFAULT_BLUR_POLICY.method) as string;
  if (!(BLUR_METHODS as readonly string[]).includes(blurMethod)) {
    problems.push(`BLUR_METHOD must be one of ${BLUR_METHODS.join(', ')} (got "${blurMethod}")`);
  }
  const classes = str('DETECTION_CLASSES');
  const labels = str('DETECTOR_LABELS');
  if (labels && !str('DETECTOR_MODEL'))
    problems.push('DETECTOR_LABELS names the classes of DETECTOR_MODEL, which is not set');
  checkPrivacyLabels(labels ? commaList(labels) : undefined, str('DETECTOR_ALLOW_MISSING_CLASSES'), problems);

  // The policy's bounds are the contracts' schema's, the same an upload's override is held to.
  const { properties: fields } = BLUR_POLICY_SCHEMA;
  const range = (field: { minimum: number; maximum: number }) => [field.minimum, field.maximum] as const;
  const bounds = {
    strength: range(fields.strength),
    box_expansion: range(fields.box_expansion),
    min_box_size: range(fields.min_box_size),
    face: range(fields.thresholds.properties.face),
    plate: range(fields.thresholds.properties.plate),
  };
  const policy: BlurPolicy = {
    method: blurMethod as BlurMethod,
    strength: num('BLUR_STRENGTH', DEFAULT_BLUR_POLICY.strength, ...bounds.strength),
    box_expansion: num('BLUR_BOX_EXPANSION', DEFAULT_BLUR_POLICY.box_expansion, ...bounds.box_expansion),
    min_box_size: num('BLUR_MIN_BOX_SIZE', DEFAULT_BLUR_POLICY.min_box_size, ...bounds.min_box_size),
    thresholds: {
      face: num('FACE_SCORE_THRESHOLD', DEFAULT_BLUR_POLICY.thresholds.face, ...bounds.face),
      plate: num('PLATE_SCORE_THRESHOLD', DEFAULT_BLUR_POLICY.thresholds.plate, ...bounds.plate),
    },
    head_fallback: bool('HEAD_FALLBACK', DEFAULT_BLUR_POLICY.head_fallback),
  };
  // Unset limits are the default policy itself: an upload may only make privacy stronger.
  const fromDefaults = policyLimitsOf(policy);
  const policyLimits: PolicyLimits = {
    maxFaceThreshold: num('POLICY_MAX_FACE_THRESHOLD', fromDefaults.maxFaceThreshold, ...bounds.face),
    maxPlateThreshold: num('POLICY_MAX_PLATE_THRESHOLD', fromDefaults.maxPlateThreshold, ...bounds.plate),
    maxMinBoxSize: num('POLICY_MAX_MIN_BOX_SIZE', fromDefaults.maxMinBoxSize, ...bounds.min_box_size),
    minStrength: num('POLICY_MIN_STRENGTH', fromDefaults.minStrength, ...bounds.strength),
    minBoxExpansion: num('POLICY_MIN_BOX_EXPANSION', fromDefaults.minBoxExpansion, ...bounds.box_expansion),
    allowHeadFallbackOff: bool('POLICY_ALLOW_HEAD_FALLBACK_OFF', fromDefaults.allowHeadFallbackOff),
  };
  for (const violation of checkPolicyLimits(policy, policyLimits)) {
    problems.push(
      `${DEFAULT_POLICY_VARIABLES[violation.key]}: the default policy breaks the operator's own limit: ${violation.message}`,
    );
  }

  const originalsWithoutAuth = (str('ORIGINALS_WITHOUT_AUTH', 'loopback') as string).toLowerCase();
  if (!(ORIGINALS_WITHOUT_AUTH as readonly string[]).includes(originalsWithoutAuth)) {
    problems.push(
      `ORIGINALS_WITHOUT_AUTH must be one of ${ORIGINALS_WITHOUT_AUTH.join(', ')} (got "${originalsWithoutAuth}")`,
    );
  }

  const config: PipelineConfig = {
    port: int('PORT', 8000, 1, 65535),
    workerPort: int('WORKER_PORT', 9100, 1, 65535),
    host: str('HOST', '0.0.0.0') as string,
    logLevel: logLevel as LogLevel,
    workerId: str('WORKER_ID') ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
    redisUrl,
    queuePrefix: str('QUEUE_PREFIX', 'bull') as string,
    keyPrefix: str('REDIS_KEY_PREFIX', 'imgpipe') as string,
    storage,
    maxBatchFiles: int('MAX_BATCH_FILES', 100, 1, 1000),
    maxQueueSize: int('MAX_QUEUE_SIZE', 1000, 1, 10_000_000, file.max_queue_size),
    latencyTargetS: num('LATENCY_TARGET_S', 60, 0.1, 86_400),
    maxUploadBytes: int('MAX_UPLOAD_BYTES', 25 * MIB, 1024, 1024 * MIB),
    maxUploadBytesInFlight: int('MAX_UPLOAD_BYTES_IN_FLIGHT', 128 * MIB, MIB, 64 * 1024 * MIB),
    maxImagePixels: int('MAX_IMAGE_PIXELS', 50_000_000, 1, 1_000_000_000),
    jobRetentionHours: int('JOB_RETENTION_HOURS', DEFAULT_IMAGE_JOB_POLICY.retentionHours, 1, 24 * 365),
    jobAttempts: int('JOB_ATTEMPTS', DEFAULT_IMAGE_JOB_POLICY.attempts, 1, 20),
    jobBackoffMs: int('JOB_BACKOFF_MS', DEFAULT_IMAGE_JOB_POLICY.backoffMs, 0, 3_600_000),
    workerConcurrency: int('WORKER_CONCURRENCY', 2, 1, 64),
    workerProcesses: int('WORKER_PROCESSES', 1, 1, 64),
    numWorkers: int('NUM_WORKERS', 1, 1, 64, file.num_workers),
    jpegQuality: int('JPEG_QUALITY', 85, 1, 100),
    modelsDir: resolve(str('MODELS_DIR', './.cache/models') as string),
    detectorModel: optionalPath(str('DETECTOR_MODEL')),
    detectorLabels: labels ? commaList(labels) : undefined,
    plateModel: optionalPath(str('PLATE_MODEL')),
    onnxThreads: int('ONNX_THREADS', 1, 1, 64),
    thoroughFaceSearch: bool('THOROUGH_FACE_SEARCH', false),
    detection: {
      scoreThreshold: num('DETECTION_SCORE_THRESHOLD', 0.35, 0.01, 0.99),
      classes: classes ? commaList(classes) : null,
    },
    policy,
    policyLimits,
    auth: readAuth(str, problems),
    rateLimitPerMinute: int('RATE_LIMIT_PER_MINUTE', 12_000, 0, 10_000_000),
    corsOrigins: commaList(str('CORS_ORIGINS', '') as string),
    trustProxyHops: int('TRUST_PROXY_HOPS', 0, 0, 10),
    serveOriginals: bool('SERVE_ORIGINALS', true),
    originalsWithoutAuth: originalsWithoutAuth as OriginalsWithoutAuth,
    jobLockMs: int('JOB_LOCK_MS', 60_000, 1000, 3_600_000),
  };
  if (config.maxUploadBytesInFlight < config.maxUploadBytes) {
    problems.push(
      `MAX_UPLOAD_BYTES_IN_FLIGHT (${config.maxUploadBytesInFlight}) must be at least MAX_UPLOAD_BYTES (${config.maxUploadBytes}), or the largest upload allowed could never be received`,
    );
  }
  for (const origin of config.corsOrigins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin))
      problems.push(`CORS_ORIGINS must list origins such as https://app.example.com (got "${origin}")`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** The variable that sets each field of the default policy, for a default beyond its own limit. */
const DEFAULT_POLICY_VARIABLES = {
  'thresholds.face': 'FACE_SCORE_THRESHOLD',
  'thresholds.plate': 'PLATE_SCORE_THRESHOLD',
  min_box_size: 'BLUR_MIN_BOX_SIZE',
  strength: 'BLUR_STRENGTH',
  box_expansion: 'BLUR_BOX_EXPANSION',
  head_fallback: 'HEAD_FALLBACK',
} as const;

type PrivacyClass = 'person' | 'vehicle';

/** What an operator may let a detector lack (DETECTOR_ALLOW_MISSING_CLASSES), and what is lost without it. */
const PRIVACY_CLASSES: Record<PrivacyClass, { labels: readonly string[]; loss: string }> = {
  person: {
    labels: [PERSON_LABEL],
    loss: 'a person in whom no face is found would not get the head area blurred (head_fallback)',
  },
  vehicle: {
    labels: VEHICLE_LABELS,
    loss: 'text detection looks for plates on vehicles only, so it would blur no plate',
  },
};

/**
 * A custom detector must know persons and at least one vehicle class, or the privacy stages that
 * start from them silently do nothing. `labels` undefined: COCO's 80, which have both.
 */
function checkPrivacyLabels(labels: string[] | undefined, allowed: string | undefined, problems: string[]): void {
  const names = Object.keys(PRIVACY_CLASSES) as PrivacyClass[];
  const allow = commaList(allowed ?? '').map((c) => c.toLowerCase());
  for (const c of allow) {
    if (!(names as string[]).includes(c))
      problems.push(`DETECTOR_ALLOW_MISSING_CLASSES must list some of ${names.join(', ')} (got "${c}")`);
  }
  if (!labels) return;
  for (const name of names) {
    const { labels: wanted, loss } = PRIVACY_CLASSES[name];
    if (allow.includes(name) || wanted.some((label) => labels.includes(label))) continue;
    const missing = wanted.length === 1 ? `"${wanted[0]}"` : `any of ${wanted.join(', ')}`;
    problems.push(
      `DETECTOR_LABELS lacks ${missing}: ${loss}; use a detector that has it, or set ` +
        `DETECTOR_ALLOW_MISSING_CLASSES=${name} to run without`,
    );
  }
}

/** Minimum HS256 secret: shorter keys make tokens guessable offline (RFC 7518 3.2 asks for 256 bits). */
const MIN_HS256_SECRET_BYTES = 32;

function readAuth(str: (name: string) => string | undefined, problems: string[]): AuthConfig | null {
  const secret = str('AUTH_JWT_SECRET');
  const publicKeyPem = str('AUTH_JWT_PUBLIC_KEY');
  const jwksUrl = str('AUTH_JWKS_URL');
  const claims = { issuer: str('AUTH_JWT_ISSUER'), audience: str('AUTH_JWT_AUDIENCE') };
  const set = [secret, publicKeyPem, jwksUrl].filter(Boolean).length;
  if (set === 0) {
    if (claims.issuer || claims.audience)
      problems.push(
        'AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE need one of AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY, AUTH_JWKS_URL',
      );
    return null;
  }
  if (set > 1) {
    problems.push('set only one of AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY and AUTH_JWKS_URL');
    return null;
  }
  if (secret) {
    if (Buffer.byteLength(secret) < MIN_HS256_SECRET_BYTES)
      problems.push(`AUTH_JWT_SECRET must be at least ${MIN_HS256_SECRET_BYTES} bytes long`);
    return { kind: 'hs256', secret, ...claims };
  }
  if (publicKeyPem) {
    // Kubernetes secrets and .env files often carry the PEM with literal "\n".
    const pem = publicKeyPem.replace(/\\n/g, '\n');
    try {
      const key = createPublicKey(pem);
      if (key.asymmetricKeyType !== 'rsa') problems.push('AUTH_JWT_PUBLIC_KEY must be an RSA public key (RS256)');
    } catch (err) {
      problems.push(`AUTH_JWT_PUBLIC_KEY is not a PEM public key: ${(err as Error).message}`);
    }
    return { kind: 'rs256', publicKeyPem: pem, ...claims };
  }
  if (!/^https?:\/\/\S+$/.test(jwksUrl as string))
    problems.push(`AUTH_JWKS_URL must be an http(s) URL (got "${jwksUrl}")`);
  return { kind: 'jwks', jwksUrl: jwksUrl as string, ...claims };
}

function commaList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

function optionalPath(value: string | undefined): string | undefined {
  return value === undefined ? undefined : resolve(value);
}

function readConfigFile(path: string | undefined, problems: string[]): PipelineConfigFile {
  if (!path) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    problems.push(`PIPELINE_CONFIG: cannot read ${path}: ${(err as Error).message}`);
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    problems.push(`PIPELINE_CONFIG: ${path} must hold a JSON object`);
    return {};
  }
  const file = parsed as PipelineConfigFile;
  const known = ['redis_url', 'aws_config', 'num_workers', 'max_queue_size'];
  for (const key of Object.keys(file)) {
    if (!known.includes(key)) problems.push(`PIPELINE_CONFIG: unknown key "${key}" (known: ${known.join(', ')})`);
  }
  if (file.aws_config !== undefined && (typeof file.aws_config !== 'object' || file.aws_config === null)) {
    problems.push('PIPELINE_CONFIG: aws_config must be an object');
    return { ...file, aws_config: undefined };
  }
  return file;
}
