import { createInvites, deleteInvites, deleteTestInvites, formatCode, lookupInvite, setInviteExpiry, TEST_COHORT } from '@veza/invites-db';
import type { Database } from '@veza/invites-db';
import { callApi, fail, pass } from './check-helpers.js';
import type { Check, HttpAnswer } from './check-helpers.js';

const describeAnswer = (a: HttpAnswer) =>
  `HTTP ${a.status}${a.body?.error?.code ? ` ${a.body.error.code}` : ''}${a.body === null ? " (no JSON: not the redemption-api's answer)" : ''}`;

/** The redemption-api's own answer: its JSON, not a 200 from whatever else answers at that URL (an SPA's index.html, a proxy's page). */
const stateOf = (a: HttpAnswer) => (a.body?.['invite'] as { state?: unknown } | undefined)?.state;

/**
 * A check whose answers include a 429: the API did not look at the code, so
 * the item was not checked (⚪), which is not a failure of the path either.
 */
function judged(title: string, answers: HttpAnswer[], ok: boolean, detail: string, failure: string, fix: string): Check {
  const limited = answers.find((a) => a.status === 429);
  if (limited)
    return {
      title,
      status: 'unknown',
      detail: `${describeAnswer(limited)}: the API is rate limiting this client, so this was not checked`,
      fix: 'run preflight again in a minute; behind a proxy, set TRUST_PROXY on the API (otherwise every client shares one rate-limit bucket)',
    };
  return ok ? pass(title, detail) : fail(title, failure, fix);
}

/** The redemption check's test addresses: a reserved domain nobody's email is at. */
const TEST_DOMAIN = 'preflight.invalid.example';
/** A test invite older than this was left by a run that ended without its clean-up (a check lasts seconds). */
const LEFT_BEHIND_AFTER_MS = 15 * 60_000;

/**
 * The checklist's "Backend invite-redemption path", against a running
 * redemption-api on the same database: a fresh code, a redeem, a reuse, an
 * invalid code and an expired code. The test invites are deleted afterwards,
 * and those of an earlier run killed before its end at the next run.
 */
export async function redemptionChecks(db: Database, apiUrl: string): Promise<Check[]> {
  const base = apiUrl.replace(/\/+$/, '');
  // what a preflight killed between its redeem and its end left behind (the funnel and the testers gate leave
  // the test cohort out anyway); a younger one may be another preflight's, running now
  await deleteTestInvites(db, TEST_DOMAIN, LEFT_BEHIND_AFTER_MS);
  const stamp = Date.now().toString(36);
  const outcomes = await createInvites(db, [
    { email: `preflight-fresh-${stamp}@${TEST_DOMAIN}`, cohort: TEST_COHORT },
    { email: `preflight-expired-${stamp}@${TEST_DOMAIN}`, cohort: TEST_COHORT },
  ]);
  const [fresh, expired] = outcomes.map((o) => (o.status === 'created' ? o : null));
  if (!fresh || !expired)
    return [fail('Test invites created', 'could not create the two test invites', "check 'veza-beta invites report' and the database")];
  const fix = `check that ${base} is the redemption-api (npm run api) and uses the same database as this preflight`;
  try {
    await setInviteExpiry(db, expired.id, new Date(Date.now() - 60_000));
    const checks: Check[] = [];
    const health = await callApi(`${base}/healthz`);
    const ready = await callApi(`${base}/readyz`);
    checks.push(
      health.status === 200 && health.body?.['status'] === 'ok' && ready.status === 200 && ready.body?.['status'] === 'ready'
        ? pass('Health endpoints green', '/healthz and /readyz answer 200')
        : fail('Health endpoints green', `/healthz ${describeAnswer(health)}, /readyz ${describeAnswer(ready)}`, fix),
    );

    const code = formatCode(fresh.code);
    const lookup = await callApi(`${base}/v1/invites/${encodeURIComponent(code)}`);
    checks.push(
      judged(
        'A fresh code is valid',
        [lookup],
        lookup.status === 200 && stateOf(lookup) === 'valid',
        'GET /v1/invites/{code} → 200, not consumed',
        describeAnswer(lookup),
        fix,
      ),
    );
    const redeem = () => callApi(`${base}/v1/invites/redeem`, { method: 'POST', body: JSON.stringify({ code }) });
    const first = await redeem();
    // "used_at set" is read from the database, not taken from the answer
    const used = first.status === 200 && stateOf(first) === 'redeemed' && (await lookupInvite(db, fresh.code)).state === 'used';
    checks.push(
      judged(
        'Signup redeems the code',
        [first],
        used,
        'POST /v1/invites/redeem → 200, used_at set',
        first.status === 200 && stateOf(first) === 'redeemed'
          ? `${describeAnswer(first)}, but used_at is not set in this database`
          : describeAnswer(first),
        fix,
      ),
    );
    const second = await redeem();
    checks.push(
      judged(
        'The same code twice is refused',
        [second],
        second.status === 409 && second.body?.error?.code === 'INVITE_USED',
        '409 INVITE_USED (one-time use)',
        describeAnswer(second),
        fix,
      ),
    );

    const invalid = await callApi(`${base}/v1/invites/NOT-A-CODE`);
    const unknown = await callApi(`${base}/v1/invites/0000-0000-0000-0000`);
    checks.push(
      judged(
        'An invalid code is refused with a clear error',
        [invalid, unknown],
        invalid.status === 400 && unknown.status === 404,
        `400 ${invalid.body?.error?.code}, unknown code 404 ${unknown.body?.error?.code}`,
        `malformed: ${describeAnswer(invalid)}, unknown: ${describeAnswer(unknown)}`,
        fix,
      ),
    );
    const old = await callApi(`${base}/v1/invites/redeem`, { method: 'POST', body: JSON.stringify({ code: formatCode(expired.code) }) });
    const saysExpired = /expired/i.test(old.body?.error?.message ?? '');
    checks.push(
      judged(
        'An expired code is refused with "expired"',
        [old],
        old.status === 410 && old.body?.error?.code === 'INVITE_EXPIRED' && saysExpired,
        `410 INVITE_EXPIRED: ${old.body?.error?.message}`,
        describeAnswer(old),
        fix,
      ),
    );
    return checks;
  } finally {
    await deleteInvites(db, [fresh.id, expired.id]);
  }
}
