/**
 * PostgreSQL as production reaches it: over TLS with a CA of the operator's
 * own (libpq's sslrootcert, which postgres.js sent to the server as a setting:
 * verify-full could not connect at all), a server without TLS under
 * sslmode=require (Node's "socket disconnected before secure TLS connection"),
 * and PgBouncer in transaction mode, which either refuses the session
 * settings or, told to ignore them, silently drops them and shares server
 * sessions, advisory locks included. Needs the Debian server binaries (as
 * tools/with-postgres.sh) and pgbouncer, installed the same way when missing.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'drizzle-orm';
import { databaseSettingsFromEnv, openDatabase } from '../src/index.js';
import { freePort } from '@veza/test-support';
import { rows } from './query-rows.js';

const sharedUrl = process.env['TEST_DATABASE_URL'];
const root = process.getuid?.() === 0;
const run = promisify(execFile);

function serverBinDir(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  return readdirSync(base)
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => join(base, v, 'bin'))
    .find((dir) => existsSync(join(dir, 'pg_ctl')));
}

/** A command as the server's user (PostgreSQL and PgBouncer refuse to run as root). */
async function asServerUser(command: string[]): Promise<void> {
  if (root) await run('su', ['postgres', '-s', '/bin/sh', '-c', command.map((a) => `'${a}'`).join(' ')], { timeout: 60_000 });
  else await run(command[0]!, command.slice(1), { timeout: 60_000 });
}

function installed(binary: string, pkg: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' });
    return true;
  } catch {
    const sudo = root ? [] : ['sudo'];
    execFileSync(
      'sh',
      [
        '-c',
        `${sudo.join(' ')} apt-get update -qq; DEBIAN_FRONTEND=noninteractive ${sudo.join(' ')} apt-get install -y -qq --no-install-recommends ${pkg}`,
      ],
      {
        stdio: 'ignore',
        timeout: 300_000,
      },
    );
    return existsSync(`/usr/sbin/${binary}`) || existsSync(`/usr/bin/${binary}`);
  }
}

const readFileOr = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');

const bin = serverBinDir();
const dir = mkdtempSync(join(tmpdir(), 'veza-tls-pooler-'));
if (root) {
  chmodSync(dir, 0o755);
  execFileSync('chown', ['postgres:postgres', dir]);
}
const own = (file: string) =>
  root &&
  chownSync(file, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));

