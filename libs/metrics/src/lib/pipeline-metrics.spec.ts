import { register } from 'prom-client';
import { PipelineMetrics } from './pipeline-metrics';

describe('PipelineMetrics', () => {
  afterEach(() => register.resetMetrics());

  it('registers the documented metric names once, even when built twice in one process', async () => {
    const first = new PipelineMetrics();
    const second = new PipelineMetrics();
    expect(second.jobsFinished).toBe(first.jobsFinished);
    const names = (await register.getMetricsAsJSON()).map((m) => m.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'pipeline_images_submitted_total',
        'pipeline_jobs_finished_total',
        'pipeline_job_failures_total',
        'pipeline_uploads_rejected_total',
        'pipeline_stage_duration_seconds',
        'pipeline_end_to_end_latency_seconds',
        'pipeline_queue_jobs',
        'pipeline_queue_oldest_waiting_seconds',
        'pipeline_queue_predicted_wait_seconds',
        'pipeline_detections_total',
        'pipeline_blur_regions_total',
        'pipeline_detection_confidence',
        'pipeline_upload_bytes',
        'pipeline_audit_events_total',
        'http_request_duration_seconds',
      ]),
    );
  });

  it('times a stage into the histogram, also when the work throws', async () => {
    const metrics = new PipelineMetrics();
    await expect(metrics.time('decode', async () => 'ok')).resolves.toBe('ok');
    await expect(metrics.time('decode', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    const text = await register.metrics();
    expect(text).toMatch(/pipeline_stage_duration_seconds_count\{stage="decode"\} 2/);
  });
});
