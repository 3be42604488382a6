import { register } from 'prom-client';
import { AuditLog } from './audit-log';
import { PipelineMetrics } from './pipeline-metrics';

describe('AuditLog', () => {
  afterEach(() => register.resetMetrics());

  it('writes one JSON line per event with the action, the actor, the job and the time, and counts it', async () => {
    const lines: string[] = [];
    const audit = new AuditLog(new PipelineMetrics(), (line) => lines.push(line));

    audit.record('upload', { subject: 'fleet-ingest' }, { job_id: 'j1', batch_id: 'b1' });
    audit.record('original_read', { client: '127.0.0.1' }, { job_id: 'j1' });
    audit.record('retention_delete', { actor: 'retention' }, { job_id: 'j1' });

    expect(lines.every((line) => line.endsWith('\n') && !line.slice(0, -1).includes('\n'))).toBe(true);
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { audit: 'upload', subject: 'fleet-ingest', job_id: 'j1', batch_id: 'b1', time: expect.any(String) },
      { audit: 'original_read', client: '127.0.0.1', job_id: 'j1', time: expect.any(String) },
      { audit: 'retention_delete', actor: 'retention', job_id: 'j1', time: expect.any(String) },
    ]);
    expect(Date.parse(JSON.parse(lines[0]).time)).toBeGreaterThan(Date.now() - 5000);
    const text = await register.metrics();
    expect(text).toContain('pipeline_audit_events_total{action="upload"} 1');
    expect(text).toContain('pipeline_audit_events_total{action="retention_delete"} 1');
  });
});