(bin && sharedUrl ? describe : describe.skip)('TLS as libpq asks for it', () => {
  let port = 0;
  const ca = join(dir, 'ca.crt');
  const otherCa = join(dir, 'other-ca.crt');
  beforeAll(async () => {
    const ssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'ignore', cwd: dir });
    // two self-signed CAs: the server's, and one that did not sign it
    const selfSignedCa = (name: string, cn: string) =>
      ssl([
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.crt`,
        '-days',
        '2',
        '-subj',
        `/CN=${cn}`,
      ]);
    selfSignedCa('ca', 'veza test CA');
    selfSignedCa('other-ca', 'other CA');
    ssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
    writeFileSync(join(dir, 'san.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
    ssl([
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.crt',
      '-days',
      '2',
      '-extfile',
      'san.cnf',
    ]);
    for (const file of ['server.key', 'server.crt']) own(join(dir, file));
    chmodSync(join(dir, 'server.key'), 0o600);
    await asServerUser([
      join(bin!, 'initdb'),
      '-D',
      join(dir, 'data'),
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
      '-N',
    ]);
    port = await freePort();
    const options = `-k ${dir} -p ${port} -c listen_addresses=127.0.0.1 -F -c ssl=on -c ssl_cert_file=${dir}/server.crt -c ssl_key_file=${dir}/server.key`;
    await asServerUser([
      join(bin!, 'pg_ctl'),
      '-D',
      join(dir, 'data'),
      '-l',
      join(dir, 'pg.log'),
      '-w',
      '-t',
      '30',
      '-o',
      options,
      'start',
    ]);
  }, 120_000);
  afterAll(async () => {
    if (existsSync(join(dir, 'data', 'postmaster.pid')))
      await asServerUser([join(bin!, 'pg_ctl'), '-D', join(dir, 'data'), '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
  });

  const url = (query: string) => `postgres://postgres@127.0.0.1:${port}/postgres?${query}`;

  it.each([
    ['verify-full with the CA in sslrootcert', `sslmode=verify-full&sslrootcert=${ca}`],
    ['verify-ca with the CA in sslrootcert', `sslmode=verify-ca&sslrootcert=${ca}`],
    ['sslrootcert alone (prefer)', `sslrootcert=${ca}`],
  ])('%s connects, over TLS', async (_name, query) => {
    const conn = await openDatabase({ databaseUrl: url(query), connectTimeoutMs: 5_000 });
    try {
      const [row] = await rows<{ ssl: boolean }>(conn, sql`SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`);
      expect(row?.ssl).toBe(true);
    } finally {
      await conn.close();
    }
  });

  it.each([
    [
      'verify-full, the machine does not trust the CA',
      'sslmode=verify-full',
      'give its CA with sslrootcert=/path/to/ca.crt in DATABASE_URL',
    ],
    ['verify-full with another CA', `sslmode=verify-full&sslrootcert=${otherCa}`, "not signed by the CA of DATABASE_URL's sslrootcert"],
    [
      'require with another CA (libpq: verify-ca)',
      `sslmode=require&sslrootcert=${otherCa}`,
      "not signed by the CA of DATABASE_URL's sslrootcert",
    ],
    [
      'a CA file that is not there',
      `sslmode=verify-full&sslrootcert=${dir}/nowhere.crt`,
      `sslrootcert cannot be read: ${dir}/nowhere.crt (ENOENT)`,
    ],
  ])('%s: refused, saying what to do', async (_name, query, advice) => {
    await expect(openDatabase({ databaseUrl: url(query), connectTimeoutMs: 5_000 })).rejects.toThrow(advice);
  });

  it('sslmode=require against a server without TLS says so', async () => {
    const plain = new URL(sharedUrl!);
    await expect(
      openDatabase({ databaseUrl: `postgres://postgres@127.0.0.1:${plain.port}/postgres?sslmode=require`, connectTimeoutMs: 5_000 }),
    ).rejects.toThrow("the server does not accept TLS connections, and DATABASE_URL's sslmode requires TLS");
  });

  it('an unknown sslmode is a settings problem', () => {
    const settings = databaseSettingsFromEnv({ DATABASE_URL: url('sslmode=verify') });
    expect(settings.ok).toBe(false);
  });
});

(bin && sharedUrl ? describe : describe.skip)('PgBouncer in transaction mode', () => {
  let pgbouncer = 0;
  const ini = join(dir, 'pgbouncer.ini');
  const write = (extra: string) => {
    const shared = new URL(sharedUrl!);
    writeFileSync(
      ini,
      `[databases]\npostgres = host=127.0.0.1 port=${shared.port} dbname=postgres\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = ${pgbouncer}\nunix_socket_dir =\nauth_type = trust\nauth_file = ${dir}/users.txt\npool_mode = transaction\nlogfile = ${dir}/pgbouncer.log\npidfile = ${dir}/pgbouncer.pid\n${extra}\n`,
    );
    own(ini);
  };
  beforeAll(async () => {
    if (!installed('pgbouncer', 'pgbouncer')) throw new Error('pgbouncer could not be installed');
    writeFileSync(join(dir, 'users.txt'), '"postgres" ""\n');
    own(join(dir, 'users.txt'));
    pgbouncer = await freePort();
    write('');
    await asServerUser(['pgbouncer', '-d', ini]);
    // -d returns before it listens
    for (let i = 0; i < 50 && !readFileOr(join(dir, 'pgbouncer.log')).includes('process up'); i++)
      await new Promise((r) => setTimeout(r, 100));
  }, 320_000);
  afterAll(async () => {
    if (existsSync(join(dir, 'pgbouncer.pid')))
      await run('kill', [
        execFileSync('cat', [join(dir, 'pgbouncer.pid')])
          .toString()
          .trim(),
      ]).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 300));
    rmSync(dir, { recursive: true, force: true });
  });

  const url = () => `postgres://postgres@127.0.0.1:${pgbouncer}/postgres`;

  it('refusing the session settings: the reason says the URL leads to a pooler and what to do', async () => {
    await expect(openDatabase({ databaseUrl: url(), lockTimeoutMs: 30_000, connectTimeoutMs: 5_000 })).rejects.toThrow(
      /unsupported startup parameter: lock_timeout — DATABASE_URL leads to a connection pooler .*point DATABASE_URL at PostgreSQL itself/,
    );
  });

  it('told to ignore them (ignore_startup_parameters): refused, where it opened with the timeouts silently gone', async () => {
    write('ignore_startup_parameters = statement_timeout, lock_timeout');
    await asServerUser(['sh', '-c', `kill -HUP $(cat ${dir}/pgbouncer.pid)`]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await expect(openDatabase({ databaseUrl: url(), statementTimeoutMs: 5_000, connectTimeoutMs: 5_000 })).rejects.toThrow(
      /the session did not keep the settings asked for at its start \(statement_timeout 5000 ms, got 0\).*point DATABASE_URL at PostgreSQL itself/,
    );
  });
});
