import { expect } from '@jest/globals';
import fc from 'fast-check';
import { simpleParser } from 'mailparser';
import { validateCohort } from '@veza/cohort-validator';
import type { CohortRow } from '@veza/cohort-validator';
import { buildInviteEml, compileInviteTemplate } from '@veza/email-templates';
import type { CompiledInvite } from '@veza/email-templates';
import { sampleEmailSettings } from '@veza/email-templates/testing';
import { createInvites } from '@veza/invites-db';
import type { Connection, CreateOutcome } from '@veza/invites-db';
import { openTestDatabase, testBackends } from '@veza/invites-db/testing';
import { fuzzOptions } from '@veza/test-support';

// One module's output is the next one's input, as `invites prepare` chains them: whatever a cohort file
// holds, a row the validator accepts is created by createInvites, renders, and parses back as the same
// person; a row it refuses is named by line and field. A fixed seed and few runs here; tools/fuzz/run.sh
// runs the same properties longer with random seeds.

/** What a name column may hold: the characters that broke headers, databases and terminals elsewhere, and any text. */
const nameChar = fc.oneof(
  fc.constantFrom(
    ...['\u2028', '\u2029', '\u0085', '\u202e', '\u2066', '\u200f', '\u200b', '\u200d', '\ufeff', '\u00ad', '\u00a0', '\u3000', '\u061c'],
    ...['\u0301', '\u034f', '\ufe0f', 'e\u0301', '😀', '👩🏽‍🎤', '\ud83d', '\ude00', '\u0000', '\t', '\r', '\n'],
    ...['"', ',', ';', ':', '<', '>', '(', ')', '\\', '@', "'", '=?', '?=', '=?utf-8?q?', '{', '{{', '}', 'Ã©', 'â€™', '\ufffd'],
    ...['é', 'ß', 'İ', 'ﬁ', '山', 'ن', 'A', 'b', ' ', '.'],
  ),
  fc.string({ unit: 'grapheme', maxLength: 3 }),
  fc.string({ unit: 'binary', maxLength: 2 }),
);
const name = fc.oneof(
  { weight: 4, arbitrary: fc.array(nameChar, { maxLength: 24 }).map((parts) => parts.join('')) },
  // around the 200-character limit, in letters of one and of two UTF-16 units, decomposed or not
  {
    weight: 1,
    arbitrary: fc.tuple(fc.integer({ min: 180, max: 210 }), fc.constantFrom('é', 'e\u0301', '😀', 'a ')).map(([n, c]) => c.repeat(n)),
  },
);
const atext = fc.constantFrom(..."abcXYZ019!#$%&'*+/=?^_`{|}~-.".split(''));
const email = fc
  .tuple(
    fc.array(atext, { minLength: 1, maxLength: 66 }),
    fc.constantFrom('example.org', 'x-y.co', 'a.b.c.de', 'EXAMPLE.ORG', 'exämple.org', '1.2.3.4'),
  )
  .map(([local, domain]) => `${local.join('')}@${domain}`);
const cohort = fc.oneof(
  fc.constantFrom('fans/discord', 'creators-2026', 'x:y+z', 'A b', ' a '),
  fc.stringMatching(/^[A-Za-z0-9 ._:+/-]{0,66}$/),
);
const row = fc.record({ email, cohort, name, quoted: fc.boolean() });

/** A CSV field, quoted when it must be or when the row says so. */
const field = (value: string, quoted: boolean) => (quoted || /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
const csv = fc
  .record({ rows: fc.array(row, { minLength: 1, maxLength: 4 }), eol: fc.constantFrom('\n', '\r\n', '\r'), bom: fc.boolean() })
  .map(
    ({ rows, eol, bom }) =>
      `${bom ? '\ufeff' : ''}email,cohort,name${eol}${rows.map((r) => [r.email, r.cohort, r.name].map((v) => field(v, r.quoted)).join(',')).join(eol)}${eol}`,
  );

const NO_THRESHOLDS = { minRows: 0, minCreators: 0, minListeners: 0, minLabels: 0 };
const HEADERS = [
  'content-type',
  'date',
  'from',
  'list-unsubscribe',
  'list-unsubscribe-post',
  'message-id',
  'mime-version',
  'reply-to',
  'subject',
  'to',
  'x-veza-invite-id',
];
const ROLLBACK = new Error('rolled back on purpose');

/** createInvites' outcomes in a transaction rolled back after: each case starts from the same empty table. */
async function createRolledBack(conn: Connection, rows: CohortRow[]): Promise<CreateOutcome[]> {
  let outcomes: CreateOutcome[] = [];
  await conn.db
    .transaction(async (tx) => {
      outcomes = await createInvites(
        tx,
        rows.map((r) => ({ email: r.email, cohort: r.cohort, name: r.name, role: r.role, sentBy: r.sentBy })),
      );
      throw ROLLBACK;
    })
    .catch((error: unknown) => {
      if (error !== ROLLBACK) throw error;
    });
  return outcomes;
}

/** Checks the .eml of an accepted row as a mail program reads it. */
async function expectParsesBack(compiled: CompiledInvite, row: CohortRow, code: string): Promise<void> {
  const recipient = { email: row.email, cohort: row.cohort, code, expiresAt: new Date('2026-06-01T08:00:00Z'), inviteId: 'fuzz-1' };
  const eml = await buildInviteEml(compiled, row.name ? { ...recipient, name: row.name } : recipient);
  for (const line of eml.toString('latin1').split('\r\n').join('\n').split('\n')) expect(line.length).toBeLessThanOrEqual(998);
  const mail = await simpleParser(eml);
  // one header of each, and no other: nothing of the name became a header of its own
  expect(mail.headerLines.map((h) => h.key).sort()).toEqual(HEADERS);
  expect(mail.to && !Array.isArray(mail.to) ? mail.to.value : []).toEqual([{ address: row.email, name: row.name ?? '' }]);
  expect(mail.headerLines.some((h) => h.line.includes(code.slice(0, 8)))).toBe(false);
  expect(mail.text).toContain(code.replace(/(.{4})(?!$)/g, '$1-'));
}

describe.each(testBackends())('a cohort file through validate, createInvites ($name) and the renderer', (backend) => {
  let conn: Connection;
  let compiled: CompiledInvite;
  beforeAll(async () => {
    conn = await openTestDatabase(backend);
    compiled = await compileInviteTemplate({ settings: sampleEmailSettings() });
  });
  afterAll(() => conn.close());

  it('creates and renders every row the validator accepts, as the same person; names each row it refuses by line and field', async () => {
    await fc.assert(
      fc.asyncProperty(csv, async (text) => {
        const result = await validateCohort(text, { collectRows: true, thresholds: NO_THRESHOLDS });
        if (!result.ok) {
          for (const finding of result.errors) {
            expect(finding.line).toEqual(expect.any(Number));
            expect(finding.message).not.toMatch(/\n\s+at /); // a finding, not a stack trace
          }
          return;
        }
        const rows = result.value.rows!;
        const outcomes = await createRolledBack(conn, rows);
        expect(outcomes.map((o) => o.status)).toEqual(rows.map(() => 'created'));
        for (const [i, outcome] of outcomes.entries()) {
          if (outcome.status !== 'created') continue;
          expect({ email: outcome.email, name: outcome.name }).toEqual({ email: rows[i]!.email, name: rows[i]!.name });
          await expectParsesBack(compiled, rows[i]!, outcome.code);
        }
      }),
      fuzzOptions(20261201, 150),
    );
  });
});
