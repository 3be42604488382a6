import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { JOB_METADATA_SCHEMA } from '@imgpipe/contracts';

/**
 * What the protected routes (@Protected) declare: `required` (bearer) where the api verifies tokens,
 * `none` where it runs with auth off, `optional` (bearer or nothing) for a document that serves
 * both, such as the one the typed client is generated from.
 */
export type DocumentedAuth = 'required' | 'none' | 'optional';

export function buildOpenApiDocument(app: INestApplication, version: string, auth: DocumentedAuth): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Image privacy and detection pipeline')
    .setDescription(
      'Upload photos; get back copies with faces and licence plates blurred, plus object detections. ' +
        'Uploads are queued and processed by workers; poll `/status/{job_id}` or fetch `/results/{job_id}/{kind}`.',
    )
    .setVersion(version)
    .setLicense('Apache-2.0', 'https://www.apache.org/licenses/LICENSE-2.0')
    .addServer('http://localhost:8000', 'Local stack (npm start)')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          'Required when the api is started with AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY or AUTH_JWKS_URL; ' +
          'scopes (claim `scope` or `scp`): images:write, images:read, originals:read, images:delete, images:read-all.',
      },
      'bearer',
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (_controller, method) => method,
  });
  // Prometheus' scrape endpoint is for operators, documented in the README, not part of the client API.
  delete document.paths['/metrics'];
  // The stored metadata document, from the schema the contracts lib keeps beside its types.
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, JobMetadata: JOB_METADATA_SCHEMA as never },
  };
  // Routes that take a token say so themselves (@Protected); the rest are open.
  document.security = [];
  documentAuth(document, auth);
  return document;
}

/** Rewrites the bearer requirement of each protected operation to match `auth`. */
function documentAuth(document: OpenAPIObject, auth: DocumentedAuth): void {
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = item[method];
      if (!operation?.security?.length) continue;
      if (auth === 'none') delete operation.security;
      else if (auth === 'optional') operation.security = [...operation.security, {}];
    }
  }
  // A scheme nothing requires would only invite clients to send a token the api ignores.
  if (auth === 'none') delete document.components?.securitySchemes;
}

/** UI at /docs, document at /docs-json. */
export function serveOpenApi(app: INestApplication, document: OpenAPIObject): void {
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
}
