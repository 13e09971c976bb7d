// Shared jest settings: native ESM (pglite, msw 2 and yargs 18 are ESM only),
// TypeScript through swc, and the "@veza/source" export condition so that
// @veza/* packages resolve to their src/ without a build.
const path = require('node:path');

module.exports = function preset(projectDir, overrides = {}) {
  return {
    rootDir: projectDir,
    displayName: path.basename(projectDir),
    testEnvironment: 'node',
    testEnvironmentOptions: { customExportConditions: ['@veza/source', 'node', 'node-addons'] },
    extensionsToTreatAsEsm: ['.ts', '.tsx'],
    moduleFileExtensions: ['ts', 'tsx', 'js', 'mjs', 'cjs', 'json'],
    testMatch: ['<rootDir>/**/*.spec.ts', '<rootDir>/**/*.spec.tsx'],
    testPathIgnorePatterns: ['/node_modules/', '/dist/'],
    moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
    transform: {
      '^.+\\.[tj]sx?$': [
        '@swc/jest',
        {
          jsc: {
            parser: { syntax: 'typescript', tsx: true },
            transform: { react: { runtime: 'automatic' } },
            target: 'es2022',
          },
          module: { type: 'es6' },
        },
      ],
    },
    transformIgnorePatterns: ['/node_modules/'],
    testTimeout: 60_000,
    ...overrides,
  };
};
