// Writes the api's OpenAPI document to the file named by the first argument, without listening
// and without touching Redis or storage: Nest's preview mode builds the module graph (routes and
// their decorators) but instantiates no provider. `nx run client:generate` turns the document
// into the typed client's types. The configuration is the defaults, never the caller's
// environment, so the document is the same on every machine; its protected routes take a bearer
// token or none, as a client meets either kind of deployment.
import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@imgpipe/config';
import { ApiModule } from './app/api.module';
import { buildOpenApiDocument } from './app/openapi';

async function main(output: string | undefined): Promise<void> {
  if (!output) throw new Error('usage: export-openapi <output.json>');
  const { version } = JSON.parse(readFileSync(join(__dirname, '../package.json'), 'utf8')) as { version: string };
  const app = await NestFactory.create(ApiModule.forRoot(loadConfig({})), {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  try {
    writeFileSync(output, `${JSON.stringify(buildOpenApiDocument(app, version, 'optional'), null, 2)}\n`);
  } finally {
    await app.close();
  }
}

main(process.argv[2]).catch((err) => {
  process.stderr.write(`export-openapi: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
