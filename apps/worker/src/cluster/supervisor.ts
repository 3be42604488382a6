import cluster, { Worker } from 'node:cluster';
import { createServer } from 'node:http';
import type { LoggerService } from '@nestjs/common';
import { AggregatorRegistry } from 'prom-client';
import type { HealthView } from '@imgpipe/contracts';
import type { PipelineConfig } from '@imgpipe/config';
import { combineHealth } from './cluster-health';
import { SupervisorRequest, isReady, isWorkerReply } from './messages';

const RESTART_DELAY_MS = 1000;
const ASK_TIMEOUT_MS = 3000;

interface Slot {
  index: number;
  worker: Worker;
  /** Models loaded and consuming: a process that dies before this failed to start. */
  ready: boolean;
}

/**
 * WORKER_PROCESSES > 1: onnxruntime runs each model on its process's main thread, so one Node
 * process uses about one core for inference however many jobs it holds. The supervisor forks one
 * worker process per core it is given, restarts one that dies, serves a single /health (every
 * process healthy), /health/live (every started process answers) and /metrics (all processes
 * aggregated) on WORKER_PORT, and on SIGTERM lets every process drain its jobs before exiting 0.
 */
export async function superviseWorkers(config: PipelineConfig, logger: LoggerService): Promise<void> {
  const aggregator = new AggregatorRegistry();
  const slots: Slot[] = [];
  const pending = new Map<number, (body: unknown) => void>();
  let nextRequestId = 1;
  let stopping = false;

  cluster.on('message', (worker, message) => {
    if (isWorkerReply(message)) pending.get(message.requestId)?.(message.body);
    if (isReady(message)) {
      const slot = slots.find((s) => s?.worker === worker);
      if (slot) slot.ready = true;
    }
  });

  const fork = (index: number): void => {
    const worker = cluster.fork({ WORKER_ID: `${config.workerId}-${index}` });
    const slot: Slot = { index, worker, ready: false };
    slots[index] = slot;
    worker.on('exit', (code, signal) => {
      if (stopping) return;
      const failedToStart = !slot.ready;
      logger.error({ message: 'worker process exited', process: index, code, signal, restarting: !failedToStart });
      if (failedToStart) {
        // Fail closed, as a single worker does: every process would refuse the same model.
        void stop(1);
        return;
      }
      setTimeout(() => !stopping && fork(index), RESTART_DELAY_MS);
    });
  };

  const ask = (slot: Slot, type: SupervisorRequest['type']): Promise<unknown> =>
    new Promise((resolve) => {
      const requestId = nextRequestId++;
      const timer = setTimeout(() => {
        pending.delete(requestId);
        resolve({ error: `process ${slot.index} did not answer in ${ASK_TIMEOUT_MS} ms` });
      }, ASK_TIMEOUT_MS);
      pending.set(requestId, (body) => {
        clearTimeout(timer);
        pending.delete(requestId);
        resolve(body);
      });
      if (!slot.worker.isConnected() || !slot.worker.send({ type, requestId } satisfies SupervisorRequest)) {
        pending.get(requestId)?.({ error: `process ${slot.index} is not running` });
      }
    });

  /** Healthy when every process is up and each finds Redis and storage answering. */
  const health = async (): Promise<HealthView & { processes: number }> => {
    const ready = slots.filter((slot) => slot.ready);
    const answers = await Promise.all(ready.map((slot) => ask(slot, 'imgpipe:health')));
    return { ...combineHealth(answers, { ready: ready.length, total: slots.length }), processes: slots.length };
  };

  /**
   * Alive while every running process that has started answers over IPC, whatever Redis and storage
   * do. A process that died is being restarted here, so it does not count; one that hangs does.
   */
  const live = async (): Promise<string[]> => {
    const started = slots.filter((slot) => slot.ready && !slot.worker.isDead());
    const answers = await Promise.all(started.map((slot) => ask(slot, 'imgpipe:live')));
    return answers.flatMap((answer) => {
      const error = (answer as { error?: unknown } | null)?.error;
      return typeof error === 'string' ? [error] : [];
    });
  };

  const server = createServer((req, res) => {
    const respond = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'Content-Type': type });
      res.end(body);
    };
    if (req.method === 'GET' && req.url === '/health') {
      void health().then((view) => respond(view.status === 'ok' ? 200 : 503, 'application/json', JSON.stringify(view)));
    } else if (req.method === 'GET' && req.url === '/health/live') {
      void live().then((errors) =>
        errors.length === 0
          ? respond(200, 'application/json', JSON.stringify({ status: 'ok' }))
          : respond(
              503,
              'application/json',
              JSON.stringify({ statusCode: 503, code: 'not_answering', message: errors.join('; ') }),
            ),
      );
    } else if (req.method === 'GET' && req.url === '/metrics') {
      // Each process refreshes its Redis-read gauges first, as a single worker does per scrape.
      void Promise.all(slots.map((slot) => ask(slot, 'imgpipe:refresh-metrics')))
        .then(() => aggregator.clusterMetrics())
        .then(
          (text) => respond(200, aggregator.contentType, text),
          (err: Error) => respond(503, 'text/plain', `metrics unavailable: ${err.message}`),
        );
    } else {
      respond(404, 'application/json', JSON.stringify({ statusCode: 404, code: 'not_found', message: 'not found' }));
    }
  });

  const stop = async (exitCode: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.log({ message: 'stopping worker processes: each finishes its jobs in flight' });
    const exits = slots.map(
      (slot) =>
        new Promise<number>((resolve) => {
          if (slot.worker.isDead()) return resolve(slot.worker.process.exitCode ?? 1);
          // A process still loading its models has no signal handler yet, so the SIGTERM kills it;
          // it held no job, so that is a clean stop.
          slot.worker.once('exit', (code, signal) => resolve(code ?? (signal === 'SIGTERM' && !slot.ready ? 0 : 1)));
          slot.worker.process.kill('SIGTERM');
        }),
    );
    const codes = await Promise.all(exits);
    server.close();
    process.exit(exitCode || (codes.every((c) => c === 0) ? 0 : 1));
  };
  process.once('SIGTERM', () => void stop(0));
  process.once('SIGINT', () => void stop(0));

  for (let i = 0; i < config.workerProcesses; i++) fork(i);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.workerPort, config.host, () => resolve());
  });
  logger.log({
    message: 'worker supervisor started',
    processes: config.workerProcesses,
    concurrency_per_process: config.workerConcurrency,
    metrics: `http://localhost:${config.workerPort}/metrics`,
  });
}
