// Two projects: unit specs beside the code (pure logic, no services) and e2e specs under test/ (real PostgreSQL and Redis).
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];
module.exports = {
  // A global option (Jest ignores it inside a project): e2e specs boot real services, and the machine may be busy.
  testTimeout: 60000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: '.',
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
      transform: { '^.+\\.ts$': tsJest },
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      rootDir: '.',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      transform: { '^.+\\.ts$': tsJest },
    },
  ],
};
