import { Inject, Injectable, Optional } from '@nestjs/common';
import { PipelineMetrics } from './pipeline-metrics';

/** What is audited: every upload, every read of an unblurred original, and every deletion of one. */
export const AUDIT_ACTIONS = ['upload', 'original_read', 'retention_delete', 'erasure'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Who did it: the token subject when auth is on, else the client address; or the pipeline itself. */
export type AuditActor = { subject: string } | { client: string } | { actor: 'retention' };

export interface AuditEvent {
  job_id: string;
  batch_id?: string;
}

/** Where audit lines go; stdout unless a test or an embedding app provides another. */
export const AUDIT_SINK = Symbol('AUDIT_SINK');
export type AuditSink = (line: string) => void;

/**
 * One JSON line per audited event, `{"audit": "<action>", <who>, "job_id", "time"}`, written to
 * stdout beside the logs whatever LOG_LEVEL says, so a log shipper can route every line with an
 * `audit` key to a sink of its own. Only ids, the actor and the time: never image content, a
 * filename or a token.
 */
@Injectable()
export class AuditLog {
  private readonly write: AuditSink;

  constructor(
    private readonly metrics: PipelineMetrics,
    @Optional() @Inject(AUDIT_SINK) sink?: AuditSink,
  ) {
    this.write = sink ?? ((line) => process.stdout.write(line));
  }

  record(action: AuditAction, actor: AuditActor, event: AuditEvent): void {
    const line = {
      audit: action,
      ...actor,
      job_id: event.job_id,
      ...(event.batch_id ? { batch_id: event.batch_id } : {}),
      time: new Date().toISOString(),
    };
    this.write(`${JSON.stringify(line)}\n`);
    this.metrics.auditEvents.inc({ action });
  }
}
