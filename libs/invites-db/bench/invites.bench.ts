import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import postgres from 'postgres';
import { timeIt } from '@veza/test-support';
import type { BenchRun } from '@veza/test-support';
import { digestCanonicalCode as digestCode } from '../src/code.js';
import { createInvites, generateCode, openDatabase, redeemInvite } from '../src/index.js';
import { openTestDatabase, testBackends } from '../src/testing.js';

const rowsFor = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => ({ email: `${prefix}${i}@bench.example.org`, cohort: `cohort-${i % 7}` }));

export const run: BenchRun = async (ctx) => {
  const pg = testBackends({ TEST_DATABASE_URL: ctx.databaseUrl }).find((b) => b.name === 'postgres');
  if (!pg) throw new Error('needs the throwaway PostgreSQL (npm run bench starts one)');
  const n = Math.max(1000, Math.round(100_000 * ctx.scale));
  const perRowN = Math.max(500, Math.round(10_000 * ctx.scale));
  const conn = await openTestDatabase(pg, { maxConnections: 50 });
  const sql = postgres(conn.url!, { max: 50, onnotice: () => undefined });
  try {
    ctx.log(`createInvites: ${n} rows`);
    const batchMs = await timeIt(() => createInvites(conn.db, rowsFor(n, 'batch')));

    ctx.log(`seed way: one transaction per row, ${perRowN} rows`);
    const perRowMs = await timeIt(async () => {
      for (const row of rowsFor(perRowN, 'seed')) {
        await sql.begin((tx) => tx`INSERT INTO beta_invites (code_digest, email, cohort) VALUES (${digestCode(generateCode())}, ${row.email}, ${row.cohort})`);
      }
    });

    ctx.log(`COPY: ${n} rows`);
    const copyMs = await timeIt(async () => {
      const lines = rowsFor(n, 'copy').map((row) => `${digestCode(generateCode())}\t${row.email}\t${row.cohort}\n`);
      const writable = await sql`COPY beta_invites (code_digest, email, cohort) FROM STDIN`.writable();
      await pipeline(Readable.from(lines), writable);
    });

    const batchRate = (n / batchMs) * 1000;
    const perRowRate = (perRowN / perRowMs) * 1000;
    const copyRate = (n / copyMs) * 1000;

    ctx.log('redeem: 50 concurrent clients');
    const redeemN = Math.max(500, Math.round(10_000 * ctx.scale));
    const codes = (await createInvites(conn.db, rowsFor(redeemN, 'redeem'))).map((o) => (o.status === 'created' ? o.code : ''));
    const redeemConn = await openDatabase({ databaseUrl: conn.url, maxConnections: 50 });
    let next = 0;
    const worker = async () => {
      while (next < codes.length) await redeemInvite(redeemConn.db, codes[next++]!);
    };
    const redeemMs = await timeIt(() => Promise.all(Array.from({ length: 50 }, worker)));
    let nextSelect = 0;
    const digests = codes.map((code) => digestCode(code));
    const selectWorker = async () => {
      while (nextSelect < digests.length) await sql`SELECT id FROM beta_invites WHERE code_digest = ${digests[nextSelect++]!}`;
    };
    const selectMs = await timeIt(() => Promise.all(Array.from({ length: 50 }, selectWorker)));
    await redeemConn.close();
    const redeemRate = (redeemN / redeemMs) * 1000;
    const selectRate = (redeemN / selectMs) * 1000;

    return {
      title: 'invites-db: creating and redeeming invites (throwaway PostgreSQL)',
      figures: [
        {
          label: `create ${n.toLocaleString('en-US')} invites, per-row failure isolation kept`,
          measured: { name: 'createInvites (1,000-row chunks)', value: batchRate, unit: 'rows/s' },
          baseline: { name: 'seed way: one transaction per row', value: perRowRate, unit: 'rows/s' },
          ratio: batchRate / perRowRate,
          target: '≥ 20x faster',
          met: batchRate / perRowRate >= 20,
        },
        {
          label: `create ${n.toLocaleString('en-US')} invites`,
          measured: { name: 'createInvites', value: batchMs, unit: 'ms' },
          baseline: { name: 'COPY of the same rows', value: copyMs, unit: 'ms' },
          ratio: batchMs / copyMs,
          target: '≤ 3x the COPY time',
          met: batchMs / copyMs <= 3,
        },
        {
          label: `redeem ${redeemN.toLocaleString('en-US')} codes, 50 concurrent clients`,
          measured: { name: 'redeemInvite (atomic UPDATE … RETURNING)', value: redeemRate, unit: 'redeems/s' },
          baseline: { name: 'bare indexed SELECT by digest', value: selectRate, unit: 'queries/s' },
          ratio: redeemRate / selectRate,
        },
      ],
      notes: [
        `The one-transaction-per-row baseline ran on ${perRowN.toLocaleString('en-US')} rows (rate compared, to keep the bench short); COPY and createInvites on ${n.toLocaleString('en-US')}.`,
        `COPY rate ${Math.round(copyRate).toLocaleString('en-US')} rows/s; codes generated and digested (the same functions) inside every timed section. createInvites keeps two 1,000-row INSERTs in flight.`,
      ],
    };
  } finally {
    await sql.end();
    await conn.close();
  }
};
