import { INestApplicationContext, Logger } from '@nestjs/common';

/**
 * SIGTERM or SIGINT closes the app (every shutdown hook runs: a worker drains its jobs in
 * flight) and exits 0. Nest's own shutdown hooks re-raise the signal, which reports a kill
 * instead of a clean stop to supervisors.
 */
export function exitCleanlyOnSignals(
  app: INestApplicationContext,
  logger: Logger | { log(message: unknown): void },
): void {
  let closing = false;
  const stop = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    logger.log({ message: 'shutting down', signal });
    app.close().then(
      () => process.exit(0),
      (err: Error) => {
        console.error(`shutdown failed: ${err.stack ?? err.message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
