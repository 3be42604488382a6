import { ApiProperty, ApiPropertyOptional, ApiExtraModels } from '@nestjs/swagger';
import type {
  BatchAccepted,
  BlurMethod,
  BlurPolicy,
  BatchStatusView,
  BlurMetadata,
  BlurRegion,
  DetectedObject,
  DetectionMetadata,
  ErrorBody,
  HealthView,
  LivenessView,
  JobResults,
  JobStatus,
  JobStatusView,
  LatencySummary,
  ModelInfo,
  QueueStatusView,
  StatsView,
  UploadAccepted,
} from '@imgpipe/contracts';
import { BLUR_METHODS, JOB_STATUSES } from '@imgpipe/contracts';

// Response schemas for the OpenAPI document. Each class implements its contract type, so the
// compiler keeps the document and the wire format in step.

const BOX = {
  type: 'array',
  items: { type: 'number' },
  minItems: 4,
  maxItems: 4,
  description: '[x1, y1, x2, y2] in pixels of the upright original',
} as const;

export class ErrorDto implements ErrorBody {
  @ApiProperty({ example: 400 }) statusCode!: number;
  @ApiProperty({ example: 'invalid_job_id', description: 'Stable machine-readable error code' }) code!: string;
  @ApiProperty({ example: 'job_id must be a UUID' }) message!: string;
  @ApiPropertyOptional({ description: 'Extra facts about the error', type: 'object', additionalProperties: true })
  details?: unknown;
}

export class UploadAcceptedDto implements UploadAccepted {
  @ApiProperty({ format: 'uuid' }) job_id!: string;
  @ApiProperty({ example: 'street.jpg', description: 'The client filename, sanitised' }) filename!: string;
  @ApiProperty({ example: 184233, description: 'Bytes received' }) file_size!: number;
  @ApiProperty({ enum: ['submitted'] }) status!: 'submitted';
  @ApiProperty({ example: 'Image accepted for processing' }) message!: string;
}

export class RejectedFileDto {
  @ApiProperty() filename!: string;
  @ApiProperty({ example: 'unsupported_media_type: not a JPEG, PNG or WebP image' }) error!: string;
}

export class BatchAcceptedDto implements BatchAccepted {
  @ApiProperty({ format: 'uuid' }) batch_id!: string;
  @ApiProperty({ example: 19 }) accepted!: number;
  @ApiProperty({ type: [RejectedFileDto] }) rejected!: RejectedFileDto[];
  @ApiProperty({ type: [UploadAcceptedDto] }) jobs!: UploadAcceptedDto[];
}

export class StatusCountsDto implements Record<JobStatus, number> {
  @ApiProperty() submitted!: number;
  @ApiProperty() processing!: number;
  @ApiProperty() completed!: number;
  @ApiProperty() failed!: number;
}

export class BatchStatusDto implements BatchStatusView {
  @ApiProperty({ format: 'uuid' }) batch_id!: string;
  @ApiProperty({ description: 'Unix seconds' }) created_at!: number;
  @ApiProperty() total!: number;
  @ApiProperty({ type: StatusCountsDto }) counts!: StatusCountsDto;
  @ApiProperty({ type: [String], format: 'uuid' }) job_ids!: string[];
}

export class ModelInfoDto implements ModelInfo {
  @ApiProperty() name!: string;
  @ApiProperty() version!: string;
  @ApiProperty() sha256!: string;
}

export class BlurRegionDto implements BlurRegion {
  @ApiProperty({ enum: ['face', 'plate'] }) kind!: 'face' | 'plate';
  @ApiProperty(BOX) box!: [number, number, number, number];
  @ApiProperty() score!: number;
  @ApiProperty({ description: 'Detector or rule that produced the region' }) source!: string;
}

export class ThresholdsDto {
  @ApiProperty({ example: 0.75 }) face!: number;
  @ApiProperty({ example: 0.6 }) plate!: number;
}

