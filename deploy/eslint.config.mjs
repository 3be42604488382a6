import baseConfig from '../eslint.config.mjs';

// deploy/monitoring is linted as its own project.
export default [{ ignores: ['monitoring/**'] }, ...baseConfig];
