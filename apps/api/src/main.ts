import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { exitCleanlyOnSignals, runApp } from '@imgpipe/config';
import { ApiModule } from './app/api.module';
import { hardenHttp } from './app/http-hardening';
import { buildOpenApiDocument, serveOpenApi } from './app/openapi';
import { serveWebUi } from './app/web-ui';

const API_VERSION = '0.1.0';

runApp('api', async (config, logger) => {
  const app = await NestFactory.create<NestExpressApplication>(ApiModule.forRoot(config), {
    logger,
    abortOnError: false,
  });
  hardenHttp(app, config);
  exitCleanlyOnSignals(app, logger);
  serveOpenApi(app, buildOpenApiDocument(app, API_VERSION, config.auth ? 'required' : 'none'));
  serveWebUi(app, logger);
  await app.listen(config.port, config.host);
  logger.log({
    message: 'api started',
    url: `http://localhost:${config.port}`,
    docs: `http://localhost:${config.port}/docs`,
    metrics: `http://localhost:${config.port}/metrics`,
    storage: config.storage.driver,
  });
});
