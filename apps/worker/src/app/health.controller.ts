import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { HealthView, LivenessView } from '@imgpipe/contracts';
import { HealthService } from './health.service';

@Controller()
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** 200 while the process answers, whatever its dependencies do: for liveness probes. */
  @Get('health/live')
  live(): LivenessView {
    return { status: 'ok' };
  }

  /** 200 when Redis and storage answer, else 503 naming what is down. */
  @Get('health')
  async check(@Res({ passthrough: true }) res: Response): Promise<HealthView> {
    const view = await this.health.check();
    res.status(view.status === 'ok' ? 200 : 503);
    return view;
  }
}
