#!/usr/bin/env node
// Validates Kubernetes manifests the way kubeconform -strict does, with schemas from npm:
//   1. each object against the JSON schema of its apiVersion and kind (kubernetes-models, built
//      from the Kubernetes OpenAPI document; @kubernetes-models/keda and /external-secrets, built
//      from those projects' CRDs): types, formats, enums, required fields;
//   2. no field the schema does not know (a misspelt `livenesProbe` is dropped silently by the
//      API server for CRDs and refused by kubectl for built-in kinds), using the same models'
//      TypeScript declarations: an object literal typed with them fails on any unknown property.
// An object whose kind has no schema is an error, not a skip.
//
//   node validate-manifests.mjs < manifests.json   (a JSON array of objects)
//   prints a JSON array: [{ index, kind, name, errors: [...] }] for every object
// ESM in a child process: the models are ES modules, the Jest suites CommonJS.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** Where the schema of an apiVersion lives: the npm package and the folder of its group/version. */
function modelModule(apiVersion, kind) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (group === 'keda.sh') return `@kubernetes-models/keda/${group}/${version}/${kind}`;
  if (group === 'external-secrets.io') return `@kubernetes-models/external-secrets/${group}/${version}/${kind}`;
  return group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`;
}

async function schemaErrors(doc) {
  const specifier = modelModule(doc.apiVersion, doc.kind);
  let Model;
  try {
    Model = (await import(specifier))[doc.kind];
  } catch {
    return { specifier: null, errors: [`no schema for ${doc.apiVersion} ${doc.kind}`] };
  }
  try {
    new Model(doc).validate();
    return { specifier, errors: [] };
  } catch (err) {
    return { specifier, errors: err.message.split(/, (?=data)/).map((line) => line.replace(/^data/, '')) };
  }
}

/** Type-checks every object against its model's interface; returns diagnostics by object index. */
function unknownFieldErrors(docs, specifiers) {
  const lines = [];
  const owner = [];
  docs.forEach((doc, i) => {
    if (!specifiers[i]) return;
    lines.push(`import type { I${doc.kind} as T${i} } from '${specifiers[i]}';`);
    owner.push(-1);
  });
  docs.forEach((doc, i) => {
    if (!specifiers[i]) return;
    for (const line of `export const m${i}: T${i} = ${JSON.stringify(doc, null, 1)};`.split('\n')) {
      lines.push(line);
      owner.push(i);
    }
  });
  // Never written: the compiler host serves it. Beside this script, so imports resolve from the
  // workspace's node_modules.
  const fileName = fileURLToPath(new URL('./__manifests__.ts', import.meta.url));
  const source = lines.join('\n');
  const options = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (name) => (name === fileName ? source : readFile(name));
  host.fileExists = (
    (exists) => (name) =>
      name === fileName || exists(name)
  )(host.fileExists.bind(host));
  host.getSourceFile = (name, lang, ...rest) =>
    name === fileName ? ts.createSourceFile(name, source, lang) : getSourceFile(name, lang, ...rest);
  const program = ts.createProgram([fileName], options, host);
  const byDoc = new Map();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    if (!d.file || d.file.fileName !== fileName) throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    const i = owner[line];
    const message = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    if (i < 0) throw new Error(`cannot load a model: ${message}`);
    byDoc.set(i, [...(byDoc.get(i) ?? []), `line ${lines[line].trim()}: ${message}`]);
  }
  return byDoc;
}

const docs = JSON.parse(readFileSync(0, 'utf8'));
const results = [];
for (const doc of docs) results.push(await schemaErrors(doc));
const strict = unknownFieldErrors(
  docs,
  results.map((r) => r.specifier),
);
process.stdout.write(
  JSON.stringify(
    docs.map((doc, index) => ({
      index,
      kind: doc.kind,
      name: doc.metadata?.name,
      errors: [...results[index].errors, ...(strict.get(index) ?? [])],
    })),
  ),
);
