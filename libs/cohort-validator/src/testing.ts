/**
 * Builders for tests, demos and the benchmark: real-looking cohort CSVs,
 * deterministic for a given seed. Not part of the main entry point.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export interface GenerateCohortOptions {
  rows: number;
  /** same seed, same file (default 1) */
  seed?: number;
  /** `header` (default): email,cohort,role,name,sent_by; `seed`: headerless email,cohort,sent_by */
  form?: 'header' | 'seed';
  /** default '\n' */
  lineEnding?: '\n' | '\r\n';
}

const FIRST = [
  'Camille',
  'Léa',
  'Hugo',
  'Inès',
  'Lucas',
  'Chloé',
  'Nathan',
  'Manon',
  'Yanis',
  'Zoé',
  'Amina',
  'Théo',
  'Sofia',
  'Malik',
  'Jade',
  'Noah',
  'Hélène',
  'Jules',
  'Aïcha',
  'Louis',
];
const LAST = [
  'Martin',
  'Bernard',
  'Dubois',
  'Thomas',
  'Robert',
  'Richard',
  'Petit',
  'Durand',
  'Leroy',
  'Moreau',
  'Simon',
  'Laurent',
  'Lefèvre',
  'Michel',
  'Garcia',
  'N’Diaye',
  'Rousseau',
  'Fontaine',
  'Chevalier',
  'Nguyen',
];
const DOMAINS = [
  'gmail.com',
  'proton.me',
  'outlook.fr',
  'orange.fr',
  'free.fr',
  'yahoo.fr',
  'laposte.net',
  'icloud.com',
  'studio-mistral.fr',
  'label-ondes.com',
];
/** label, role column value, share of rows (out of 100) */
const LABELS: [string, string, number][] = [
  ['creators-2026', 'creator', 12],
  ['artists:partners', 'creator', 6],
  ['listeners-paris', 'listener', 32],
  ['listeners-lyon', 'listener', 20],
  ['fans/discord', 'listener', 18],
  ['press-2026', '', 7],
  ['staff.friends', '', 5],
];
const SENDERS = ['ops@veza.fr', 'claire.roux@veza.fr', '', '', ''];

/** A small deterministic PRNG (mulberry32): the same seed gives the same rows on every machine. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(list: readonly T[], r: number): T {
  return list[Math.floor(r * list.length)] as T;
}

function asciiLower(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();
}

/** The lines of a generated cohort (header first when form is `header`), each without its line ending. */
export function* cohortCsvLines(options: GenerateCohortOptions): Generator<string> {
  const next = random(options.seed ?? 1);
  const seedForm = options.form === 'seed';
  if (!seedForm) yield 'email,cohort,role,name,sent_by';
  for (let i = 0; i < options.rows; i++) {
    const first = pick(FIRST, next());
    const last = pick(LAST, next());
    let share = next() * 100;
    let label = LABELS[0] as [string, string, number];
    for (const candidate of LABELS) {
      label = candidate;
      share -= candidate[2];
      if (share < 0) break;
    }
    // The row number in base 36 keeps every address (and every gmail mailbox) distinct.
    const email = `${asciiLower(first)}.${asciiLower(last)}.${i.toString(36)}@${pick(DOMAINS, next())}`;
    const sender = pick(SENDERS, next());
    yield seedForm ? `${email},${label[0]},${sender}` : `${email},${label[0]},${label[1]},"${first} ${last}",${sender}`;
  }
}

/** A generated cohort as one string (small sizes: tests, demos). */
export function generateCohortCsv(options: GenerateCohortOptions): string {
  const eol = options.lineEnding ?? '\n';
  let out = '';
  for (const line of cohortCsvLines(options)) out += line + eol;
  return out;
}

/** Writes a generated cohort to `path` without holding it in memory (the benchmark's million rows). */
export async function writeCohortCsv(path: string, options: GenerateCohortOptions): Promise<void> {
  const eol = options.lineEnding ?? '\n';
  const out = createWriteStream(path);
  let batch = '';
  for (const line of cohortCsvLines(options)) {
    batch += line + eol;
    if (batch.length >= 1 << 16) {
      if (!out.write(batch)) await once(out, 'drain');
      batch = '';
    }
  }
  out.end(batch);
  await once(out, 'finish');
}
