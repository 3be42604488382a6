module.exports = {
  displayName: 'inference',
  preset: '../../jest.preset.js',
  testEnvironment: '<rootDir>/jest.environment.cjs',
  globalSetup: '<rootDir>/jest.global-setup.mjs',
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
  },
  // Shipped JavaScript that specs run as a reference (face-api, under the models' sources) is
  // already plain CommonJS; ts-jest would only warn that it cannot compile it.
  transformIgnorePatterns: ['/node_modules/', '/sources/[^/]+/package/'],
  moduleFileExtensions: ['ts', 'js', 'html'],
  coverageDirectory: '../../coverage/libs/inference',
};
