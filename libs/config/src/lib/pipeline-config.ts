import { BlurPolicy, PolicyLimits } from '@imgpipe/contracts';

/** The validated configuration of the api, the worker and the tools that run them. */
export interface PipelineConfig {
  port: number;
  workerPort: number;
  host: string;
  logLevel: LogLevel;
  workerId: string;

  /** Where Redis is: one URL, or the sentinels that name its current primary. */
  redis: RedisConfig;
  /**
   * Replicas that must acknowledge an upload's job (Redis WAIT) before the api answers 202
   * (REDIS_MIN_REPLICAS_ACK; 1 with sentinels, 0 otherwise).
   */
  redisMinReplicasAck: number;
  /** How long the api waits for those acknowledgements before refusing the upload with 503. */
  redisAckTimeoutMs: number;
  /** Prefix of Bull's own keys (`bull:image-processing:wait`, ...). */
  queuePrefix: string;
  /** Prefix of the job status, batch and statistics keys. */
  keyPrefix: string;

  storage: StorageConfig;

  maxBatchFiles: number;
  /** Hard ceiling on waiting jobs, whatever the drain rate. */
  maxQueueSize: number;
  /**
   * Uploads are admitted only while the jobs ahead of them (waiting and active) can finish within
   * this many seconds at the measured drain rate (LATENCY_TARGET_S).
   */
  latencyTargetS: number;
  maxUploadBytes: number;
  /**
   * Upload bytes one api process holds at once, across concurrent requests; beyond it uploads get
   * 503 before their bodies are read (MAX_UPLOAD_BYTES_IN_FLIGHT).
   */
  maxUploadBytesInFlight: number;
  /** Width x height above which an upload is refused before any decode. */
  maxImagePixels: number;
  jobRetentionHours: number;
  /**
   * Hours an unblurred original is kept after its job ended (completed, or failed with no retry
   * left); 0 deletes it at once. Undefined keeps it as long as the store does (ORIGINALS_RETENTION_HOURS).
   */
  originalsRetentionHours?: number;
  jobAttempts: number;
  jobBackoffMs: number;
  /** Jobs one worker process runs at once. */
  workerConcurrency: number;
  /** Worker processes one `worker` app runs under a supervisor (one per core it is given). */
  workerProcesses: number;
  /** Worker processes the local stack starts (`num_workers` in PIPELINE_CONFIG). */
  numWorkers: number;
  jpegQuality: number;

  /** Where fetched and converted model files live (MODELS_DIR). */
  modelsDir: string;
  /** A user's own YOLO ONNX export replacing the default detector (DETECTOR_MODEL). */
  detectorModel?: string;
  /** Class names of DETECTOR_MODEL by id, when it is not a COCO-80 model (DETECTOR_LABELS). */
  detectorLabels?: string[];
  /** A user's single-class YOLO plate detector, run beside text detection (PLATE_MODEL). */
  plateModel?: string;
  /** onnxruntime intra-op threads per model run in each worker process. */
  onnxThreads: number;
  /**
   * Adds a second face detector (SSD-MobileNetV1, trained on WIDER FACE) over 512 px tiles of
   * each photo (THOROUGH_FACE_SEARCH): far more small and distant faces found, at about twice the
   * CPU per photo.
   */
  thoroughFaceSearch: boolean;
  detection: { scoreThreshold: number; classes: string[] | null };
  /** The default blur policy; uploads may override it per job. */
  policy: BlurPolicy;
  /** How far an upload's policy may weaken privacy (POLICY_MAX_*, POLICY_MIN_*); the defaults are within them. */
  policyLimits: PolicyLimits;

  /** Bearer-token verification of the api; null leaves the api open (local use). */
  auth: AuthConfig | null;
  /** Requests per client per minute on the api's protected routes; 0 turns the limit off. */
  rateLimitPerMinute: number;
  /** Origins allowed by CORS; empty sends no CORS headers at all. */
  corsOrigins: string[];
  /** Express `trust proxy`: how many proxy hops to trust for the client address (0 = none). */
  trustProxyHops: number;
  /** Whether GET /results/{id}/original serves unblurred uploads at all. */
  serveOriginals: boolean;
  /** With auth off, who may read originals: clients on the api's own host only, or anyone who reaches it. */
  originalsWithoutAuth: OriginalsWithoutAuth;
  /** Bull's job lock: a job whose worker stops renewing it for this long is taken over by another. */
  jobLockMs: number;
}

export type RedisConfig =
  | { mode: 'url'; url: string; password?: string }
  | {
      mode: 'sentinel';
      sentinels: { host: string; port: number }[];
      /** The master name the sentinels monitor (REDIS_SENTINEL_NAME). */
      name: string;
      password?: string;
      sentinelPassword?: string;
    };

/** One way of verifying tokens; issuer and audience are checked when set. */
export type AuthConfig = (
  | { kind: 'hs256'; secret: string }
  | { kind: 'rs256'; publicKeyPem: string }
  | { kind: 'jwks'; jwksUrl: string }
) & { issuer?: string; audience?: string };

export type StorageConfig =
  | {
      driver: 's3';
      bucket: string;
      region: string;
      endpoint?: string;
      forcePathStyle: boolean;
      accessKeyId?: string;
      secretAccessKey?: string;
      /** Key prefixes stored in a bucket of their own (the originals, so they can be locked down apart). */
      prefixBuckets?: Record<string, string>;
      /** Server-side encryption on every write (S3_SSE, S3_KMS_KEY_ID, S3_ORIGINALS_KMS_KEY_ID); unset sends none. */
      encryption?: S3Encryption;
    }
  | { driver: 'local'; dataDir: string };

export const S3_SSE_MODES = ['AES256', 'aws:kms'] as const;
export type S3Encryption =
  | { sse: 'AES256' }
  | { sse: 'aws:kms'; kmsKeyId?: string; prefixKmsKeyIds?: Record<string, string> };

export const ORIGINALS_WITHOUT_AUTH = ['loopback', 'anyone'] as const;
export type OriginalsWithoutAuth = (typeof ORIGINALS_WITHOUT_AUTH)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'verbose'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The original design's JSON config file, pointed at by `PIPELINE_CONFIG`. Environment variables win over it. */
export interface PipelineConfigFile {
  redis_url?: string;
  aws_config?: {
    aws_access_key_id?: string;
    aws_secret_access_key?: string;
    region_name?: string;
    bucket_name?: string;
  };
  num_workers?: number;
  max_queue_size?: number;
}
