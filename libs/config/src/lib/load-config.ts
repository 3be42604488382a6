import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { createPublicKey, randomBytes } from 'node:crypto';
import {
  BlurPolicy,
  ORIGINALS_PREFIX,
  PERSON_LABEL,
  PolicyLimits,
  VEHICLE_LABELS,
  checkPolicyLimits,
  policyLimitsOf,
} from '@imgpipe/contracts';
import { parseEnv } from './env.schema';
import { readRedis } from './redis-config';
import { AuthConfig, PipelineConfig, PipelineConfigFile, S3Encryption, StorageConfig } from './pipeline-config';

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

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
  const fromFile = (name: string, value: unknown) => str(name) ?? (value === undefined ? undefined : String(value));
  const parsed = parseEnv({
    ...env,
    MAX_QUEUE_SIZE: fromFile('MAX_QUEUE_SIZE', file.max_queue_size),
    NUM_WORKERS: fromFile('NUM_WORKERS', file.num_workers),
  });
  const v = parsed.values;
  problems.push(...parsed.problems);

  const redis = readRedis(str, file.redis_url, problems);

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
    const encryption = readEncryption(v.S3_SSE, str, problems);
    storage = {
      driver: 's3',
      bucket,
      ...(originalsBucket ? { prefixBuckets: { [ORIGINALS_PREFIX]: originalsBucket } } : {}),
      region: str('AWS_REGION', aws.region_name ?? 'us-east-1') as string,
      endpoint,
      forcePathStyle: v.S3_FORCE_PATH_STYLE,
      accessKeyId,
      secretAccessKey,
      ...(encryption ? { encryption } : {}),
    };
  } else {
    storage = { driver: 'local', dataDir: resolve(str('DATA_DIR', './data') as string) };
    if (str('S3_ORIGINALS_BUCKET')) problems.push('S3_ORIGINALS_BUCKET needs S3_BUCKET (local storage has no buckets)');
    for (const name of ['S3_SSE', 'S3_KMS_KEY_ID', 'S3_ORIGINALS_KMS_KEY_ID']) {
      if (str(name)) problems.push(`${name} needs S3_BUCKET (local storage does no server-side encryption)`);
    }
  }

  const classes = str('DETECTION_CLASSES');
  const labels = str('DETECTOR_LABELS');
  if (labels && !str('DETECTOR_MODEL'))
    problems.push('DETECTOR_LABELS names the classes of DETECTOR_MODEL, which is not set');
  checkPrivacyLabels(labels ? commaList(labels) : undefined, str('DETECTOR_ALLOW_MISSING_CLASSES'), problems);

  const policy: BlurPolicy = {
    method: v.BLUR_METHOD,
    strength: v.BLUR_STRENGTH,
    box_expansion: v.BLUR_BOX_EXPANSION,
    min_box_size: v.BLUR_MIN_BOX_SIZE,
    thresholds: { face: v.FACE_SCORE_THRESHOLD, plate: v.PLATE_SCORE_THRESHOLD },
    head_fallback: v.HEAD_FALLBACK,
  };
  // Unset limits are the default policy itself: an upload may only make privacy stronger.
  const fromDefaults = policyLimitsOf(policy);
  const policyLimits: PolicyLimits = {
    maxFaceThreshold: v.POLICY_MAX_FACE_THRESHOLD ?? fromDefaults.maxFaceThreshold,
    maxPlateThreshold: v.POLICY_MAX_PLATE_THRESHOLD ?? fromDefaults.maxPlateThreshold,
    maxMinBoxSize: v.POLICY_MAX_MIN_BOX_SIZE ?? fromDefaults.maxMinBoxSize,
    minStrength: v.POLICY_MIN_STRENGTH ?? fromDefaults.minStrength,
    minBoxExpansion: v.POLICY_MIN_BOX_EXPANSION ?? fromDefaults.minBoxExpansion,
    allowHeadFallbackOff: v.POLICY_ALLOW_HEAD_FALLBACK_OFF ?? fromDefaults.allowHeadFallbackOff,
  };
  for (const violation of checkPolicyLimits(policy, policyLimits)) {
    problems.push(
      `${DEFAULT_POLICY_VARIABLES[violation.key]}: the default policy breaks the operator's own limit: ${violation.message}`,
    );
  }

  const config: PipelineConfig = {
    port: v.PORT,
    workerPort: v.WORKER_PORT,
    host: str('HOST', '0.0.0.0') as string,
    logLevel: v.LOG_LEVEL,
    workerId: str('WORKER_ID') ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
    redis,
    redisMinReplicasAck: v.REDIS_MIN_REPLICAS_ACK ?? (redis.mode === 'sentinel' ? 1 : 0),
    redisAckTimeoutMs: v.REDIS_ACK_TIMEOUT_MS,
    queuePrefix: str('QUEUE_PREFIX', 'bull') as string,
    keyPrefix: str('REDIS_KEY_PREFIX', 'imgpipe') as string,
    storage,
    maxBatchFiles: v.MAX_BATCH_FILES,
    maxQueueSize: v.MAX_QUEUE_SIZE,
    latencyTargetS: v.LATENCY_TARGET_S,
    maxUploadBytes: v.MAX_UPLOAD_BYTES,
    maxUploadBytesInFlight: v.MAX_UPLOAD_BYTES_IN_FLIGHT,
    maxImagePixels: v.MAX_IMAGE_PIXELS,
    jobRetentionHours: v.JOB_RETENTION_HOURS,
    originalsRetentionHours: v.ORIGINALS_RETENTION_HOURS,
    jobAttempts: v.JOB_ATTEMPTS,
    jobBackoffMs: v.JOB_BACKOFF_MS,
    workerConcurrency: v.WORKER_CONCURRENCY,
    workerProcesses: v.WORKER_PROCESSES,
    numWorkers: v.NUM_WORKERS,
    jpegQuality: v.JPEG_QUALITY,
    modelsDir: resolve(str('MODELS_DIR', './.cache/models') as string),
    detectorModel: optionalPath(str('DETECTOR_MODEL')),
    detectorLabels: labels ? commaList(labels) : undefined,
    plateModel: optionalPath(str('PLATE_MODEL')),
    onnxThreads: v.ONNX_THREADS,
    thoroughFaceSearch: v.THOROUGH_FACE_SEARCH,
    detection: {
      scoreThreshold: v.DETECTION_SCORE_THRESHOLD,
      classes: classes ? commaList(classes) : null,
    },
    policy,
    policyLimits,
    auth: readAuth(str, problems),
    rateLimitPerMinute: v.RATE_LIMIT_PER_MINUTE,
    corsOrigins: commaList(str('CORS_ORIGINS', '') as string),
    trustProxyHops: v.TRUST_PROXY_HOPS,
    serveOriginals: v.SERVE_ORIGINALS,
    originalsWithoutAuth: v.ORIGINALS_WITHOUT_AUTH,
    jobLockMs: v.JOB_LOCK_MS,
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

/** S3_SSE and its KMS keys; a key without `aws:kms` is a problem, not silently ignored. */
function readEncryption(
  sse: S3Encryption['sse'] | undefined,
  str: (name: string) => string | undefined,
  problems: string[],
): S3Encryption | undefined {
  const kmsKeyId = str('S3_KMS_KEY_ID');
  const originalsKmsKeyId = str('S3_ORIGINALS_KMS_KEY_ID');
  if (sse !== 'aws:kms') {
    for (const [name, value] of [
      ['S3_KMS_KEY_ID', kmsKeyId],
      ['S3_ORIGINALS_KMS_KEY_ID', originalsKmsKeyId],
    ]) {
      if (value) problems.push(`${name} needs S3_SSE=aws:kms (S3_SSE is ${sse ?? 'unset'})`);
    }
  }
  if (sse === undefined) return undefined;
  if (sse === 'AES256') return { sse };
  return {
    sse,
    ...(kmsKeyId ? { kmsKeyId } : {}),
    ...(originalsKmsKeyId ? { prefixKmsKeyIds: { [ORIGINALS_PREFIX]: originalsKmsKeyId } } : {}),
  };
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
