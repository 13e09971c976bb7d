// A CommonJS backend on a Node that require()s ES modules (20.19 and later, 22.12 and later, 24, 26): each
// package entry loaded with plain require(), no import(). It fails if a package's module graph gains a top-level
// await (ERR_REQUIRE_ASYNC_MODULE) or stops loading synchronously. What the packages then do is the scenario's
// (consume.mjs, consume.cjs): require() gives the very module namespace import() does, which is checked. Loading
// only, no database: it runs on every Node line the pack test checks, within its time.
const assert = require('node:assert/strict');

const ENTRIES = [
  '@veza/invite-rules',
  '@veza/settings',
  '@veza/invites-db',
  '@veza/invites-db/testing',
  '@veza/email-templates',
  '@veza/cohort-validator',
  '@veza/gate-probes',
  '@veza/invite-mailer',
  '@veza/invite-mailer/testing',
];

(async () => {
  const required = ENTRIES.map((name) => require(name));
  const imported = await Promise.all(ENTRIES.map((name) => import(name)));
  ENTRIES.forEach((name, i) => assert.equal(required[i], imported[i], `${name}: require() and import() gave different modules`));
  const [rules, settings, db] = required;
  assert.equal(rules.cohortProblem('fans/discord'), null);
  assert.equal(settings.SETTINGS_EXIT_CODE, 3);
  assert.equal(db.formatCode('ABCD1234EFGH5678'), 'ABCD-1234-EFGH-5678');
  console.log(`require(esm) on Node ${process.versions.node}: ok`);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
