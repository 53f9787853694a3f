/** Tests run TypeScript through SWC (ts-jest cannot drive the native TypeScript 7 compiler). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test', '<rootDir>/migrations'],
  testMatch: ['**/*.test.ts'],
  // test/pg/ holds PostgreSQL-only tests: `npm run test:pg` (test/pg/run-pg.ts) sets TEST_DATABASE_URL and runs them.
  testPathIgnorePatterns: process.env.TEST_DATABASE_URL ? ['/node_modules/'] : ['/node_modules/', '<rootDir>/test/pg/'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  testTimeout: 30000,
};
