import { Controller, Get, Res } from '@nestjs/common';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { Response } from 'express';
import { PipelineMetrics } from './pipeline-metrics';

/** `/metrics`, after the scrape hooks have refreshed the gauges that are read from Redis. */
@Controller()
export class MetricsController extends PrometheusController {
  constructor(private readonly metrics: PipelineMetrics) {
    super();
  }

  @Get()
  override async index(@Res({ passthrough: true }) response: Response): Promise<string> {
    await this.metrics.beforeScrape();
    return super.index(response);
  }
}
