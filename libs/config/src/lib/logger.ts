import { ConsoleLogger, LogLevel as NestLogLevel } from '@nestjs/common';
import { LogLevel } from './pipeline-config';

const NEST_LEVELS: Record<LogLevel, NestLogLevel[]> = {
  fatal: ['fatal'],
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
  verbose: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

/** One JSON object per line, filtered by LOG_LEVEL, for both apps. */
export function createAppLogger(level: LogLevel, app: string): ConsoleLogger {
  return new ConsoleLogger(app, { json: true, logLevels: NEST_LEVELS[level], colors: false });
}