export class BlurPolicyDto implements BlurPolicy {
  @ApiProperty({ enum: BLUR_METHODS }) method!: BlurMethod;
  @ApiProperty({ example: 1, description: 'Multiplies the blur radius, which already scales with each box' })
  strength!: number;
  @ApiProperty({ example: 1.2, description: 'Regions grow about their centre by this factor' }) box_expansion!: number;
  @ApiProperty({ example: 4, description: 'Detections with a shorter side under this many pixels are ignored' })
  min_box_size!: number;
  @ApiProperty({ type: ThresholdsDto }) thresholds!: ThresholdsDto;
  @ApiProperty({ description: 'Blur the head area of persons in whom no face was found' }) head_fallback!: boolean;
}

export class VerificationDto {
  @ApiProperty() rechecked!: boolean;
  @ApiProperty({ description: 'Faces and plates found again after blurring (and blurred again)' }) residual!: number;
  @ApiProperty({ description: 'Of residual, faces' }) residual_faces!: number;
  @ApiProperty({ description: 'Of residual, plates' }) residual_plates!: number;
}

const TIMINGS = {
  type: 'object',
  additionalProperties: { type: 'number' },
  description: 'Milliseconds per stage',
} as const;

export class BlurMetadataDto implements BlurMetadata {
  @ApiProperty({ type: [BlurRegionDto] }) regions!: BlurRegionDto[];
  @ApiProperty({ enum: BLUR_METHODS }) method!: BlurMethod;
  @ApiProperty({ type: BlurPolicyDto, description: 'The policy the job ran with' }) policy!: BlurPolicyDto;
  @ApiProperty({ type: VerificationDto }) verification!: VerificationDto;
  @ApiProperty({ type: [ModelInfoDto] }) models!: ModelInfoDto[];
  @ApiProperty({
    required: false,
    enum: ['reencoded', 'metadata-stripped'],
    description:
      'reencoded: encoded from the blurred pixels; metadata-stripped: nothing was blurred, so the original bytes less all metadata but the ICC profile (absent before pipeline 0.5.0)',
  })
  output?: 'reencoded' | 'metadata-stripped';
  @ApiProperty(TIMINGS) timings_ms!: Record<string, number>;
}

export class DetectedObjectDto implements DetectedObject {
  @ApiProperty({ example: 'car', description: 'COCO label' }) label!: string;
  @ApiProperty() score!: number;
  @ApiProperty(BOX) box!: [number, number, number, number];
}

export class DetectionMetadataDto implements DetectionMetadata {
  @ApiProperty({ type: [DetectedObjectDto] }) objects!: DetectedObjectDto[];
  @ApiProperty({ type: ModelInfoDto }) model!: ModelInfoDto;
  @ApiProperty(TIMINGS) timings_ms!: Record<string, number>;
}

export class JobResultsDto implements JobResults {
  @ApiProperty({ example: 's3://bucket/original/0b7c….jpg' }) original_image_path!: string;
  @ApiProperty({ example: 's3://bucket/processed/0b7c….jpg' }) processed_image_path!: string;
  @ApiProperty({ example: 's3://bucket/metadata/0b7c….json' }) metadata_path!: string;
  @ApiProperty({ description: 'Seconds the worker spent on the job' }) processing_time!: number;
  @ApiProperty({ type: BlurMetadataDto }) blur_metadata!: BlurMetadataDto;
  @ApiProperty({ type: DetectionMetadataDto }) detection_metadata!: DetectionMetadataDto;
}

@ApiExtraModels(JobResultsDto)
export class JobStatusDto implements JobStatusView {
  @ApiProperty({ format: 'uuid' }) job_id!: string;
  @ApiProperty({ enum: JOB_STATUSES }) status!: JobStatus;
  @ApiProperty({ description: 'Unix seconds' }) created_at!: number;
  @ApiProperty({ description: 'Unix seconds' }) updated_at!: number;
  @ApiProperty({ description: 'Processing attempts started so far' }) attempts!: number;
  @ApiPropertyOptional({ description: 'Why the job failed, or why the last attempt failed while a retry is pending' })
  error?: string;
  @ApiPropertyOptional({ type: JobResultsDto, description: 'Present once the job is completed' })
  results?: JobResultsDto;
  @ApiPropertyOptional({
    description:
      'Unix seconds the unblurred original is (or was) due to be deleted: ORIGINALS_RETENTION_HOURS after the job ' +
      'ended. Absent while the job runs, or when originals are kept',
  })
  original_delete_at?: number;
  @ApiPropertyOptional({
    description: 'Unix seconds the original was deleted; GET /results/{job_id}/original then answers 410',
  })
  original_deleted_at?: number;
}

