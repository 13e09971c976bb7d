// A CommonJS backend: the packages are ESM only, so it loads them with import().
const scenario = require('./scenario.cjs');

(async () => {
  const [rules, db, email, cohort, gates] = await Promise.all([
    import('@veza/invite-rules'),
    import('@veza/invites-db'),
    import('@veza/email-templates'),
    import('@veza/cohort-validator'),
    import('@veza/gate-probes'),
  ]);
  await scenario({ rules, db, email, cohort, gates }, 'commonjs');
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
