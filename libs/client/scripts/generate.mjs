#!/usr/bin/env node
// The client's types come from the api's OpenAPI document, never by hand:
//   node libs/client/scripts/generate.mjs                     rewrite src/lib/generated/openapi.ts
//   node libs/client/scripts/generate.mjs --check             fail when the committed file is stale
//   node libs/client/scripts/generate.mjs --check --document F   the same, against a saved document
//                                                               (the integration tests pass the one a
//                                                               running api serves at /docs-json)
// Without --document, the api exports its document itself (apps/api/src/export-openapi.ts), with no
// server, Redis or storage. `nx run client:generate` and `nx run client:check-generated` run this.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import prettier from 'prettier';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const TARGET = join(ROOT, 'libs/client/src/lib/generated/openapi.ts');
const EXPORTER = join(ROOT, 'apps/api/src/export-openapi.ts');

const HEADER = `// Generated from the api's OpenAPI document by \`npx nx run client:generate\`; do not edit.
// \`npx nx run client:check-generated\` (a dependency of the client's tests) fails when it is stale.
`;

/** Runs the api's exporter under swc, which resolves the workspace's TypeScript path aliases. */
async function exportApiDocument() {
  const dir = mkdtempSync(join(tmpdir(), 'imgpipe-openapi-'));
  const file = join(dir, 'openapi.json');
  try {
    await promisify(execFile)(process.execPath, ['-r', '@swc-node/register', EXPORTER, file], {
      cwd: ROOT,
      env: { ...process.env, SWC_NODE_PROJECT: join(ROOT, 'tsconfig.base.json') },
    });
    return JSON.parse(readFileSync(file, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function renderTypes(document) {
  // Types only: the document's info (its version among them) never reaches the output, so an api
  // release alone does not make the client stale.
  const ast = await openapiTS(document);
  const options = await prettier.resolveConfig(TARGET);
  return prettier.format(HEADER + astToString(ast), { ...options, filepath: TARGET });
}

async function main(args) {
  const check = args.includes('--check');
  const documentArg = args.indexOf('--document');
  const document =
    documentArg >= 0 ? JSON.parse(readFileSync(resolve(args[documentArg + 1]), 'utf8')) : await exportApiDocument();
  const expected = await renderTypes(document);
  const target = relative(ROOT, TARGET);
  if (!check) {
    writeFileSync(TARGET, expected);
    process.stdout.write(`wrote ${target}\n`);
    return 0;
  }
  let committed = '';
  try {
    committed = readFileSync(TARGET, 'utf8');
  } catch {
    // a missing file is stale too
  }
  if (committed === expected) {
    process.stdout.write(`${target} matches the api's OpenAPI document\n`);
    return 0;
  }
  const a = committed.split('\n');
  const b = expected.split('\n');
  let line = 0;
  while (line < a.length && a[line] === b[line]) line++;
  process.stderr.write(
    `${target} is stale: the api's OpenAPI document changed. Run \`npx nx run client:generate\` and commit the result.\n` +
      `first difference at line ${line + 1}:\n  committed: ${a[line] ?? '(end of file)'}\n  expected:  ${b[line] ?? '(end of file)'}\n`,
  );
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`generate: ${err.stderr ?? ''}${err.stack ?? err}\n`);
    process.exit(1);
  },
);
