import 'reflect-metadata';
import cluster from 'node:cluster';
import { NestFactory } from '@nestjs/core';
import { exitCleanlyOnSignals, runApp } from '@imgpipe/config';
import { WorkerModule } from './app/worker.module';
import { superviseWorkers } from './cluster/supervisor';
import { answerSupervisor } from './cluster/worker-process';

runApp('worker', async (config, logger) => {
  if (config.workerProcesses > 1 && cluster.isPrimary) return superviseWorkers(config, logger);

  // abortOnError off: a model that fails verification rejects here, and runApp logs why.
  const app = await NestFactory.create(WorkerModule.forRoot(config), { logger, abortOnError: false });
  // SIGTERM: stop taking jobs, finish those in flight, then close connections and exit 0.
  exitCleanlyOnSignals(app, logger);
  const supervised = cluster.isWorker;
  if (supervised) {
    // The supervisor owns WORKER_PORT and asks this process for health and metrics over IPC.
    await app.init();
    answerSupervisor(app);
  } else {
    await app.listen(config.workerPort, config.host);
  }
  logger.log({
    message: 'worker started',
    worker_id: config.workerId,
    concurrency: config.workerConcurrency,
    ...(supervised ? {} : { metrics: `http://localhost:${config.workerPort}/metrics` }),
    storage: config.storage.driver,
  });
});
