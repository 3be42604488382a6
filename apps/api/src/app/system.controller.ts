import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { HealthView, LivenessView, QueueStatusView, StatsView } from '@imgpipe/contracts';
import { AdmissionService } from '@imgpipe/jobs';
import { ApiErrors, UNAVAILABLE } from './api-docs';
import { Protected, SCOPES } from './access/access.guard';
import { HealthDto, LivenessDto, QueueStatusDto, StatsDto } from './dto/views.dto';
import { HealthService } from './health.service';
import { JobsService } from './jobs.service';

@ApiTags('system')
@Controller()
export class SystemController {
  constructor(
    private readonly jobs: JobsService,
    private readonly admission: AdmissionService,
    private readonly health: HealthService,
  ) {}

  @Get('stats')
  @Protected(SCOPES.read)
  @ApiOperation({ summary: 'Totals, success rate, recent throughput and latency percentiles' })
  @ApiOkResponse({ type: StatsDto })
  @ApiErrors(UNAVAILABLE)
  read(): Promise<StatsView> {
    return this.jobs.statistics();
  }

  @Get('queue-status')
  @Protected(SCOPES.read)
  @ApiOperation({
    summary: 'Queue depth by state, age of the oldest waiting job, workers connected, predicted wait and drain rate',
  })
  @ApiOkResponse({ type: QueueStatusDto })
  @ApiErrors(UNAVAILABLE)
  queueStatus(): Promise<QueueStatusView> {
    return this.admission.queueStatus();
  }

  @Get('health/live')
  @ApiOperation({
    summary: 'Whether the api process answers',
    description:
      'For liveness probes: checks no dependency, so a Redis or storage outage takes the api out of rotation (`/health`) without restarting it',
  })
  @ApiOkResponse({ type: LivenessDto })
  live(): LivenessView {
    return { status: 'ok' };
  }

  @Get('health')
  @ApiOperation({ summary: 'Whether Redis and storage answer' })
  @ApiOkResponse({ type: HealthDto, description: 'Redis and storage answer' })
  @ApiResponse({ status: 503, type: HealthDto, description: 'A dependency is down; `errors` says which and why' })
  async check(@Res({ passthrough: true }) res: Response): Promise<HealthView> {
    const view = await this.health.check();
    res.status(view.status === 'ok' ? 200 : 503);
    return view;
  }
}