export class LatencySummaryDto implements LatencySummary {
  @ApiProperty({ type: Number, nullable: true, description: 'Seconds' }) p50!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Seconds' }) p95!: number | null;
  @ApiProperty({ description: 'Jobs the percentiles are taken over (the most recent, at most 1000)' }) samples!: number;
}

export class ThroughputDto {
  @ApiProperty({ description: 'Jobs completed per second over the last minute' }) last_1m!: number;
  @ApiProperty({ description: 'Jobs completed per second over the last 5 minutes' }) last_5m!: number;
  @ApiProperty({ description: 'Jobs completed per second over the last 15 minutes' }) last_15m!: number;
}

export class StatsDto implements StatsView {
  @ApiProperty() submitted!: number;
  @ApiProperty() completed!: number;
  @ApiProperty() failed!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'completed / (completed + failed)' }) success_rate!:
    | number
    | null;
  @ApiProperty({ type: ThroughputDto }) throughput!: ThroughputDto;
  @ApiProperty({ type: LatencySummaryDto }) processing_time_seconds!: LatencySummaryDto;
  @ApiProperty({ type: LatencySummaryDto }) end_to_end_latency_seconds!: LatencySummaryDto;
}

export class QueueStatusDto implements QueueStatusView {
  @ApiProperty({ example: 'image-processing' }) queue!: string;
  @ApiProperty() waiting!: number;
  @ApiProperty() active!: number;
  @ApiProperty() delayed!: number;
  @ApiProperty() failed!: number;
  @ApiProperty() completed!: number;
  @ApiProperty({ description: 'Seconds the oldest waiting job has waited' }) oldest_waiting_age_seconds!: number;
  @ApiProperty({ description: 'Worker processes connected to the queue' }) workers!: number;
  @ApiProperty({ description: 'Uploads are refused with 429 at this many waiting jobs, whatever the drain rate' })
  max_queue_size!: number;
  @ApiProperty({ description: 'Seconds the waiting and active jobs take to finish at the drain rate' })
  predicted_wait_seconds!: number;
  @ApiProperty({
    description:
      'Jobs completed per second across all workers over the last minute, or while fewer than 10 completed, an assumed 0.5 per connected worker',
  })
  drain_rate_per_second!: number;
  @ApiProperty({ enum: ['measured', 'assumed'] }) drain_rate_source!: 'measured' | 'assumed';
  @ApiProperty({
    description:
      'LATENCY_TARGET_S: uploads are refused with 429 once the jobs ahead of them and they themselves would not finish within it',
  })
  latency_target_seconds!: number;
  @ApiProperty({
    example: '10.0.3.7:6379',
    description:
      'The Redis primary that holds the queue (host:port), as this api is connected to it now: after a failover, the promoted replica',
  })
  redis_primary!: string;
}

export class DependenciesDto {
  @ApiProperty({ enum: ['up', 'down'] }) redis!: 'up' | 'down';
  @ApiProperty({ enum: ['up', 'down'] }) storage!: 'up' | 'down';
}

export class HealthDto implements HealthView {
  @ApiProperty({
    enum: ['ok', 'degraded', 'unavailable'],
    description:
      '`degraded`: Redis runs with sentinels and no primary answers (a failover is under way); `unavailable`: a dependency is down, or the api is shutting down',
  })
  status!: 'ok' | 'degraded' | 'unavailable';
  @ApiProperty({ type: DependenciesDto }) dependencies!: DependenciesDto;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'Why each dependency is down',
  })
  errors?: Record<string, string>;
}

export class LivenessDto implements LivenessView {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
}
