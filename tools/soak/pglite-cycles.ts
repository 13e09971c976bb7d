// The embedded database over many commands: each cycle opens it as a CLI command does, writes
// (20 invites created, 10 redeemed, a lookup each), and closes it. Prints, every 10 cycles, the size
// of the data directory, of its WAL (pg_wal) and of its tables (base), in KiB, and the WAL files.
//
//   VEZA_DATA_DIR=/tmp/soak-pglite node --conditions=@veza/source --import tsx tools/soak/pglite-cycles.ts 300
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInvites, formatCode, lookupInvite, openDatabase, openOptionsFromEnv, redeemInvite, runMigrations } from '@veza/invites-db';

const cycles = Number(process.argv[2] ?? 100);
const open = openOptionsFromEnv(process.env);
const dataDir = open.dataDir ?? join('.veza', 'db');

function kib(path: string): number {
  let total = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const full = join(path, entry.name);
    total += entry.isDirectory() ? kib(full) : statSync(full).size;
  }
  return total;
}
const size = (path: string) => Math.round(kib(path) / 1024);

for (let cycle = 1; cycle <= cycles; cycle++) {
  const conn = await openDatabase(open);
  try {
    if (cycle === 1) await runMigrations(conn);
    const rows = Array.from({ length: 20 }, (_, i) => ({ email: `pglite-${cycle}-${i}@example.org`, cohort: 'pglite-soak' }));
    const created = await createInvites(conn.db, rows);
    let n = 0;
    for (const outcome of created) {
      if (outcome.status !== 'created') continue;
      const code = formatCode(outcome.code);
      await lookupInvite(conn.db, code);
      if (n++ < 10) await redeemInvite(conn.db, code);
    }
  } finally {
    await conn.close();
  }
  if (cycle % 10 === 0 || cycle === 1)
    process.stdout.write(
      `${JSON.stringify({ cycle, dirKb: size(dataDir), walKb: size(join(dataDir, 'pg_wal')), baseKb: size(join(dataDir, 'base')), walFiles: readdirSync(join(dataDir, 'pg_wal')).filter((f) => /^[0-9A-F]{24}$/.test(f)).length })}\n`,
    );
}
