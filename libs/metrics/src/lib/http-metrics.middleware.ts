import { randomUUID } from 'node:crypto';
import { Injectable, Logger, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { PipelineMetrics } from './pipeline-metrics';

const REQUEST_ID = /^[\w.-]{1,128}$/;

/**
 * Times every request by route template (never the raw URL: ids would make the label
 * unbounded), gives it a request id (the caller's `X-Request-Id` when sane, else a new one,
 * echoed back), and writes one JSON access-log line with both.
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  private readonly logger = new Logger('http');

  constructor(private readonly metrics: PipelineMetrics) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const incoming = req.header('x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeOf(req);
      this.metrics.httpRequestDuration.observe(
        { method: req.method, route, status_code: String(res.statusCode) },
        seconds,
      );
      if (route === '/metrics' || route === '/health' || route === '/health/live') return;
      this.logger.log({
        message: 'request',
        request_id: requestId,
        method: req.method,
        route,
        status: res.statusCode,
        ms: Math.round(seconds * 1e4) / 10,
        ...(req.params?.['job_id'] ? { job_id: req.params['job_id'] } : {}),
      });
    });
    next();
  }
}

/** Express's matched route template (`/status/:job_id`), or a fixed label for unmatched paths. */
function routeOf(req: Request): string {
  const path = (req.route as { path?: string } | undefined)?.path;
  return typeof path === 'string' ? `${req.baseUrl}${path}` : 'unmatched';
}
