import { Injectable, OnModuleInit } from '@nestjs/common';
import { PipelineMetrics } from '@imgpipe/metrics';
import { AdmissionService } from './admission.service';

const STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/**
 * The queue gauges are read from Redis at each scrape, so every api and worker replica reports
 * the same depth (aggregate them with max(), not sum()).
 */
@Injectable()
export class QueueMetrics implements OnModuleInit {
  constructor(
    private readonly admission: AdmissionService,
    private readonly metrics: PipelineMetrics,
  ) {}

  onModuleInit(): void {
    this.metrics.onScrape(() => this.refresh());
  }

  async refresh(): Promise<void> {
    const status = await this.admission.queueStatus();
    for (const state of STATES) this.metrics.queueJobs.set({ state }, status[state]);
    this.metrics.queueOldestWaiting.set(status.oldest_waiting_age_seconds);
    this.metrics.queuePredictedWait.set(status.predicted_wait_seconds);
  }
}
