// Creates N invites (argv[2], default 2000) on DATABASE_URL (or the embedded database) and prints their codes, one a line.
import { createInvites, formatCode, openDatabase, openOptionsFromEnv } from '@veza/invites-db';

const n = Number(process.argv[2] ?? 2000);
const conn = await openDatabase(openOptionsFromEnv(process.env));
const cohort = `soak-${Date.now()}`;
try {
  for (let i = 0; i < n; i += 500) {
    const rows = Array.from({ length: Math.min(500, n - i) }, (_, j) => ({ email: `${cohort}-${i + j}@example.org`, cohort }));
    for (const outcome of await createInvites(conn.db, rows))
      if (outcome.status === 'created') process.stdout.write(`${formatCode(outcome.code)}\n`);
  }
} finally {
  await conn.close();
}
