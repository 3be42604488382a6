import nx from '@nx/eslint-plugin';

// Module boundaries: apps never import each other; the api never reaches the models; contracts
// depend on nothing; data-access libs (queue, storage) hold one concern each. Tags live in each
// project.json.
const shared = ['scope:shared'];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: ['**/dist', '**/out-tsc', '**/.cache', '**/data'],
  },
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs', '**/*.cjs'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          // Build and test tooling in tools/ (webpack config, test services, fetchers) is plain JS
          // shared by configuration files, not a library.
          allow: ['^.*/eslint(\\.base)?\\.config\\.[cm]?[jt]s$', '^(\\.\\./)+tools/.+\\.[cm]?js$'],
          depConstraints: [
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: ['type:contracts', 'type:util', 'type:data-access', 'type:feature'],
            },
            {
              sourceTag: 'type:e2e',
              onlyDependOnLibsWithTags: ['type:contracts', 'type:util', 'type:data-access', 'type:client'],
            },
            {
              sourceTag: 'type:feature',
              onlyDependOnLibsWithTags: ['type:contracts', 'type:util', 'type:data-access'],
            },
            // One concern per data-access lib: the queue lib and the storage lib never import each other
            // (a health check of one dependency lives with that dependency), and none of them knows HTTP.
            {
              sourceTag: 'type:data-access',
              onlyDependOnLibsWithTags: ['type:contracts', 'type:util'],
              bannedExternalImports: ['express', '@nestjs/platform-express', 'rate-limiter-flexible'],
            },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:contracts', 'type:util'] },
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'] },
            // The HTTP client ships to other teams: it may share the contracts, never the server side.
            { sourceTag: 'type:client', onlyDependOnLibsWithTags: ['type:contracts'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: shared },
            {
              sourceTag: 'scope:api',
              onlyDependOnLibsWithTags: ['scope:api', ...shared],
              bannedExternalImports: ['onnxruntime-node', 'onnxruntime-*'],
            },
            // Rate limits and idempotency are the api's, where requests arrive.
            {
              sourceTag: 'scope:worker',
              onlyDependOnLibsWithTags: ['scope:worker', ...shared],
              bannedExternalImports: ['rate-limiter-flexible'],
            },
            { sourceTag: 'scope:e2e', onlyDependOnLibsWithTags: shared },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
];

/**
 * For publishable libs: their package.json must declare what their non-test code imports.
 * Specs, Jest files and build-time scripts run on the workspace's dev dependencies and never ship.
 */
export const libraryRules = [
  {
    files: ['**/*.json'],
    rules: {
      '@nx/dependency-checks': [
        'error',
        {
          ignoredFiles: [
            '{projectRoot}/eslint.config.{js,cjs,mjs,ts,cts,mts}',
            '{projectRoot}/src/**/*.spec.ts',
            '{projectRoot}/src/lib/testing/**',
            '{projectRoot}/jest.*',
            '{projectRoot}/scripts/**',
          ],
        },
      ],
    },
    languageOptions: {
      parser: await import('jsonc-eslint-parser'),
    },
  },
];
