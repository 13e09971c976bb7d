import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { checkScenario } from './check.js';
import type { Expiry, FolderSnapshot, Redemption, Round } from './check.js';
import { codeOfEml, execute, readDatabase, readDeliveries, snapshotFolders } from './evidence.js';
import { kill, startProcess } from './start-process.js';
import { seededRandom } from './random.js';
import type { Random } from './random.js';
import { describeCommand, REDEMPTION_API, runCommand } from './run-command.js';
import type { CommandRecord, Interruption } from './run-command.js';

const SEND_CMD = fileURLToPath(new URL('./send-cmd.sh', import.meta.url));
const SMTP_SINK = fileURLToPath(new URL('../../apps/cli/testing/smtp-sink-process.ts', import.meta.url));

export type Backend = 'postgres' | 'pglite';

export interface ScenarioOptions {
  seed: number;
  backend: Backend;
  /** the throwaway server's URL (postgres): each scenario gets a database of its own on it */
  serverUrl?: string | undefined;
  rounds: number;
  log: (line: string) => void;
  /** keep the scenario's folder (its out-* folders, mail, logs) for a look afterwards */
  keep?: boolean;
}

export interface ScenarioResult {
  seed: number;
  backend: Backend;
  dir: string;
  violations: string[];
  commands: number;
}

/** The email settings of every command (the invitation and welcome templates need them). */
const EMAIL_SETTINGS = {
  FRONTEND_URL: 'https://beta.veza.fr',
  FEEDBACK_URL: 'https://forms.veza.fr/beta',
  DISCORD_URL: 'https://discord.gg/veza',
  MAIL_FROM: 'Veza <beta@veza.fr>',
  MAIL_REPLY_TO: 'team@veza.fr',
  MAIL_UNSUBSCRIBE: 'mailto:beta-stop@veza.fr',
};

/** Two cohort files that share three people (p3…p5): prepared into one folder or two, they meet. */
const COHORTS = {
  'a.csv': ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'].map((p) => `${p}@example.org,creators-chaos`),
  'b.csv': ['p3', 'p4', 'p5', 'p6', 'p7', 'p8'].map((p) => `${p}@example.org,listeners-chaos`),
};
export const EMAILS = [...new Set(Object.values(COHORTS).flat())].map((line) => line.split(',')[0]!);

type Op = 'prepare' | 'dispatch' | 'send' | 'revoke' | 'reissue' | 'cleanup' | 'migrate' | 'redeem' | 'drain' | 'expire';
const OPS: Op[] = [
  'prepare',
  'prepare',
  'dispatch',
  'dispatch',
  'dispatch',
  'send',
  'send',
  'revoke',
  'revoke',
  'reissue',
  'cleanup',
  'migrate',
  'redeem',
  'drain',
  'expire',
];
const INTERRUPTIONS: Interruption[] = ['kill-9', 'kill-9', 'sigterm', 'ctrl-c', 'ctrl-c-twice'];

