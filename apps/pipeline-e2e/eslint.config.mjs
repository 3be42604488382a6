import baseConfig from '../../eslint.config.mjs';

export default [
  ...baseConfig,
  {
    // Jest's global setup starts the private Redis and s3rver with the same scripts `npm test` uses.
    files: ['src/support/global-setup.mjs'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
];
