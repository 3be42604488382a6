import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BLUR_POLICY_SCHEMA, PolicyValidationError, validatePolicyOverride } from '@imgpipe/contracts';
import { ConfigError, loadConfig } from './load-config';

function configFile(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'pipeline.json');
  writeFileSync(path, content);
  return path;
}

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    return (err as ConfigError).problems;
  }
}

describe('loadConfig', () => {
  it('falls back to the documented defaults with local storage', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8000,
      workerPort: 9100,
      redis: { mode: 'url', url: 'redis://localhost:6379' },
      redisMinReplicasAck: 0,
      redisAckTimeoutMs: 1000,
      maxBatchFiles: 100,
      maxQueueSize: 1000,
      latencyTargetS: 60,
      maxUploadBytes: 25 * 1024 * 1024,
      maxUploadBytesInFlight: 128 * 1024 * 1024,
      jobRetentionHours: 24,
      jobAttempts: 3,
      logLevel: 'info',
      storage: { driver: 'local' },
      onnxThreads: 1,
      detection: { scoreThreshold: 0.35, classes: null },
      policy: {
        method: 'gaussian',
        strength: 1,
        box_expansion: 1.2,
        min_box_size: 4,
        thresholds: { face: 0.75, plate: 0.6 },
        head_fallback: true,
      },
    });
    expect(config.modelsDir).toBe(join(process.cwd(), '.cache/models'));
    expect(config.detectorModel).toBeUndefined();
    expect(config.storage.driver === 'local' && config.storage.dataDir).toBe(join(process.cwd(), 'data'));
    expect(config.workerId).toMatch(/-\d+-[0-9a-f]{6}$/);
  });

  it('selects the s3 driver when S3_BUCKET is set', () => {
    const config = loadConfig({
      S3_BUCKET: 'photos',
      S3_ENDPOINT: 'http://127.0.0.1:4569',
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: 'k',
      AWS_SECRET_ACCESS_KEY: 's',
    });
    expect(config.storage).toEqual({
      driver: 's3',
      bucket: 'photos',
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:4569',
      forcePathStyle: true,
      accessKeyId: 'k',
      secretAccessKey: 's',
    });
  });

  it('reads the original design keys from PIPELINE_CONFIG, and the environment wins', () => {
    const path = configFile(
      JSON.stringify({
        redis_url: 'redis://cache:6379/2',
        aws_config: {
          aws_access_key_id: 'a',
          aws_secret_access_key: 'b',
          region_name: 'eu-west-1',
          bucket_name: 'from-file',
        },
        num_workers: 4,
        max_queue_size: 50,
      }),
    );
    const config = loadConfig({ PIPELINE_CONFIG: path, MAX_QUEUE_SIZE: '70' });
    expect(config.redis).toEqual({ mode: 'url', url: 'redis://cache:6379/2' });
    expect(config.numWorkers).toBe(4);
    expect(config.maxQueueSize).toBe(70);
    expect(config.storage).toMatchObject({ driver: 's3', bucket: 'from-file', region: 'eu-west-1', accessKeyId: 'a' });
  });

  it('reads model paths, detection classes and policy defaults', () => {
    const config = loadConfig({
      DETECTOR_MODEL: 'models/yolo11n.onnx',
      DETECTION_CLASSES: 'car, person ,truck',
      BLUR_METHOD: 'pixelate',
      HEAD_FALLBACK: 'false',
    });
    expect(config.detectorModel).toBe(join(process.cwd(), 'models/yolo11n.onnx'));
    expect(config.detection.classes).toEqual(['car', 'person', 'truck']);
    expect(loadConfig({ DETECTOR_MODEL: 'm.onnx', DETECTOR_LABELS: 'person, van, car' }).detectorLabels).toEqual([
      'person',
      'van',
      'car',
    ]);
    expect(() => loadConfig({ DETECTOR_LABELS: 'van' })).toThrow(/DETECTOR_LABELS names the classes of DETECTOR_MODEL/);
    expect(config.policy).toMatchObject({ method: 'pixelate', head_fallback: false });
  });

  it('runs the thorough face search only when the operator asks for it', () => {
    expect(loadConfig({}).thoroughFaceSearch).toBe(false);
    expect(loadConfig({ THOROUGH_FACE_SEARCH: 'true' }).thoroughFaceSearch).toBe(true);
    expect(problems({ THOROUGH_FACE_SEARCH: 'maybe' }).join('\n')).toContain('THOROUGH_FACE_SEARCH');
  });

  it('leaves auth off, CORS closed and originals served by default, without auth to loopback clients only', () => {
    expect(loadConfig({})).toMatchObject({
      auth: null,
      rateLimitPerMinute: 12_000,
      corsOrigins: [],
      trustProxyHops: 0,
      serveOriginals: true,
      originalsWithoutAuth: 'loopback',
      jobLockMs: 15_000,
    });
    expect(loadConfig({ ORIGINALS_WITHOUT_AUTH: 'Anyone' }).originalsWithoutAuth).toBe('anyone');
    expect(problems({ ORIGINALS_WITHOUT_AUTH: 'everyone' })).toEqual([
      'ORIGINALS_WITHOUT_AUTH must be one of loopback, anyone (got "everyone")',
    ]);
  });

  it('keeps originals unless ORIGINALS_RETENTION_HOURS is set, which may be 0 or a fraction', () => {
    expect(loadConfig({}).originalsRetentionHours).toBeUndefined();
    expect(loadConfig({ ORIGINALS_RETENTION_HOURS: '0' }).originalsRetentionHours).toBe(0);
    expect(loadConfig({ ORIGINALS_RETENTION_HOURS: '0.5' }).originalsRetentionHours).toBe(0.5);
    expect(problems({ ORIGINALS_RETENTION_HOURS: '-1' })).toEqual([
      'ORIGINALS_RETENTION_HOURS must be a number from 0 to 87600 (got "-1")',
    ]);
    expect(problems({ ORIGINALS_RETENTION_HOURS: 'a week' })).toHaveLength(1);
  });

  it('limits uploads to the default policy unless the operator sets other limits', () => {
    expect(loadConfig({}).policyLimits).toEqual({
      maxFaceThreshold: 0.75,
      maxPlateThreshold: 0.6,
      maxMinBoxSize: 4,
      minStrength: 1,
      minBoxExpansion: 1.2,
      allowHeadFallbackOff: false,
    });
    // Limits that are not set follow the configured defaults, not the built-in ones.
    expect(
      loadConfig({
        FACE_SCORE_THRESHOLD: '0.5',
        BLUR_STRENGTH: '2',
        HEAD_FALLBACK: 'false',
        POLICY_MAX_PLATE_THRESHOLD: '0.9',
        POLICY_MAX_MIN_BOX_SIZE: '32',
        POLICY_MIN_BOX_EXPANSION: '1',
      }).policyLimits,
    ).toEqual({
      maxFaceThreshold: 0.5,
      maxPlateThreshold: 0.9,
      maxMinBoxSize: 32,
      minStrength: 2,
      minBoxExpansion: 1,
      allowHeadFallbackOff: true,
    });
    expect(
      loadConfig({
        POLICY_MAX_FACE_THRESHOLD: '0.95',
        POLICY_MIN_STRENGTH: '0.5',
        POLICY_ALLOW_HEAD_FALLBACK_OFF: 'yes',
      }).policyLimits,
    ).toMatchObject({ maxFaceThreshold: 0.95, minStrength: 0.5, allowHeadFallbackOff: true });
  });

  it('refuses limits out of range, and a default policy beyond its own limits', () => {
    expect(problems({ POLICY_MAX_FACE_THRESHOLD: '1', POLICY_MIN_STRENGTH: 'weak' })).toEqual([
      'POLICY_MAX_FACE_THRESHOLD must be a number from 0.01 to 0.99 (got "1")',
      'POLICY_MIN_STRENGTH must be a number from 0.25 to 10 (got "weak")',
    ]);
    expect(
      problems({
        POLICY_MAX_FACE_THRESHOLD: '0.6',
        POLICY_MAX_PLATE_THRESHOLD: '0.5',
        POLICY_MAX_MIN_BOX_SIZE: '2',
        BLUR_STRENGTH: '1.5',
        POLICY_MIN_STRENGTH: '2',
        POLICY_MIN_BOX_EXPANSION: '1.5',
        HEAD_FALLBACK: 'false',
        POLICY_ALLOW_HEAD_FALLBACK_OFF: 'false',
      }),
    ).toEqual([
      "FACE_SCORE_THRESHOLD: the default policy breaks the operator's own limit: thresholds.face 0.75 is above the operator's limit 0.6 (POLICY_MAX_FACE_THRESHOLD)",
      "PLATE_SCORE_THRESHOLD: the default policy breaks the operator's own limit: thresholds.plate 0.6 is above the operator's limit 0.5 (POLICY_MAX_PLATE_THRESHOLD)",
      "BLUR_MIN_BOX_SIZE: the default policy breaks the operator's own limit: min_box_size 4 is above the operator's limit 2 (POLICY_MAX_MIN_BOX_SIZE)",
      "BLUR_STRENGTH: the default policy breaks the operator's own limit: strength 1.5 is below the operator's limit 2 (POLICY_MIN_STRENGTH)",
      "BLUR_BOX_EXPANSION: the default policy breaks the operator's own limit: box_expansion 1.2 is below the operator's limit 1.5 (POLICY_MIN_BOX_EXPANSION)",
      "HEAD_FALLBACK: the default policy breaks the operator's own limit: head_fallback false is not allowed: the operator keeps it on (POLICY_ALLOW_HEAD_FALLBACK_OFF)",
    ]);
  });

  it('holds the default policy to the bounds an upload\u2019s override is held to', () => {
    const cases: [string, Record<string, unknown>, (v: number) => Record<string, unknown>][] = [
      ['BLUR_STRENGTH', BLUR_POLICY_SCHEMA.properties.strength, (v) => ({ strength: v })],
      ['BLUR_BOX_EXPANSION', BLUR_POLICY_SCHEMA.properties.box_expansion, (v) => ({ box_expansion: v })],
      ['BLUR_MIN_BOX_SIZE', BLUR_POLICY_SCHEMA.properties.min_box_size, (v) => ({ min_box_size: v })],
      [
        'FACE_SCORE_THRESHOLD',
        BLUR_POLICY_SCHEMA.properties.thresholds.properties.face,
        (v) => ({ thresholds: { face: v } }),
      ],
      [
        'PLATE_SCORE_THRESHOLD',
        BLUR_POLICY_SCHEMA.properties.thresholds.properties.plate,
        (v) => ({ thresholds: { plate: v } }),
      ],
    ];
    for (const [variable, field, override] of cases) {
      const { minimum, maximum } = field as { minimum: number; maximum: number };
      for (const outside of [minimum - 0.001, maximum + 0.001]) {
        expect(problems({ [variable]: String(outside) })).toEqual([
          `${variable} must be a number from ${minimum} to ${maximum} (got "${outside}")`,
        ]);
        expect(() => validatePolicyOverride(override(outside))).toThrow(PolicyValidationError);
      }
    }
  });

  it('refuses a detector without persons or vehicles unless the operator allows it', () => {
    const model = { DETECTOR_MODEL: 'm.onnx' };
    expect(problems({ ...model, DETECTOR_LABELS: 'person,car' })).toEqual([]);
    expect(problems({ ...model, DETECTOR_LABELS: 'truck, person' })).toEqual([]);
    expect(problems({ ...model, DETECTOR_LABELS: 'car,bus,bicycle' })).toEqual([
      'DETECTOR_LABELS lacks "person": a person in whom no face is found would not get the head area blurred ' +
        '(head_fallback); use a detector that has it, or set DETECTOR_ALLOW_MISSING_CLASSES=person to run without',
    ]);
    expect(problems({ ...model, DETECTOR_LABELS: 'person,van,lorry' })).toEqual([
      'DETECTOR_LABELS lacks any of car, bus, truck, motorcycle: text detection looks for plates on vehicles only, ' +
        'so it would blur no plate; use a detector that has it, or set DETECTOR_ALLOW_MISSING_CLASSES=vehicle to run without',
    ]);
    expect(problems({ ...model, DETECTOR_LABELS: 'van,lorry' })).toHaveLength(2);
    expect(problems({ ...model, DETECTOR_LABELS: 'van,lorry', DETECTOR_ALLOW_MISSING_CLASSES: 'person' })).toEqual([
      expect.stringMatching(/^DETECTOR_LABELS lacks any of car, bus, truck, motorcycle/),
    ]);
    expect(
      problems({ ...model, DETECTOR_LABELS: 'van,lorry', DETECTOR_ALLOW_MISSING_CLASSES: 'person, Vehicle' }),
    ).toEqual([]);
    // Without DETECTOR_LABELS the detector is a COCO-80 model, which has both.
    expect(problems(model)).toEqual([]);
    expect(problems({ ...model, DETECTOR_LABELS: 'person,car', DETECTOR_ALLOW_MISSING_CLASSES: 'plates' })).toEqual([
      'DETECTOR_ALLOW_MISSING_CLASSES must list some of person, vehicle (got "plates")',
    ]);
  });

  it('reads one way of verifying tokens, with optional issuer and audience', () => {
    const secret = 'x'.repeat(32);
    expect(loadConfig({ AUTH_JWT_SECRET: secret, AUTH_JWT_ISSUER: 'https://idp' }).auth).toEqual({
      kind: 'hs256',
      secret,
      issuer: 'https://idp',
      audience: undefined,
    });
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const rs = loadConfig({ AUTH_JWT_PUBLIC_KEY: pem.replace(/\n/g, '\\n'), AUTH_JWT_AUDIENCE: 'imgpipe' }).auth;
    expect(rs).toMatchObject({ kind: 'rs256', publicKeyPem: pem, audience: 'imgpipe' });
    expect(loadConfig({ AUTH_JWKS_URL: 'https://idp/.well-known/jwks.json' }).auth).toMatchObject({ kind: 'jwks' });
  });

  it('refuses weak, conflicting or malformed auth settings', () => {
    expect(problems({ AUTH_JWT_SECRET: 'short' })).toEqual(['AUTH_JWT_SECRET must be at least 32 bytes long']);
    expect(problems({ AUTH_JWT_SECRET: 'x'.repeat(32), AUTH_JWKS_URL: 'https://idp/jwks' })).toEqual([
      'set only one of AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY and AUTH_JWKS_URL',
    ]);
    expect(problems({ AUTH_JWT_PUBLIC_KEY: 'not a key' })[0]).toMatch(/AUTH_JWT_PUBLIC_KEY is not a PEM public key/);
    expect(problems({ AUTH_JWKS_URL: 'idp/jwks' })[0]).toMatch(/AUTH_JWKS_URL must be an http\(s\) URL/);
    expect(problems({ CORS_ORIGINS: 'https://ok.example, *' })).toEqual([
      'CORS_ORIGINS must list origins such as https://app.example.com (got "*")',
    ]);
    expect(problems({ S3_ORIGINALS_BUCKET: 'originals' })).toEqual([
      'S3_ORIGINALS_BUCKET needs S3_BUCKET (local storage has no buckets)',
    ]);
  });

  it('routes originals to S3_ORIGINALS_BUCKET', () => {
    const config = loadConfig({ S3_BUCKET: 'photos', S3_ORIGINALS_BUCKET: 'photos-originals' });
    expect(config.storage).toMatchObject({ bucket: 'photos', prefixBuckets: { 'original/': 'photos-originals' } });
  });

  it('leaves server-side encryption off while S3_SSE is unset', () => {
    expect(loadConfig({ S3_BUCKET: 'photos' }).storage).not.toHaveProperty('encryption');
  });

  it('reads S3_SSE and the KMS keys, the originals with a key of their own', () => {
    expect(loadConfig({ S3_BUCKET: 'photos', S3_SSE: 'AES256' }).storage).toMatchObject({
      encryption: { sse: 'AES256' },
    });
    const kms = loadConfig({
      S3_BUCKET: 'photos',
      S3_ORIGINALS_BUCKET: 'photos-originals',
      S3_SSE: 'aws:kms',
      S3_KMS_KEY_ID: 'alias/results',
      S3_ORIGINALS_KMS_KEY_ID: 'alias/originals',
    }).storage;
    expect(kms).toMatchObject({
      encryption: { sse: 'aws:kms', kmsKeyId: 'alias/results', prefixKmsKeyIds: { 'original/': 'alias/originals' } },
    });
    expect(loadConfig({ S3_BUCKET: 'photos', S3_SSE: 'aws:kms' }).storage).toMatchObject({
      encryption: { sse: 'aws:kms' },
    });
  });

  it('refuses an unknown S3_SSE, a KMS key without aws:kms, and encryption on local storage', () => {
    expect(problems({ S3_BUCKET: 'photos', S3_SSE: 'rot13' })).toEqual([
      'S3_SSE must be one of AES256, aws:kms (got "rot13")',
    ]);
    expect(problems({ S3_BUCKET: 'photos', S3_KMS_KEY_ID: 'alias/results' })).toEqual([
      'S3_KMS_KEY_ID needs S3_SSE=aws:kms (S3_SSE is unset)',
    ]);
    expect(problems({ S3_BUCKET: 'photos', S3_SSE: 'AES256', S3_ORIGINALS_KMS_KEY_ID: 'alias/originals' })).toEqual([
      'S3_ORIGINALS_KMS_KEY_ID needs S3_SSE=aws:kms (S3_SSE is AES256)',
    ]);
    expect(problems({ S3_SSE: 'AES256' })).toEqual([
      'S3_SSE needs S3_BUCKET (local storage does no server-side encryption)',
    ]);
  });

  it('reaches Redis through sentinels, waiting for one replica by default', () => {
    const config = loadConfig({
      REDIS_SENTINELS: 'redis-0.redis:26379, 10.0.0.7:26380,[::1]:26381',
      REDIS_PASSWORD: 'data-secret',
      REDIS_SENTINEL_PASSWORD: 'sentinel-secret',
    });
    expect(config.redis).toEqual({
      mode: 'sentinel',
      sentinels: [
        { host: 'redis-0.redis', port: 26379 },
        { host: '10.0.0.7', port: 26380 },
        { host: '::1', port: 26381 },
      ],
      name: 'mymaster',
      password: 'data-secret',
      sentinelPassword: 'sentinel-secret',
    });
    expect(config.redisMinReplicasAck).toBe(1);
    expect(
      loadConfig({ REDIS_SENTINELS: 'a:1', REDIS_SENTINEL_NAME: 'queue', REDIS_MIN_REPLICAS_ACK: '2' }),
    ).toMatchObject({ redis: { name: 'queue' }, redisMinReplicasAck: 2 });
    expect(loadConfig({ REDIS_URL: 'redis://r:6379', REDIS_PASSWORD: 'p' }).redis).toEqual({
      mode: 'url',
      url: 'redis://r:6379',
      password: 'p',
    });
  });

  it('lists each bad sentinel address and the settings that contradict each other', () => {
    let error: unknown;
    try {
      loadConfig({
        REDIS_SENTINELS: 'good:26379,nocolon,bad:port,far:70000',
        REDIS_URL: 'redis://r:6379',
        REDIS_SENTINEL_NAME: 'my master',
        REDIS_MIN_REPLICAS_ACK: '-1',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'REDIS_MIN_REPLICAS_ACK must be an integer from 0 to 16 (got "-1")',
      'REDIS_URL (or redis_url in PIPELINE_CONFIG) and REDIS_SENTINELS are both set: set one',
      'REDIS_SENTINELS must list host:port addresses, port 1-65535 (got "nocolon")',
      'REDIS_SENTINELS must list host:port addresses, port 1-65535 (got "bad:port")',
      'REDIS_SENTINELS must list host:port addresses, port 1-65535 (got "far:70000")',
      'REDIS_SENTINEL_NAME must be a sentinel master name such as mymaster (got "my master")',
    ]);
    expect(() => loadConfig({ REDIS_SENTINEL_NAME: 'mymaster' })).toThrow(/REDIS_SENTINEL_NAME needs REDIS_SENTINELS/);
    expect(() => loadConfig({ REDIS_URL: 'redis://:a@r:6379', REDIS_PASSWORD: 'b' })).toThrow(/in one place/);
  });

  it('never repeats a password of REDIS_URL in a problem', () => {
    expect(problems({ REDIS_URL: 'redis//:hunter2-secret@cache:6379' })).toEqual([
      'REDIS_URL must be a redis:// or rediss:// URL (got "redis//:***@cache:6379")',
    ]);
    expect(problems({ REDIS_URL: 'http://user:hunter2-secret@cache:6379' }).join('\n')).not.toContain('hunter2');
    expect(problems({ REDIS_URL: 'not a url' })).toEqual([
      'REDIS_URL must be a redis:// or rediss:// URL (got "not a url")',
    ]);
  });

  it('lists every problem at once', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        MAX_QUEUE_SIZE: '0',
        REDIS_URL: 'localhost',
        LOG_LEVEL: 'loud',
        S3_BUCKET: 'b',
        AWS_ACCESS_KEY_ID: 'k',
        BLUR_METHOD: 'swirl',
        FACE_SCORE_THRESHOLD: '1.5',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(7);
    expect(problems.join('\n')).toMatch(/BLUR_METHOD must be one of gaussian, pixelate, solid/);
    expect(problems.join('\n')).toMatch(/FACE_SCORE_THRESHOLD must be a number from 0.01 to 0.99/);
    expect(problems.join('\n')).toMatch(/PORT must be an integer/);
    expect(problems.join('\n')).toMatch(/MAX_QUEUE_SIZE must be an integer from 1/);
    expect(problems.join('\n')).toMatch(/REDIS_URL must be/);
    expect(problems.join('\n')).toMatch(/LOG_LEVEL must be one of/);
    expect(problems.join('\n')).toMatch(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  });

  it('reads the latency target that admission holds, and refuses one that is not a positive number', () => {
    expect(loadConfig({ LATENCY_TARGET_S: '2.5' }).latencyTargetS).toBe(2.5);
    expect(problems({ LATENCY_TARGET_S: '0' })).toEqual([
      'LATENCY_TARGET_S must be a number from 0.1 to 86400 (got "0")',
    ]);
    expect(problems({ LATENCY_TARGET_S: 'soon' })).toHaveLength(1);
  });

  it('bounds the upload bytes held at once, never below the largest single upload', () => {
    expect(loadConfig({ MAX_UPLOAD_BYTES_IN_FLIGHT: String(64 * 1024 * 1024) }).maxUploadBytesInFlight).toBe(
      64 * 1024 * 1024,
    );
    expect(
      problems({ MAX_UPLOAD_BYTES: String(32 * 1024 * 1024), MAX_UPLOAD_BYTES_IN_FLIGHT: String(16 * 1024 * 1024) }),
    ).toEqual([expect.stringMatching(/MAX_UPLOAD_BYTES_IN_FLIGHT \(16777216\) must be at least MAX_UPLOAD_BYTES/)]);
  });

  it('refuses an unreadable or unknown-keyed PIPELINE_CONFIG', () => {
    expect(() => loadConfig({ PIPELINE_CONFIG: '/nonexistent/pipeline.json' })).toThrow(/cannot read/);
    expect(() => loadConfig({ PIPELINE_CONFIG: configFile('{"redis_uri": "x"}') })).toThrow(/unknown key "redis_uri"/);
    expect(() => loadConfig({ PIPELINE_CONFIG: configFile('[1]') })).toThrow(/must hold a JSON object/);
  });
});
