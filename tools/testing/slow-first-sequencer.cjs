// Jest test sequencer of the root jest.config.cjs (npm test): the spec files
// that take longest start first, so that the run does not end on one long file
// while the other workers sit idle. Jest orders by the durations of its last
// run when it has them, else by file size: on a fresh clone it has none, and
// the longest spec (the CLI's prepare, about 3 minutes under load) is not the
// largest file. The order changes nothing in what a test does.
const Sequencer = require('@jest/test-sequencer').default;

// The slowest first (seconds each took in a fresh-clone `npm test`, docs/README.md "Testing").
const SLOW_FIRST = [
  'apps/cli/__tests__/prepare.spec.ts',
  'apps/cli/__tests__/dispatch.spec.ts',
  'apps/monitor-worker/__tests__/monitor.process.spec.ts',
  'apps/cli/__tests__/basics.spec.ts',
  'apps/cli/__tests__/gates-check.spec.ts',
  'apps/cli/__tests__/outbox.spec.ts',
  'apps/redemption-api/__tests__/process.spec.ts',
  'apps/redemption-api/__tests__/db-outage.integration.spec.ts',
  'libs/invites-db/__tests__/invites.integration.spec.ts',
  'apps/cli/__tests__/preflight.spec.ts',
  'apps/cli/__tests__/launch-phases.spec.ts',
  'apps/cli/__tests__/send-timeout.spec.ts',
  'apps/cli/__tests__/decision.spec.ts',
  'apps/redemption-api/__tests__/signup.browser.spec.ts',
  'apps/redemption-api/__tests__/welcome-email.process.spec.ts',
  'apps/redemption-api/__tests__/limits.integration.spec.ts',
];

class SlowFirstSequencer extends Sequencer {
  sort(tests) {
    const rank = (test) => {
      const index = SLOW_FIRST.findIndex((file) => test.path.endsWith(`/${file}`));
      return index < 0 ? SLOW_FIRST.length : index;
    };
    // Array.prototype.sort is stable: the rest keep jest's own order.
    return [...super.sort(tests)].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = SlowFirstSequencer;
