export { loadConfig, ConfigError, type Env } from './lib/load-config';
export { createAppLogger } from './lib/logger';
export { exitCleanlyOnSignals } from './lib/shutdown';
export { runApp } from './lib/run-app';
export { PipelineConfigModule, PIPELINE_CONFIG } from './lib/config.module';
export {
  LOG_LEVELS,
  ORIGINALS_WITHOUT_AUTH,
  type LogLevel,
  type OriginalsWithoutAuth,
  type PipelineConfig,
  type PipelineConfigFile,
  type AuthConfig,
  type StorageConfig,
  type RedisConfig,
} from './lib/pipeline-config';
