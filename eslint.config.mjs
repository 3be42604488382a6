import nx from '@nx/eslint-plugin';

// Module boundaries: apps never import each other; the api never reaches the models;
// contracts depend on nothing. Tags live in each project.json.
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
          allow: ['^.*/eslint(\\.base)?\\.config\\.[cm]?[jt]s$'],
          depConstraints: [
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: ['type:contracts', 'type:util', 'type:data-access', 'type:feature'],
            },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:contracts', 'type:util', 'type:data-access'] },
            {
              sourceTag: 'type:feature',
              onlyDependOnLibsWithTags: ['type:contracts', 'type:util', 'type:data-access'],
            },
            {
              sourceTag: 'type:data-access',
              onlyDependOnLibsWithTags: ['type:contracts', 'type:util', 'type:data-access'],
            },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:contracts', 'type:util'] },
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: shared },
            {
              sourceTag: 'scope:api',
              onlyDependOnLibsWithTags: ['scope:api', ...shared],
              bannedExternalImports: ['onnxruntime-node', 'onnxruntime-*'],
            },
            { sourceTag: 'scope:worker', onlyDependOnLibsWithTags: ['scope:worker', ...shared] },
            { sourceTag: 'scope:e2e', onlyDependOnLibsWithTags: shared },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
];
