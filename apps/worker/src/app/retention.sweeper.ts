import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { OriginalsRetention } from './originals-retention';

/**
 * Deletes the originals whose ORIGINALS_RETENTION_HOURS have passed, from every worker process:
 * the due list is shared in Redis and each original is claimed by one sweep, so it works the same
 * with one worker or many, on local storage or S3.
 */
@Injectable()
export class RetentionSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RetentionSweeper.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly retention: OriginalsRetention) {}

  onApplicationBootstrap(): void {
    if (!this.retention.enabled) return;
    this.timer = setInterval(() => {
      this.running ??= this.sweep().finally(() => (this.running = undefined));
    }, this.retention.sweepIntervalMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async sweep(): Promise<void> {
    try {
      await this.retention.sweep();
    } catch (err) {
      this.logger.warn({ message: 'retention sweep failed; the next one tries again', error: (err as Error).message });
    }
  }
}
