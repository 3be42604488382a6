// Generated from the api's OpenAPI document by `npx nx run client:generate`; do not edit.
// `npx nx run client:check-generated` (a dependency of the client's tests) fails when it is stale.
export interface paths {
  '/upload': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Upload one image
     * @description Stores the original, then enqueues the job. Poll GET /status/{job_id}.
     */
    post: operations['upload'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/batch-upload': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Upload many images
     * @description Each file is checked on its own: bad ones are listed in `rejected`, the rest are accepted. At most MAX_BATCH_FILES files.
     */
    post: operations['batchUpload'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/batch/{batch_id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Progress of a batch
     * @description Counts of its jobs by status, and their ids.
     */
    get: operations['batch'];
    put?: never;
    post?: never;
    /**
     * Erase a batch
     * @description Erases every job of the batch as DELETE /jobs/{job_id} does, then the batch itself. A job still queued is cancelled; a job being processed is discarded by its worker, which writes none of its results. Only the client that uploaded it may erase it (or a token with `images:read-all`), as for reads. Erasing again answers 404.
     */
    delete: operations['eraseBatch'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/status/{job_id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Status of a job
     * @description Readable for JOB_RETENTION_HOURS after the job ends.
     */
    get: operations['status'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/results/{job_id}/{kind}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Download a stored object of a job
     * @description `original` is the upload as received, unblurred: it needs the scope `originals:read` as well when auth is on; with auth off it is served only to clients on the api's own host (loopback, after TRUST_PROXY_HOPS) unless the operator sets ORIGINALS_WITHOUT_AUTH=anyone; it is refused with 403 when SERVE_ORIGINALS=false. `processed` and `metadata` exist once the job is completed.
     */
    get: operations['result'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/jobs/{job_id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /**
     * Erase a job
     * @description Deletes the original, the processed image, the metadata and the job's records; then /status answers 404. A job still queued is cancelled; a job being processed is discarded by its worker, which writes none of its results. Only the client that uploaded it may erase it (or a token with `images:read-all`), as for reads. Erasing again answers 404.
     */
    delete: operations['eraseJob'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/stats': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Totals, success rate, recent throughput and latency percentiles */
    get: operations['read'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/queue-status': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Queue depth by state, age of the oldest waiting job, workers connected, predicted wait and drain rate */
    get: operations['queueStatus'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/health/live': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Whether the api process answers
     * @description For liveness probes: checks no dependency, so a Redis or storage outage takes the api out of rotation (`/health`) without restarting it
     */
    get: operations['live'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/health': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Whether Redis and storage answer */
    get: operations['check'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: {
    UploadAcceptedDto: {
      /** Format: uuid */
      job_id: string;
      /**
       * @description The client filename, sanitised
       * @example street.jpg
       */
      filename: string;
      /**
       * @description Bytes received
       * @example 184233
       */
      file_size: number;
      /** @enum {string} */
      status: 'submitted';
      /** @example Image accepted for processing */
      message: string;
    };
    ErrorDto: {
      /** @example 400 */
      statusCode: number;
      /**
       * @description Stable machine-readable error code
       * @example invalid_job_id
       */
      code: string;
      /** @example job_id must be a UUID */
      message: string;
      /** @description Extra facts about the error */
      details?: {
        [key: string]: unknown;
      };
    };
    RejectedFileDto: {
      filename: string;
      /** @example unsupported_media_type: not a JPEG, PNG or WebP image */
      error: string;
    };
    BatchAcceptedDto: {
      /** Format: uuid */
      batch_id: string;
      /** @example 19 */
      accepted: number;
      rejected: components['schemas']['RejectedFileDto'][];
      jobs: components['schemas']['UploadAcceptedDto'][];
    };
    StatusCountsDto: {
      submitted: number;
      processing: number;
      completed: number;
      failed: number;
    };
    BatchStatusDto: {
      /** Format: uuid */
      batch_id: string;
      /** @description Unix seconds */
      created_at: number;
      total: number;
      counts: components['schemas']['StatusCountsDto'];
      job_ids: string[];
    };
    BlurRegionDto: {
      /** @enum {string} */
      kind: 'face' | 'plate';
      /** @description [x1, y1, x2, y2] in pixels of the upright original */
      box: number[];
      score: number;
      /** @description Detector or rule that produced the region */
      source: string;
    };
    ThresholdsDto: {
      /** @example 0.75 */
      face: number;
      /** @example 0.6 */
      plate: number;
    };
    BlurPolicyDto: {
      /** @enum {string} */
      method: 'gaussian' | 'pixelate' | 'solid';
      /**
       * @description Multiplies the blur radius, which already scales with each box
       * @example 1
       */
      strength: number;
      /**
       * @description Regions grow about their centre by this factor
       * @example 1.2
       */
      box_expansion: number;
      /**
       * @description Detections with a shorter side under this many pixels are ignored
       * @example 4
       */
      min_box_size: number;
      thresholds: components['schemas']['ThresholdsDto'];
      /** @description Blur the head area of persons in whom no face was found */
      head_fallback: boolean;
    };
    VerificationDto: {
      rechecked: boolean;
      /** @description Faces and plates found again after blurring (and blurred again) */
      residual: number;
      /** @description Of residual, faces */
      residual_faces: number;
      /** @description Of residual, plates */
      residual_plates: number;
    };
    ModelInfoDto: {
      name: string;
      version: string;
      sha256: string;
    };
    BlurMetadataDto: {
      regions: components['schemas']['BlurRegionDto'][];
      /** @enum {string} */
      method: 'gaussian' | 'pixelate' | 'solid';
      /** @description The policy the job ran with */
      policy: components['schemas']['BlurPolicyDto'];
      verification: components['schemas']['VerificationDto'];
      models: components['schemas']['ModelInfoDto'][];
      /**
       * @description reencoded: encoded from the blurred pixels; metadata-stripped: nothing was blurred, so the original bytes less all metadata but the ICC profile (absent before pipeline 0.5.0)
       * @enum {string}
       */
      output?: 'reencoded' | 'metadata-stripped';
      /** @description Milliseconds per stage */
      timings_ms: {
        [key: string]: number;
      };
    };
    DetectedObjectDto: {
      /**
       * @description COCO label
       * @example car
       */
      label: string;
      score: number;
      /** @description [x1, y1, x2, y2] in pixels of the upright original */
      box: number[];
    };
    DetectionMetadataDto: {
      objects: components['schemas']['DetectedObjectDto'][];
      model: components['schemas']['ModelInfoDto'];
      /** @description Milliseconds per stage */
      timings_ms: {
        [key: string]: number;
      };
    };
    JobResultsDto: {
      /** @example s3://bucket/original/0b7c….jpg */
      original_image_path: string;
      /** @example s3://bucket/processed/0b7c….jpg */
      processed_image_path: string;
      /** @example s3://bucket/metadata/0b7c….json */
      metadata_path: string;
      /** @description Seconds the worker spent on the job */
      processing_time: number;
      blur_metadata: components['schemas']['BlurMetadataDto'];
      detection_metadata: components['schemas']['DetectionMetadataDto'];
    };
    JobStatusDto: {
      /** Format: uuid */
      job_id: string;
      /** @enum {string} */
      status: 'submitted' | 'processing' | 'completed' | 'failed';
      /** @description Unix seconds */
      created_at: number;
      /** @description Unix seconds */
      updated_at: number;
      /** @description Processing attempts started so far */
      attempts: number;
      /** @description Why the job failed, or why the last attempt failed while a retry is pending */
      error?: string;
      /** @description Present once the job is completed */
      results?: components['schemas']['JobResultsDto'];
      /** @description Unix seconds the unblurred original is (or was) due to be deleted: ORIGINALS_RETENTION_HOURS after the job ended. Absent while the job runs, or when originals are kept */
      original_delete_at?: number;
      /** @description Unix seconds the original was deleted; GET /results/{job_id}/original then answers 410 */
      original_deleted_at?: number;
    };
    ThroughputDto: {
      /** @description Jobs completed per second over the last minute */
      last_1m: number;
      /** @description Jobs completed per second over the last 5 minutes */
      last_5m: number;
      /** @description Jobs completed per second over the last 15 minutes */
      last_15m: number;
    };
    LatencySummaryDto: {
      /** @description Seconds */
      p50: number | null;
      /** @description Seconds */
      p95: number | null;
      /** @description Jobs the percentiles are taken over (the most recent, at most 1000) */
      samples: number;
    };
    StatsDto: {
      submitted: number;
      completed: number;
      failed: number;
      /** @description completed / (completed + failed) */
      success_rate: number | null;
      throughput: components['schemas']['ThroughputDto'];
      processing_time_seconds: components['schemas']['LatencySummaryDto'];
      end_to_end_latency_seconds: components['schemas']['LatencySummaryDto'];
    };
    QueueStatusDto: {
      /** @example image-processing */
      queue: string;
      waiting: number;
      active: number;
      delayed: number;
      failed: number;
      completed: number;
      /** @description Seconds the oldest waiting job has waited */
      oldest_waiting_age_seconds: number;
      /** @description Worker processes connected to the queue */
      workers: number;
      /** @description Uploads are refused with 429 at this many waiting jobs, whatever the drain rate */
      max_queue_size: number;
      /** @description Seconds the waiting and active jobs take to finish at the drain rate */
      predicted_wait_seconds: number;
      /** @description Jobs completed per second across all workers over the last minute, or while fewer than 10 completed, an assumed 0.5 per connected worker */
      drain_rate_per_second: number;
      /** @enum {string} */
      drain_rate_source: 'measured' | 'assumed';
      /** @description LATENCY_TARGET_S: uploads are refused with 429 once the jobs ahead of them and they themselves would not finish within it */
      latency_target_seconds: number;
      /**
       * @description The Redis primary that holds the queue (host:port), as this api is connected to it now: after a failover, the promoted replica
       * @example 10.0.3.7:6379
       */
      redis_primary: string;
    };
    LivenessDto: {
      /** @enum {string} */
      status: 'ok';
    };
    DependenciesDto: {
      /** @enum {string} */
      redis: 'up' | 'down';
      /** @enum {string} */
      storage: 'up' | 'down';
    };
    HealthDto: {
      /**
       * @description `degraded`: Redis runs with sentinels and no primary answers (a failover is under way); `unavailable`: a dependency is down, or the api is shutting down
       * @enum {string}
       */
      status: 'ok' | 'degraded' | 'unavailable';
      dependencies: components['schemas']['DependenciesDto'];
      /** @description Why each dependency is down */
      errors?: {
        [key: string]: string;
      };
    };
    /**
     * JobMetadata
     * @description The document stored at metadata/{job_id}.json when a job completes.
     */
    JobMetadata: {
      /** Format: uuid */
      job_id: string;
      filename: string;
      image: {
        width: number;
        height: number;
        /** @enum {string} */
        format: 'jpeg' | 'png' | 'webp';
        /** @description EXIF orientation of the original */
        orientation: number;
        sha256_original: string;
        sha256_processed: string;
        bytes_original: number;
        bytes_processed: number;
      };
      blur_metadata: {
        regions: {
          /** @enum {string} */
          kind: 'face' | 'plate';
          /** @description [x1, y1, x2, y2] in pixels of the upright (EXIF auto-oriented) original */
          box: number[];
          score: number;
          /** @description Detector or rule that found the region */
          source: string;
        }[];
        /** @enum {string} */
        method: 'gaussian' | 'pixelate' | 'solid';
        policy: {
          /** @enum {string} */
          method: 'gaussian' | 'pixelate' | 'solid';
          strength: number;
          box_expansion: number;
          min_box_size: number;
          thresholds: {
            face: number;
            plate: number;
          };
          head_fallback: boolean;
        };
        verification: {
          /** @description The face and plate detectors ran again on and around every blurred region */
          rechecked: boolean;
          /** @description Faces and plates found again after blurring, and blurred again */
          residual: number;
          /** @description Of `residual`, faces */
          residual_faces: number;
          /** @description Of `residual`, plates */
          residual_plates: number;
        };
        models: {
          name: string;
          version: string;
          sha256: string;
        }[];
        /**
         * @description reencoded: encoded from the blurred pixels; metadata-stripped: nothing was blurred, so the original bytes less all metadata but the ICC profile
         * @enum {string}
         */
        output?: 'reencoded' | 'metadata-stripped';
        /** @description Milliseconds per stage */
        timings_ms: {
          [key: string]: number;
        };
      };
      detection_metadata: {
        objects: {
          label: string;
          score: number;
          /** @description [x1, y1, x2, y2] in pixels of the upright (EXIF auto-oriented) original */
          box: number[];
        }[];
        model: {
          name: string;
          version: string;
          sha256: string;
        };
        /** @description Milliseconds per stage */
        timings_ms: {
          [key: string]: number;
        };
      };
      /** @description Milliseconds per stage */
      timings_ms: {
        [key: string]: number;
      };
      pipeline: {
        version: string;
        worker_id: string;
      };
      /** Format: date-time */
      submitted_at: string;
      /** Format: date-time */
      completed_at: string;
      /**
       * Format: date-time
       * @description When the unblurred original is deleted (ORIGINALS_RETENTION_HOURS after completion); null: it is kept
       */
      original_delete_at?: string | null;
    };
  };
  responses: never;
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
  upload: {
    parameters: {
      query?: never;
      header?: {
        /** @description Any unique string (a UUID, say). Retrying with the same key and the same files and policy returns the first response and creates no second job; the same key with other content gets 409. Kept for JOB_RETENTION_HOURS. */
        'Idempotency-Key'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'multipart/form-data': {
          /**
           * Format: binary
           * @description JPEG, PNG or WebP
           */
          file: string;
          /** @description Optional JSON overriding the default blur policy for these images, e.g. {"method":"pixelate","thresholds":{"face":0.5}}. Keys: method (gaussian|pixelate|solid), strength, box_expansion, min_box_size, thresholds {face, plate}, head_fallback. It may make privacy stronger, but not weaker than the operator allows (by default, than the default policy): thresholds up to POLICY_MAX_FACE_THRESHOLD and POLICY_MAX_PLATE_THRESHOLD, min_box_size up to POLICY_MAX_MIN_BOX_SIZE, strength from POLICY_MIN_STRENGTH, box_expansion from POLICY_MIN_BOX_EXPANSION, head_fallback false only with POLICY_ALLOW_HEAD_FALLBACK_OFF. */
          policy?: string;
        };
      };
    };
    responses: {
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['UploadAcceptedDto'];
        };
      };
      /** @description No file, an empty file, an invalid policy (invalid_policy), a policy weaker than the operator allows (policy_not_allowed), or a malformed multipart request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description No bearer token, or an invalid or expired one (when auth is configured) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description The token lacks the scope "images:write" */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description The Idempotency-Key was used for a different request, or its first request is still running */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description The file is larger than MAX_UPLOAD_BYTES (`payload_too_large`), or the request is larger than the api receives at once, MAX_UPLOAD_BYTES_IN_FLIGHT (`request_too_large`) */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description The file is not a JPEG, PNG or WebP image (judged by its bytes) */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description The image header cannot be read, the file is truncated, or the image has more than MAX_IMAGE_PIXELS pixels */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /**
       * @description Nothing was stored; retry after Retry-After seconds. `queue_full`: the jobs ahead and this upload (a batch counts whole) would not finish within LATENCY_TARGET_S at the rate the workers complete jobs (`details.limit` "latency_target"), or MAX_QUEUE_SIZE jobs are waiting ("max_queue_size"); Retry-After is the time the queue takes, at that rate, to make room. `rate_limited`: the client sent too many requests
       *
       *     Too many requests from this client (RATE_LIMIT_PER_MINUTE); retry after Retry-After seconds
       */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description Redis or storage is unavailable (`dependency_unavailable`), or the api is already receiving MAX_UPLOAD_BYTES_IN_FLIGHT bytes of uploads (`uploads_in_flight`, refused before the body is read): nothing was stored; retry after Retry-After seconds */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
    };
  };
  batchUpload: {
    parameters: {
      query?: never;
      header?: {
        /** @description Any unique string (a UUID, say). Retrying with the same key and the same files and policy returns the first response and creates no second job; the same key with other content gets 409. Kept for JOB_RETENTION_HOURS. */
        'Idempotency-Key'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'multipart/form-data': {
          files: string[];
          /** @description Optional JSON overriding the default blur policy for these images, e.g. {"method":"pixelate","thresholds":{"face":0.5}}. Keys: method (gaussian|pixelate|solid), strength, box_expansion, min_box_size, thresholds {face, plate}, head_fallback. It may make privacy stronger, but not weaker than the operator allows (by default, than the default policy): thresholds up to POLICY_MAX_FACE_THRESHOLD and POLICY_MAX_PLATE_THRESHOLD, min_box_size up to POLICY_MAX_MIN_BOX_SIZE, strength from POLICY_MIN_STRENGTH, box_expansion from POLICY_MIN_BOX_EXPANSION, head_fallback false only with POLICY_ALLOW_HEAD_FALLBACK_OFF. */
          policy?: string;
        };
      };
    };
    responses: {
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['BatchAcceptedDto'];
        };
      };
      /** @description No file, an empty file, an invalid policy (invalid_policy), a policy weaker than the operator allows (policy_not_allowed), or a malformed multipart request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description No bearer token, or an invalid or expired one (when auth is configured) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description The token lacks the scope "images:write" */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description The Idempotency-Key was used for a different request, or its first request is still running */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description The file is larger than MAX_UPLOAD_BYTES (`payload_too_large`), or the request is larger than the api receives at once, MAX_UPLOAD_BYTES_IN_FLIGHT (`request_too_large`) */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description The file is not a JPEG, PNG or WebP image (judged by its bytes) */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description The image header cannot be read, the file is truncated, or the image has more than MAX_IMAGE_PIXELS pixels */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /**
       * @description Nothing was stored; retry after Retry-After seconds. `queue_full`: the jobs ahead and this upload (a batch counts whole) would not finish within LATENCY_TARGET_S at the rate the workers complete jobs (`details.limit` "latency_target"), or MAX_QUEUE_SIZE jobs are waiting ("max_queue_size"); Retry-After is the time the queue takes, at that rate, to make room. `rate_limited`: the client sent too many requests
       *
       *     Too many requests from this client (RATE_LIMIT_PER_MINUTE); retry after Retry-After seconds
       */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description Redis or storage is unavailable (`dependency_unavailable`), or the api is already receiving MAX_UPLOAD_BYTES_IN_FLIGHT bytes of uploads (`uploads_in_flight`, refused before the body is read): nothing was stored; retry after Retry-After seconds */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
    };
  };
  batch: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        batch_id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['BatchStatusDto'];
        };
      };
      /** @description The id is not a UUID */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description No bearer token, or an invalid or expired one (when auth is configured) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description The token lacks the scope "images:read" */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description No such batch (or it has expired) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description Too many requests from this client (RATE_LIMIT_PER_MINUTE); retry after Retry-After seconds */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description Redis or storage is unavailable (Retry-After is set) */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
    };
  };
  eraseBatch: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        batch_id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Erased */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      /** @description The id is not a UUID */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description No bearer token, or an invalid or expired one (when auth is configured) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description The token lacks the scope "images:delete" */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description No such batch (or it has expired) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description Too many requests from this client (RATE_LIMIT_PER_MINUTE); retry after Retry-After seconds */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description Redis or storage is unavailable (Retry-After is set) */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
    };
  };
  status: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        job_id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['JobStatusDto'];
        };
      };
      /** @description The id is not a UUID */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description No bearer token, or an invalid or expired one (when auth is configured) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description The token lacks the scope "images:read" */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description No such job (or it has expired) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description Too many requests from this client (RATE_LIMIT_PER_MINUTE); retry after Retry-After seconds */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description Redis or storage is unavailable (Retry-After is set) */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
    };
  };
  result: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        job_id: string;
        kind: 'original' | 'processed' | 'metadata';
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The stored object: the image for `original` and `processed`, the JobMetadata document for `metadata` */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'image/jpeg': string;
          'image/png': string;
          'image/webp': string;
          'application/json': components['schemas']['JobMetadata'];
        };
      };
      /** @description The id is not a UUID, or kind is not original, processed or metadata */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description No bearer token, or an invalid or expired one (when auth is configured) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /**
       * @description Originals are not served here (SERVE_ORIGINALS=false), the token lacks `originals:read`, or auth is off and the client is not on the api's host (ORIGINALS_WITHOUT_AUTH=loopback)
       *
       *     The token lacks the scope "images:read"
       */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description No such job, or the object does not exist (yet) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description The original was deleted after ORIGINALS_RETENTION_HOURS; `details.deleted_at` says when */
      410: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description Too many requests from this client (RATE_LIMIT_PER_MINUTE); retry after Retry-After seconds */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description Redis or storage is unavailable (Retry-After is set) */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
    };
  };
  eraseJob: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        job_id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Erased */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      /** @description The id is not a UUID */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description No bearer token, or an invalid or expired one (when auth is configured) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description The token lacks the scope "images:delete" */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description No such job (or it has expired) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description Too many requests from this client (RATE_LIMIT_PER_MINUTE); retry after Retry-After seconds */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description Redis or storage is unavailable (Retry-After is set) */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
    };
  };
  read: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['StatsDto'];
        };
      };
      /** @description No bearer token, or an invalid or expired one (when auth is configured) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description The token lacks the scope "images:read" */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description Too many requests from this client (RATE_LIMIT_PER_MINUTE); retry after Retry-After seconds */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description Redis or storage is unavailable (Retry-After is set) */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
    };
  };
  queueStatus: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['QueueStatusDto'];
        };
      };
      /** @description No bearer token, or an invalid or expired one (when auth is configured) */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description The token lacks the scope "images:read" */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description Too many requests from this client (RATE_LIMIT_PER_MINUTE); retry after Retry-After seconds */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
      /** @description Redis or storage is unavailable (Retry-After is set) */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorDto'];
        };
      };
    };
  };
  live: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['LivenessDto'];
        };
      };
    };
  };
  check: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Redis and storage answer */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['HealthDto'];
        };
      };
      /** @description A dependency is down; `errors` says which and why */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['HealthDto'];
        };
      };
    };
  };
}
