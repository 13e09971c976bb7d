// What a backend does with the packed libraries, once with ESM imports
// (consume.mjs) and once from CommonJS through dynamic import() (consume.cjs).
// (consume-require.cjs loads them with plain require(), where Node can.)
// Plain JavaScript: it runs in the temporary project, outside the workspace.
const assert = require('node:assert/strict');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

module.exports = async function scenario({ rules, settings, db, dbTesting, email, cohort, gates, mailer, mailerTesting }, label) {
  // invite-rules: the one source of the rules
  assert.equal(rules.cohortProblem('fans/discord'), null);
  assert.match(rules.nameProblem('Ana {{code}}'), /\{\{/);

  // invites-db: migrate an embedded database, create, look up and redeem an invite
  const conn = await db.openDatabase({ dataDir: 'memory://' });
  try {
    // the package ships every migration of the repository's migrations/ and applies them all
    const shipped = db.readMigrationFiles().map((file) => file.name);
    assert.deepEqual(shipped, process.env.VEZA_REPO_MIGRATIONS.split(','));
    assert.deepEqual((await db.runMigrations(conn)).applied, shipped);
    const [created] = await db.createInvites(conn.db, [{ email: 'ana@example.org', cohort: 'fans/discord', name: 'Ana' }]);
    assert.equal(created.status, 'created');
    assert.equal((await db.lookupInvite(conn.db, db.formatCode(created.code))).state, 'valid');
    assert.equal((await db.redeemInvite(conn.db, created.code)).ok, true);
    assert.equal((await db.lookupInvite(conn.db, created.code)).state, 'used');

    // invites-db/testing: a migrated throwaway database from the shipped migrations
    const [embedded] = dbTesting.testBackends({});
    const scratch = await dbTesting.openTestDatabase(embedded);
    await scratch.close();

    // the backend's own PGlite and drizzle instance (drizzle-orm is the backend's: a peer dependency)
    const { PGlite } = await import('@electric-sql/pglite');
    const { drizzle } = await import('drizzle-orm/pglite');
    const own = new PGlite();
    try {
      assert.deepEqual((await db.runMigrations(own)).applied, shipped);
      const [mine] = await db.createInvites(drizzle(own), [{ email: 'own@example.org', cohort: 'creators-2026' }]);
      assert.equal((await db.redeemInvite(drizzle(own), mine.code)).ok, true);
    } finally {
      await own.close();
    }

    // email-templates: compile the shipped invite template and render an .eml
    const compiled = await email.compileInviteTemplate({
      settings: {
        frontendUrl: 'https://beta.veza.example',
        feedbackUrl: 'https://forms.example.org/beta',
        discordUrl: 'https://discord.example.org/invite/veza',
        from: 'Veza <beta@veza.example>',
        replyTo: 'bonjour@veza.example',
      },
    });
    const eml = await email.buildInviteEml(compiled, {
      email: created.email,
      name: 'Ana',
      cohort: created.cohort,
      code: created.code,
      expiresAt: created.expiresAt,
      inviteId: created.id,
    });
    const text = eml.toString('utf8');
    assert.match(text, /^To: Ana <ana@example\.org>$/m);
    assert.match(text, /^X-Veza-Invite-Id: /m);
    const dir = mkdtempSync(join(tmpdir(), 'veza-pack-eml-'));
    writeFileSync(join(dir, `${created.id}.eml`), eml);
    // the preview without the optional peer playwright-core (not installed here): the HTML, and why there is no picture
    // (chromiumPath: any file that exists, so that the peer is what is missing)
    const preview = await email.writePreview(dir, [{ to: 'Ana <ana@example.org>', subject: 'Bienvenue', html: '<p>x</p>' }], {
      chromiumPath: process.execPath,
    });
    assert.equal(preview.screenshot, null);
    assert.match(preview.reason, /playwright-core is not installed/);
    rmSync(dir, { recursive: true, force: true });
    // invite-mailer: dispatch two invites exactly once, then send the welcome email a redemption queued
    const pair = await db.createInvites(conn.db, [
      { email: 'mo@example.org', cohort: 'fans' },
      { email: 'lu@example.org', cohort: 'fans' },
    ]);
    const items = pair.map((o) => ({
      inviteId: o.id,
      email: o.email,
      cohort: o.cohort,
      eml: () => Buffer.from(`To: ${o.email}\r\n\r\nhi\r\n`),
    }));
    const transport = mailerTesting.fakeTransport();
    // beforeClaims hears this run's claimer id before any claim, and eml() the same one; workerProcess knows it as this process
    const claimers = [];
    const told = items.map((item) => ({ ...item, eml: (claim) => (claimers.push(claim.claimedBy), item.eml()) }));
    const first = await mailer.dispatchInvites(conn, told, transport, {
      from: 'beta@veza.example',
      rate: 100,
      beforeClaims: (claimer) => void claimers.push(claimer),
    });
    assert.equal(first.sent, 2);
    assert.equal(new Set(claimers).size, 1);
    assert.equal(mailer.workerProcess(claimers[0]), 'this-process');
    assert.equal(mailer.workerProcess('another-host:4242:abc'), 'unknown');
    assert.equal((await mailer.dispatchInvites(conn, items, transport, { from: 'beta@veza.example', rate: 100 })).alreadySent, 2);
    assert.equal((await db.redeemInvite(conn.db, pair[0].code, null, { queueWelcome: true })).ok, true);
    const sender = await mailer.openOutboxSender(conn, transport, {
      from: 'beta@veza.example',
      buildEml: async (row) => Buffer.from(`To: ${row.email}\r\n\r\nwelcome\r\n`),
    });
    assert.equal((await sender.drain()).sent, 1);
    assert.deepEqual([transport.sent.length, transport.sent[2]], [3, 'mo@example.org']);
    // the loop a long-running backend keeps: a drain at its start, then on nudge() or the interval; stop() waits for it
    assert.equal((await db.redeemInvite(conn.db, pair[1].code, null, { queueWelcome: true })).ok, true);
    const looped = await new Promise((resolve, reject) => {
      const loop = mailer.runOutboxLoop(sender, {
        intervalMs: 60_000,
        onSummary: (summary) => void loop.stop().then(() => resolve(summary), reject),
        onError: reject,
      });
    });
    assert.equal(looped.sent, 1);
    await sender.close();
    assert.deepEqual(transport.sent.slice(3), ['lu@example.org']);
    // holdLock's onLost, and close({ now }): typed as the README says (PGlite never loses its lock)
    const lost = [];
    const releaseLock = await conn.holdLock('pack-consumer', { onLost: (reason) => lost.push(reason) });
    await releaseLock();
    assert.deepEqual(lost, []);
    // typed errors keep their class and code across the package boundary
    assert.throws(
      () => mailer.sendOptions({ rate: 0 }),
      (error) => error instanceof mailer.MailerError && error.code === 'MAILER_INVALID_OPTION',
    );
    await assert.rejects(
      () => db.lookupInvite(conn.db, 42),
      (error) => error instanceof db.InvitesDbError && error.code === 'INVITES_CODE_MALFORMED',
    );
    assert.throws(() => mailer.sendCmdTransport('no-such-mailer -t', { PATH: '/nonexistent' }), { code: 'MAILER_SEND_CMD_NOT_FOUND' });
    await assert.rejects(
      () =>
        email.buildInviteEml(compiled, {
          email: 'b@example.org',
          cohort: 'c'.repeat(80),
          code: created.code,
          expiresAt: created.expiresAt,
          inviteId: '1',
        }),
      { code: 'EMAIL_RECIPIENT_INVALID' },
    );
  } finally {
    await conn.close({ now: true });
  }

  // cohort-validator: validate a CSV
  const result = await cohort.validateCohort(
    'email,cohort,name\nana@example.org,fans/discord,Ana\nbo@example.org,creators-2026,Bo {{x}}\n',
    {
      thresholds: { minRows: 1, minCreators: 0, minListeners: 0, minLabels: 1 },
    },
  );
  assert.equal(result.ok, false);
  assert.deepEqual(
    result.errors.map((f) => f.code),
    ['COHORT_BAD_NAME'],
  );

  // settings: the environment plus a .env, checked by a lib's zod schema (email-templates'): every problem at once
  const envDir = mkdtempSync(join(tmpdir(), 'veza-pack-env-'));
  try {
    writeFileSync(join(envDir, '.env'), 'FRONTEND_URL=https://beta.veza.example\nMAIL_FROM=not an address\n');
    const loaded = settings.loadEnv({ cwd: envDir, env: { FEEDBACK_URL: 'https://f.example', DISCORD_URL: 'https://d.example' } });
    assert.deepEqual([...loaded.fromFile].sort(), ['FRONTEND_URL', 'MAIL_FROM']);
    const read = settings.parseSettings(email.EMAIL_SETTINGS_SCHEMA, loaded.env);
    assert.equal(read.ok, false);
    assert.deepEqual(
      read.problems.map((p) => p.field),
      ['MAIL_FROM'],
    );
    assert.match(settings.formatProblems(read.problems, { app: 'backend' }), /^backend: configuration error: MAIL_FROM /);
    assert.equal(settings.SETTINGS_EXIT_CODE, 3);
    assert.throws(
      () => db.openOptionsFromEnv({ DATABASE_URL: 'mysql://x' }),
      (error) => error.code === 'SETTINGS_INVALID',
    );
  } finally {
    rmSync(envDir, { recursive: true, force: true });
  }

  // gate-probes: the gates with nothing configured: all ⚪, INCONCLUSIVE, exit 2
  const config = gates.gatesConfigFromEnv({});
  assert.equal(config.ok, true);
  const run = await gates.runGates(config.value, {});
  assert.equal(run.verdict, 'INCONCLUSIVE');
  assert.equal(run.exitCode, 2);
  assert.equal(run.gates.length, 6);

  console.log(`${label} on Node ${process.versions.node}: ok`);
};
