import { exportedSeries, metricNames, nodeDefaultMetrics, pipelineMetrics } from './support';

// The dashboard and rule checks trust this catalogue and this parser; pin both down.
describe('metric catalogue', () => {
  it('reads every PipelineMetrics metric with its type from the source', () => {
    const metrics = pipelineMetrics();
    expect(Object.fromEntries(metrics)).toEqual({
      pipeline_images_submitted_total: 'counter',
      pipeline_jobs_finished_total: 'counter',
      pipeline_job_failures_total: 'counter',
      pipeline_uploads_rejected_total: 'counter',
      pipeline_job_locks_lost_total: 'counter',
      pipeline_requests_refused_total: 'counter',
      pipeline_audit_events_total: 'counter',
      pipeline_stage_duration_seconds: 'histogram',
      pipeline_end_to_end_latency_seconds: 'histogram',
      pipeline_queue_jobs: 'gauge',
      pipeline_queue_oldest_waiting_seconds: 'gauge',
      pipeline_queue_predicted_wait_seconds: 'gauge',
      pipeline_redis_reconnects_total: 'counter',
      pipeline_redis_primary_changes_total: 'counter',
      pipeline_redis_outage_seconds: 'histogram',
      pipeline_detections_total: 'counter',
      pipeline_blur_regions_total: 'counter',
      pipeline_verification_residual_total: 'counter',
      pipeline_detection_confidence: 'histogram',
      pipeline_upload_bytes: 'histogram',
      http_request_duration_seconds: 'histogram',
    });
  });

  it('knows the Node defaults the rules rely on, with their types', async () => {
    const defaults = await nodeDefaultMetrics();
    expect(defaults.get('process_resident_memory_bytes')).toBe('gauge');
    expect(defaults.get('process_cpu_seconds_total')).toBe('counter');
    expect(defaults.get('nodejs_heap_size_used_bytes')).toBe('gauge');
    // A gauge sampled at scrape time, not a summary: the alert compares it directly.
    expect(defaults.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
    expect(defaults.get('nodejs_eventloop_lag_p99_seconds')).toBe('gauge');
  });

  it('expands histograms into their series', async () => {
    const series = await exportedSeries();
    expect(series).toContain('pipeline_end_to_end_latency_seconds_bucket');
    expect(series).toContain('nodejs_gc_duration_seconds_sum');
    expect(series).not.toContain('pipeline_end_to_end_latency_seconds');
  });
});

describe('metricNames', () => {
  it.each([
    ['up{job=~"imgpipe-.*"} == 0', ['up']],
    [
      'histogram_quantile(0.95, sum by (le, stage) (rate(pipeline_stage_duration_seconds_bucket{namespace=~"$namespace"}[$__rate_interval])))',
      ['pipeline_stage_duration_seconds_bucket'],
    ],
    ['sum(rate(a_total[5m])) / sum(rate(b_total[5m] offset 1h)) * 60 > 1e3', ['a_total', 'b_total']],
    ['x / on (namespace) group_left () y or vector(2147483648)', ['x', 'y']],
    ['max(m{label="sum(fake)"}) by (state) and bool 0.9', ['m']],
    ['ns:rule:rate5m{status="completed"} < inf', ['ns:rule:rate5m']],
  ])('%s', (expr, names) => {
    expect(metricNames(expr).sort()).toEqual([...names].sort());
  });
});
