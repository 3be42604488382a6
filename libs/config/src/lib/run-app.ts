import { ConsoleLogger } from '@nestjs/common';
import { ConfigError, loadConfig } from './load-config';
import { createAppLogger } from './logger';
import { PipelineConfig } from './pipeline-config';

/**
 * Starts an app with its validated configuration and JSON logger. A bad configuration prints
 * every problem; a failure while starting (Redis URL unparsable, a model refused) is logged with
 * its reason; both exit 1 instead of leaving a half-started process.
 */
export function runApp(name: string, start: (config: PipelineConfig, logger: ConsoleLogger) => Promise<void>): void {
  let config: PipelineConfig;
  try {
    config = loadConfig();
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : String(err));
    process.exit(1);
  }
  const logger = createAppLogger(config.logLevel, name);
  start(config, logger).catch((err: Error) => {
    logger.fatal({ message: `${name} failed to start`, error: err.message });
    process.exit(1);
  });
}
