module.exports = {
  displayName: 'deploy',
  preset: '../jest.preset.js',
  testEnvironment: 'node',
  // The suites run real tools (kustomize, dclint, promtool, Nx); on a busy two-core machine each
  // start takes seconds.
  testTimeout: 60_000,
  globalSetup: '<rootDir>/jest.global-setup.mjs',
  // deploy/monitoring is a project of its own with its own tests.
  testMatch: ['<rootDir>/test/**/*.spec.ts'],
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
  },
  moduleFileExtensions: ['ts', 'js', 'html'],
  coverageDirectory: '../coverage/deploy',
};
