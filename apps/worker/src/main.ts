import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, createAppLogger, exitCleanlyOnSignals, loadConfig } from '@imgpipe/config';
import { WorkerModule } from './app/worker.module';

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const logger = createAppLogger(config.logLevel, 'worker');
  const app = await NestFactory.create(WorkerModule.forRoot(config), { logger });
  // SIGTERM: stop taking jobs, finish those in flight, then close connections and exit 0.
  exitCleanlyOnSignals(app, logger);
  await app.listen(config.workerPort, config.host);
  logger.log({
    message: 'worker started',
    worker_id: config.workerId,
    concurrency: config.workerConcurrency,
    metrics: `http://localhost:${config.workerPort}/metrics`,
    storage: config.storage.driver,
  });
}

void bootstrap();
