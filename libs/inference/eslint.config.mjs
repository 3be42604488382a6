import baseConfig from '../../eslint.config.mjs';

export default [
  ...baseConfig,
  {
    // Jest's global setup fetches models and photos with the same scripts `npm run fetch:*` runs.
    files: ['jest.global-setup.mjs'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
  {
    files: ['**/*.json'],
    rules: {
      '@nx/dependency-checks': [
        'error',
        {
          ignoredFiles: [
            '{projectRoot}/eslint.config.{js,cjs,mjs,ts,cts,mts}',
            // Specs run against the workspace's dev dependencies (s3rver, @nestjs/testing), never ship.
            '{projectRoot}/src/**/*.spec.ts',
            // Jest's configuration and environment: test tooling, like the specs.
            '{projectRoot}/jest.*',
          ],
        },
      ],
    },
    languageOptions: {
      parser: await import('jsonc-eslint-parser'),
    },
  },
];
