// Every jest project in one run (tools/test.sh): jest spreads all spec files
// over its workers, longest first, instead of one project after another.
// Each project keeps its own config (and its own `nx run <project>:test`).
module.exports = {
  // a global option: jest reads it here, not from the projects' configs
  testTimeout: 60_000,
  testSequencer: '<rootDir>/tools/testing/slow-first-sequencer.cjs',
  projects: ['<rootDir>/apps/*/jest.config.cjs', '<rootDir>/libs/*/jest.config.cjs', '<rootDir>/tools/testing/jest.config.cjs'],
};