export async function runScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const random = seededRandom(options.seed);
  const dir = mkdtempSync(join(tmpdir(), `veza-chaos-${options.backend}-${options.seed}-`));
  const smtpDir = join(dir, 'mail-smtp');
  const cmdDir = join(dir, 'mail-cmd');
  mkdirSync(cmdDir);
  for (const [file, lines] of Object.entries(COHORTS)) writeFileSync(join(dir, file), `email,cohort\n${lines.join('\n')}\n`);

  let database: { env: Record<string, string>; drop(): Promise<void> };
  if (options.backend === 'postgres') {
    if (!options.serverUrl) throw new Error('the postgres backend needs a server URL (TEST_DATABASE_URL)');
    const name = `chaos_${options.seed}_${process.pid}_${Date.now() % 1_000_000}`;
    const admin = postgres(options.serverUrl, { max: 1, onnotice: () => undefined });
    await admin.unsafe(`CREATE DATABASE ${name}`);
    const url = new URL(options.serverUrl);
    url.pathname = `/${name}`;
    database = {
      env: { DATABASE_URL: url.toString() },
      drop: async () => {
        await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.end();
      },
    };
  } else database = { env: { VEZA_DATA_DIR: join(dir, '.veza') }, drop: () => Promise.resolve() };

  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    HOME: process.env['HOME'],
    VEZA_PREBUILT_DIR: process.env['VEZA_PREBUILT_DIR'],
    CI: 'true',
    NO_COLOR: '1',
    ...EMAIL_SETTINGS,
    ...database.env,
    SEND_TIMEOUT: '20',
  };
  const sink = await startProcess(
    process.execPath,
    ['--conditions=@veza/source', '--import', 'tsx', SMTP_SINK, smtpDir],
    { ...env, NODE_OPTIONS: '' },
    /listening (\d+)/,
  );
  const smtpUrl = `smtp://127.0.0.1:${sink.match}`;
  const sendCmd = `CHAOS_MAILDIR=${cmdDir} CHAOS_DELAY_MS=400 ${SEND_CMD}`;
  const transport = (r: Random): Record<string, string> => (r.chance(0.5) ? { SMTP_URL: smtpUrl } : { SEND_CMD: sendCmd });

  const rounds: Round[] = [];
  const redemptions: Redemption[] = [];
  const expiries: Expiry[] = [];
  let apiKilled = false;
  const settle: CommandRecord[] = [];
  const preparedInto = new Set<string>();
  let reissues = 0;
  let api: { child: ChildProcess; port: number } | null = null;
  const startApi = async () => {
    const started = await startProcess(
      process.execPath,
      [REDEMPTION_API],
      { ...env, PORT: '0', WELCOME_EMAIL: '1', RATE_LIMIT_PER_MINUTE: '10000', LOG_LEVEL: 'info', ...transport(random) },
      /"port":(\d+)[^\n]*redemption-api ready/,
    );
    api = { child: started.child, port: Number(started.match) };
  };

  const folders = () => readdirSync(dir).filter((name) => name.startsWith('out-'));
  /** The arguments and settings of one operation, drawn from the seed. */
  // every draw happens here, when the round starts, never after a wait: the same seed gives the same schedule
  const plan = (op: Op): { args: string[]; extraEnv: Record<string, string> } | { redeem: number[] } | { expire: number } => {
    const file = random.pick(Object.keys(COHORTS));
    const out = random.pick(['out-a', 'out-b']);
    switch (op) {
      case 'prepare':
      case 'send': {
        // `invites send` is prepare and dispatch at once (SEND=1); both take the same arguments
        preparedInto.add(`${file} ${out}`);
        const chunkRows = String(random.pick([2, 500]));
        return {
          args: ['invites', op, file, '--out', out, '--force', '--no-screenshot', '--json', '--chunk-rows', chunkRows],
          extraEnv: op === 'send' ? { SEND: '1', ...transport(random) } : {},
        };
      }
      case 'dispatch': {
        const existing = folders();
        const folder = existing.length > 0 ? random.pick(existing) : out;
        return {
          args: ['invites', 'dispatch', folder, '--json', '--concurrency', String(random.pick([1, 3]))],
          extraEnv: transport(random),
        };
      }
      case 'reissue':
        return {
          args: ['invites', 'prepare', file, '--reissue-unsent', '--out', `out-r${++reissues}`, '--force', '--no-screenshot', '--json'],
          extraEnv: {},
        };
      case 'revoke': {
        const emls = folders().flatMap((folder) =>
          readdirSync(join(dir, folder))
            .filter((name) => name.endsWith('.eml') && !name.startsWith('.'))
            .map((name) => join(dir, folder, name)),
        );
        const code = emls.length > 0 && random.chance(0.5) ? codeOfEml(readFileSync(random.pick(emls), 'utf8')) : null;
        return { args: ['invites', 'revoke', code ?? random.pick(EMAILS)], extraEnv: {} };
      }
      case 'cleanup':
        return { args: ['invites', 'cleanup'], extraEnv: {} };
      case 'migrate':
        return { args: ['db', 'migrate'], extraEnv: {} };
      case 'drain':
        return { args: ['outbox', 'drain', '--json'], extraEnv: transport(random) };
      case 'redeem':
        return { redeem: Array.from({ length: random.int(1, 3) }, () => random.next()) };
      case 'expire':
        return { expire: random.next() };
    }
  };

  /** A tester redeems codes they received, through the running API. */
  const redeem = async (picks: number[]) => {
    const delivered = readDeliveries([smtpDir, cmdDir]).filter((d) => d.inviteId !== null);
    for (const pick of delivered.length > 0 ? picks : []) {
      if (!api) break;
      const code = codeOfEml(readFileSync(delivered[Math.floor(pick * delivered.length)]!.file, 'utf8'));
      if (!code) continue;
      const startedAt = Date.now();
      const status = await fetch(`http://127.0.0.1:${api.port}/v1/invites/redeem`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code }),
        signal: AbortSignal.timeout(20_000),
      }).then(
        (response) => response.status,
        () => 0,
      );
      redemptions.push({ code, startedAt, endedAt: Date.now(), status });
    }
  };

  /** An invite not sent yet expires now: from here on, no email may carry it (beyond one already on its way). */
  const expire = async (pick: number, label: string) => {
    // before the first migration is through there is no table yet: nothing expires
    const state = await readDatabase(env).catch(() => null);
    const open = state?.invites.filter((i) => !i.sent_at && !i.used_at && !i.revoked_at && !i.expired) ?? [];
    if (open.length === 0) return;
    const victim = open[Math.floor(pick * open.length)]!;
    await execute(env, `UPDATE beta_invites SET expires_at = now() - interval '1 second' WHERE id = $1`, [victim.id]);
    expiries.push({ inviteId: victim.id, at: Date.now() });
    options.log(`  ${label} (invite of ${victim.email} expires)`);
  };

  const runOps = async (ops: Op[], label: string) => {
    const commands: CommandRecord[] = [];
    const manifests = new Map<CommandRecord, FolderSnapshot[]>();
    await Promise.all(
      ops.map(async (op) => {
        const planned = plan(op);
        // the embedded database takes one process at a time: there, later starts let one end before the next opens it
        const delay = random.int(0, options.backend === 'pglite' ? 6000 : 1500);
        const interruption = random.chance(0.4) ? { kind: random.pick(INTERRUPTIONS), afterMs: random.int(300, 4500) } : undefined;
        await new Promise((resolve) => setTimeout(resolve, delay));
        if ('redeem' in planned) {
          if (options.backend === 'postgres') await redeem(planned.redeem);
          return;
        }
        if ('expire' in planned) {
          // time passes while the commands run (PostgreSQL: the harness may write beside them)
          if (options.backend === 'postgres') await expire(planned.expire, label);
          return;
        }
        const started = runCommand(planned.args, { cwd: dir, env, extraEnv: planned.extraEnv, interruption });
        const folderNow = snapshotFolders(dir);
        const record = await started;
        manifests.set(record, folderNow);
        commands.push(record);
        const cut = record.interruption?.delivered ? ` (${record.interruption.kind} at ${record.interruption.afterMs} ms)` : '';
        options.log(`  ${label} ${describeCommand(record)} → ${record.code ?? record.signal}${cut}${why(record)}`);
      }),
    );
    return { commands, manifests };
  };

  let violations: string[] = [];
  try {
    // Migrations at start, raced by whatever else the seed picks: those may fail, and must say so.
    const first = await runOps(['migrate', ...Array.from({ length: random.int(0, 2) }, () => random.pick(OPS))], 'r0');
    // a process killed -9 may take a moment to be gone, and holds the embedded database until then (INVITES_DB_BUSY)
    let migrated = await runCommand(['db', 'migrate'], { cwd: dir, env, extraEnv: {} });
    for (let i = 0; i < 10 && migrated.code !== 0 && migrated.stderr.includes('INVITES_DB_BUSY'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      migrated = await runCommand(['db', 'migrate'], { cwd: dir, env, extraEnv: {} });
    }
    if (migrated.code !== 0) throw new Error(`db migrate after the first round failed: ${migrated.stderr}`);
    if (random.chance(0.7)) {
      // most scenarios start from a prepared folder, so that the first round has invites to fight over
      const base = await runCommand(['invites', 'prepare', 'a.csv', '--out', 'out-a', '--force', '--no-screenshot', '--json'], {
        cwd: dir,
        env,
        extraEnv: {},
      });
      preparedInto.add('a.csv out-a');
      first.commands.push(base);
      first.manifests.set(base, []);
      options.log(`  r0 ${describeCommand(base)} → ${base.code ?? base.signal}${why(base)}`);
    }
    rounds.push({ ...first, after: await readDatabase(env) });
    if (options.backend === 'postgres') await startApi();

    for (let round = 1; round <= options.rounds; round++) {
      const state = await readDatabase(env);
      const open = state.invites.filter((i) => !i.sent_at && !i.used_at && !i.revoked_at && !i.expired);
      if (open.length > 0 && random.chance(0.3)) {
        // time passes: an invite not sent yet expires
        const victim = random.pick(open);
        await execute(env, `UPDATE beta_invites SET expires_at = now() - interval '1 second' WHERE id = $1`, [victim.id]);
        options.log(`  r${round} (invite of ${victim.email} expires)`);
      }
      const ops = Array.from({ length: random.int(2, 3) }, () => random.pick(OPS));
      const killApi = api !== null && random.chance(0.2) ? random.int(500, 6000) : null;
      const apiKill =
        killApi !== null ? new Promise((resolve) => setTimeout(resolve, killApi)).then(() => kill(api!.child, 'SIGKILL')) : null;
      const result = await runOps(ops, `r${round}`);
      if (apiKill) {
        await apiKill;
        apiKilled = true;
        options.log(`  r${round} (redemption-api killed -9 at ${killApi} ms; restarted)`);
        await startApi();
      }
      rounds.push({ ...result, after: await readDatabase(env) });
    }

    // Settle as an operator would: stop the API, run again what was cut short, send what is left, drain.
    if (api) await kill((api as { child: ChildProcess }).child, 'SIGTERM');
    const run = async (args: string[], extraEnv: Record<string, string> = { SMTP_URL: smtpUrl }) => {
      let record = await runCommand(args, { cwd: dir, env, extraEnv });
      for (let i = 0; i < 10 && record.code === 1 && record.stderr.includes('INVITES_DB_BUSY'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 1000)); // a process killed -9 in the last round, not gone yet
        record = await runCommand(args, { cwd: dir, env, extraEnv });
      }
      settle.push(record);
      options.log(`  settle ${describeCommand(record)} → ${record.code ?? record.signal}${why(record)}`);
      return record;
    };
    for (const pair of preparedInto) {
      const [file, out] = pair.split(' ') as [string, string];
      await run(['invites', 'prepare', file, '--out', out, '--force', '--no-screenshot', '--json'], {});
    }
    for (const folder of folders()) {
      if (!existsSync(join(dir, folder, 'manifest.json'))) continue;
      const first = await run(['invites', 'dispatch', folder, '--json']);
      const unknown = parseJson<{ unknown?: { inviteId?: string }[] }>(first.stdout)?.unknown ?? [];
      if (unknown.length === 0) continue;
      // the operator looks in the mail log: resend only when none of them left
      const state = await readDatabase(env);
      const delivered = new Set(readDeliveries([smtpDir, cmdDir]).map((d) => d.digest));
      const anyLeft = unknown.some((u) => {
        const row = state.invites.find((i) => i.id === u.inviteId);
        return row && delivered.has(row.code_digest);
      });
      if (!anyLeft) await run(['invites', 'dispatch', folder, '--json', '--resend-unknown']);
    }
    await run(['outbox', 'drain', '--json']);

    violations = checkScenario({
      rounds,
      settle,
      redemptions,
      expiries,
      apiKilled,
      final: await readDatabase(env),
      deliveries: readDeliveries([smtpDir, cmdDir]),
      folders: snapshotFolders(dir),
      dir,
    });
  } catch (error) {
    violations.push(`the harness itself failed: ${error instanceof Error ? error.stack : String(error)}`);
  } finally {
    if (api) await kill((api as { child: ChildProcess }).child, 'SIGKILL');
    await kill(sink.child, 'SIGTERM');
    await database.drop().catch(() => undefined);
    if (!options.keep && violations.length === 0) rmSync(dir, { recursive: true, force: true });
  }
  return {
    seed: options.seed,
    backend: options.backend,
    dir,
    violations,
    commands: rounds.reduce((n, r) => n + r.commands.length, 0) + settle.length,
  };
}

/** Why a command did not exit 0, in a few words for the run's log: its last line on stderr (never a code: the checks hold that). */
function why(record: CommandRecord): string {
  if (record.code === 0 || record.code === null) return '';
  const last = record.stderr.trim().split('\n').at(-1) ?? '';
  const summary = parseJson<{ failed?: unknown[]; unknown?: unknown[]; elsewhere?: unknown[]; expired?: unknown[]; skipped?: unknown[] }>(
    record.stdout,
  );
  const counts = summary
    ? Object.entries(summary)
        .filter(([, value]) => Array.isArray(value) && value.length > 0)
        .map(([key, value]) => `${value.length} ${key}`)
        .join(', ')
    : '';
  return `: ${[counts, last.slice(0, 160)].filter(Boolean).join('; ')}`;
}

export function parseJson<T>(text: string): T | null {
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}
