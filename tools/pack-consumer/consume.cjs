// A CommonJS backend: the packages are ESM only, so it loads them with import().
const scenario = require('./scenario.cjs');

(async () => {
  const [rules, settings, db, dbTesting, email, cohort, gates, mailer, mailerTesting] = await Promise.all([
    import('@veza/invite-rules'),
    import('@veza/settings'),
    import('@veza/invites-db'),
    import('@veza/invites-db/testing'),
    import('@veza/email-templates'),
    import('@veza/cohort-validator'),
    import('@veza/gate-probes'),
    import('@veza/invite-mailer'),
    import('@veza/invite-mailer/testing'),
  ]);
  await scenario({ rules, settings, db, dbTesting, email, cohort, gates, mailer, mailerTesting }, 'commonjs');
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
