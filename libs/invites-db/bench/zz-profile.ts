import postgres from 'postgres';
import { sql as dsql } from 'drizzle-orm';
import { digestCanonicalCode as digestCode } from '../src/code.js';
import { createInvites, generateCode } from '../src/index.js';
import { planInvites } from '../src/queries/plan-invites.js';
import { openTestDatabase, testBackends } from '../src/testing.js';
const t = async (label: string, f: () => unknown) => { const s = performance.now(); await f(); const ms = performance.now() - s; console.log(label, ms.toFixed(1), 'ms'); return ms; };
const rowsFor = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => ({ email: `${prefix}${i}@bench.example.org`, cohort: `cohort-${i % 7}` }));
const pg = testBackends({ TEST_DATABASE_URL: process.env.TEST_DATABASE_URL }).find((b) => b.name === 'postgres')!;
const conn = await openTestDatabase(pg, { maxConnections: 10 });
const sql = postgres(conn.url!, { max: 4, onnotice: () => undefined });
const N = 5000;
let b = 0;
for (let r = 0; r < 3; r++) {
  await t('gen+digest', () => { for (let i = 0; i < N; i++) digestCode(generateCode()); });
  await t('plan', () => planInvites(rowsFor(N, `p${b++}-`), new Map()));
  await t('createInvites', () => createInvites(conn.db, rowsFor(N, `c${b++}-`)));
  await t('createInvites chunk5000', () => createInvites(conn.db, rowsFor(N, `c${b++}-`), { chunkSize: 5000 }));
  await t('unnest raw', async () => {
    const plan = planInvites(rowsFor(N, `u${b++}-`), new Map());
    const p = plan.pending;
    await sql.begin((tx) => tx`INSERT INTO beta_invites (code_digest, email, cohort, name, role, sent_by, expires_at)
      SELECT d, e, c, n, r, s::uuid, now() + make_interval(days => 30) FROM unnest(${p.map((x) => x.digest)}::text[], ${p.map((x) => x.email)}::text[], ${p.map((x) => x.cohort)}::text[], ${p.map((x) => x.name)}::text[], ${p.map((x) => x.role)}::text[], ${p.map((x) => x.sentBy)}::text[]) AS u(d, e, c, n, r, s)
      ON CONFLICT (lower(email)) WHERE revoked_at IS NULL DO NOTHING RETURNING id::text AS id, code_digest, expires_at`);
  });
  await t('perrow 500', async () => { const rows = rowsFor(500, `s${b++}-`); for (const row of rows) await sql.begin((tx) => tx`INSERT INTO beta_invites (code_digest, email, cohort) VALUES (${digestCode(generateCode())}, ${row.email}, ${row.cohort})`); });
}
await sql.end(); await conn.close();
