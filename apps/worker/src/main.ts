import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { exitCleanlyOnSignals, runApp } from '@imgpipe/config';
import { WorkerModule } from './app/worker.module';

runApp('worker', async (config, logger) => {
  // abortOnError off: a model that fails verification rejects here, and runApp logs why.
  const app = await NestFactory.create(WorkerModule.forRoot(config), { logger, abortOnError: false });
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
});
