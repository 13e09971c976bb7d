import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { digestCode, InvitesDbError, openDatabase } from '@veza/invites-db';
import type { Connection } from '@veza/invites-db';
import type { FolderSnapshot } from './check.js';

/** An email a mailer took: the SMTP sink's file or the SEND_CMD's, with when it arrived. */
export interface Delivery {
  file: string;
  at: number;
  to: string;
  /** X-Veza-Invite-Id: absent on a welcome email */
  inviteId: string | null;
  /** the invite code in its link, as a digest (the harness keeps no code in clear in its report) */
  digest: string | null;
}

const CODE_IN_LINK = /invite=([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})/;

/** A message's text with quoted-printable soft breaks and =3D undone: enough to find the link. */
const unfoldQp = (text: string) => text.replace(/=\r?\n/g, '').replaceAll('=3D', '=');

const header = (text: string, name: string) => new RegExp(`^${name}:[ \\t]*(.*)$`, 'mi').exec(text)?.[1]?.trim() ?? null;

/** The code of an .eml, or null (none in its link). */
export function codeOfEml(text: string): string | null {
  return CODE_IN_LINK.exec(unfoldQp(text))?.[1] ?? null;
}

export function readDeliveries(dirs: string[]): Delivery[] {
  const deliveries: Delivery[] = [];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (name.startsWith('.') || !name.endsWith('.eml')) continue;
      const file = join(dir, name);
      const text = readFileSync(file, 'utf8');
      const to = header(text, 'To') ?? '';
      const code = codeOfEml(text);
      deliveries.push({
        file,
        at: statSync(file).mtimeMs,
        to: (/<([^>]+)>/.exec(to)?.[1] ?? to).toLowerCase(),
        inviteId: header(text, 'X-Veza-Invite-Id'),
        digest: code ? digestCode(code) : null,
      });
    }
  }
  return deliveries.sort((a, b) => a.at - b.at);
}

export interface InviteRow {
  id: string;
  email: string;
  code_digest: string;
  sent_at: string | null;
  used_at: string | null;
  revoked_at: string | null;
  expired: boolean;
  send_claimed_at: string | null;
}

export interface WelcomeRow {
  invite_id: string;
  email: string;
  sent_at: string | null;
  claimed_at: string | null;
  /** when it was queued, in ms since the epoch (the harness's clock is the server's: same machine) */
  created_ms: number;
}

export interface DatabaseState {
  invites: InviteRow[];
  welcomes: WelcomeRow[];
}

/**
 * Opens the scenario's database. On PGlite no command may be running: a
 * process killed -9 may take a moment to be gone, and holds the database
 * until then (INVITES_DB_BUSY), so a busy one is tried again for 10 s.
 */
async function open(env: NodeJS.ProcessEnv): Promise<Connection> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await openDatabase({
        databaseUrl: env['DATABASE_URL'],
        dataDir: env['VEZA_DATA_DIR'] ? join(env['VEZA_DATA_DIR'], 'db') : undefined,
      });
    } catch (error) {
      if (attempt >= 10 || !(error instanceof InvitesDbError) || error.code !== 'INVITES_DB_BUSY') throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

/** Reads what the checks need from the scenario's database. */
export async function readDatabase(env: NodeJS.ProcessEnv): Promise<DatabaseState> {
  const conn = await open(env);
  try {
    return await conn.rawTransaction(async (tx) => ({
      invites: await tx.query<InviteRow>(
        `SELECT id::text, email, code_digest, sent_at::text, used_at::text, revoked_at::text, expires_at <= now() AS expired,
                send_claimed_at::text FROM beta_invites ORDER BY email, created_at`,
      ),
      welcomes: await tx.query<WelcomeRow>(
        'SELECT invite_id::text, email, sent_at::text, claimed_at::text, (extract(epoch FROM created_at) * 1000)::float8 AS created_ms FROM welcome_outbox',
      ),
    }));
  } finally {
    await conn.close();
  }
}

/** Runs one statement on the scenario's database (time passing: an invite expires). */
export async function execute(env: NodeJS.ProcessEnv, text: string, params: unknown[] = []): Promise<void> {
  const conn = await open(env);
  try {
    await conn.rawTransaction((tx) => tx.query(text, params));
  } finally {
    await conn.close();
  }
}

/** The folders a scenario has made, each with its manifest's invite ids (none when it has no readable manifest). */
export function snapshotFolders(dir: string): FolderSnapshot[] {
  return readdirSync(dir)
    .filter((name) => name.startsWith('out-'))
    .map((name) => {
      const path = join(dir, name);
      try {
        const manifest = JSON.parse(readFileSync(join(path, 'manifest.json'), 'utf8')) as { invites: { inviteId: string; file: string }[] };
        return { name, entries: manifest.invites.map(({ inviteId, file }) => ({ inviteId, file })) };
      } catch {
        return { name, entries: null };
      }
    });
}
