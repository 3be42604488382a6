import type { INestApplicationContext } from '@nestjs/common';
import { AggregatorRegistry } from 'prom-client';
import { PipelineMetrics } from '@imgpipe/metrics';
import { HealthService } from '../app/health.service';
import { READY, WorkerReply, isSupervisorRequest } from './messages';

/**
 * In a process forked by the supervisor, once the app has started: says so, then answers health,
 * liveness and metrics-refresh requests. The metrics themselves are collected by prom-client's
 * cluster support, which these listeners join.
 */
export function answerSupervisor(app: INestApplicationContext): void {
  // Constructing it registers prom-client's own IPC listener in this process.
  new AggregatorRegistry();
  const health = app.get(HealthService);
  const metrics = app.get(PipelineMetrics);
  process.on('message', (message: unknown) => {
    if (!isSupervisorRequest(message)) return;
    const work =
      message.type === 'imgpipe:health'
        ? health.check()
        : message.type === 'imgpipe:live'
          ? Promise.resolve({ status: 'ok' })
          : metrics.beforeScrape().then(() => null);
    void work
      .catch((err: Error) => ({ error: err.message }))
      .then((body) => {
        const reply: WorkerReply = { type: 'imgpipe:reply', requestId: message.requestId, body };
        process.send?.(reply);
      });
  });
  process.send?.(READY);
}
