// The specs start the app as child processes: tools/testing/prebuild-apps.mjs bundles it once per run for them.
module.exports = require('../../jest.preset.cjs')(__dirname, {
  globalSetup: '<rootDir>/../../tools/testing/prebuild-apps.mjs',
  globalTeardown: '<rootDir>/../../tools/testing/prebuild-apps-teardown.mjs',
});
