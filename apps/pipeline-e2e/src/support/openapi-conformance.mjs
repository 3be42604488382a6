// Checks recorded HTTP exchanges against an OpenAPI document with openapi-backend (ajv underneath):
// stdin {document, exchanges}, stdout the findings, one line each. A process of its own because
// openapi-backend loads an ES-module-only dependency that Jest's CommonJS runtime cannot.
import { readFileSync } from 'node:fs';
import addFormats from 'ajv-formats';
import openapiBackend from 'openapi-backend';

const { document, exchanges } = JSON.parse(readFileSync(0, 'utf8'));
const api = new openapiBackend.OpenAPIBackend({
  definition: document,
  strict: true,
  quick: false,
  customizeAjv: (ajv) => {
    addFormats(ajv);
    ajv.addFormat('binary', true);
    return ajv;
  },
});
await api.init();

const findings = [];
for (const x of exchanges) {
  const label = `${x.method.toUpperCase()} ${x.path}`;
  const [path, query = ''] = x.path.split('?');
  const operation = api.matchOperation({ method: x.method, path, headers: x.headers });
  if (!operation) {
    findings.push(`${label}: no operation in the document`);
    continue;
  }
  const request = api.validateRequest(
    { method: x.method, path, query, headers: x.headers, body: x.requestBody },
    operation,
  );
  if (request.valid !== (x.expectRequest === 'valid')) {
    findings.push(
      `${label}: the document ${request.valid ? 'accepts' : 'refuses'} the request, expected ${x.expectRequest}: ` +
        JSON.stringify(request.errors),
    );
  }
  const response = operation.responses?.[String(x.status)];
  const documented = Object.keys(response?.content ?? {});
  if (!response) findings.push(`${label}: status ${x.status} is not documented`);
  // A response documented without content (204) must come without a body's content type.
  else if (documented.length === 0 ? x.contentType !== '' : !documented.includes(x.contentType))
    findings.push(`${label}: ${x.status} answered ${x.contentType || 'no content type'}, documented ${documented}`);
  else if (x.contentType === 'application/json') {
    const verdict = api.validateResponse(x.body, operation, x.status);
    if (!verdict.valid) findings.push(`${label}: ${x.status} body ${JSON.stringify(verdict.errors)}`);
  }
}
process.stdout.write(`${JSON.stringify(findings)}\n`);
