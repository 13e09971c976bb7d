import { readFile, rm, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import mjml2html from 'mjml';
import type { BenchRun } from '@veza/test-support';
import { timeIt } from '@veza/test-support';
import { DEFAULT_TEMPLATE_DIR, INVITE_TEMPLATE_FILES, buildInviteEml, compileInviteTemplate } from '../src/index.js';
import type { CompiledInvite, InviteRecipient } from '../src/index.js';
import { sampleEmailSettings } from '../src/testing.js';

const FULL = 100_000;
// Per-recipient MJML compilation costs milliseconds each: a sample gives a per-email cost without a 10-minute run.
const NAIVE_SAMPLE = 200;
// Files written per directory before it is removed: 100,000 × ~20 KB would otherwise fill the disk.
const WRITE_BATCH = 1_000;

function recipient(i: number): InviteRecipient {
  const code = (i.toString(32).toUpperCase().replace(/[ILOU]/g, '0') + '0000000000000000').slice(0, 16);
  return { email: `tester${i}@example.org`, name: `Testeuse ${i} <&>`, cohort: 'creatrices-2026', code, expiresAt: new Date('2026-07-01T10:00:00Z'), inviteId: String(i) };
}

/** What a naive loop does: compile the MJML for every recipient, fill it, build the .eml. */
async function naiveEml(settings: CompiledInvite['settings'], mjmlSource: string, r: InviteRecipient): Promise<Buffer> {
  await mjml2html(mjmlSource, { validationLevel: 'strict', keepComments: false });
  const compiled = await compileOnce(settings);
  return buildInviteEml(compiled, r);
}
let cached: CompiledInvite | undefined;
async function compileOnce(settings: CompiledInvite['settings']): Promise<CompiledInvite> {
  return (cached ??= await compileInviteTemplate({ settings }));
}

export const run: BenchRun = async (ctx) => {
  const count = Math.max(100, Math.round(FULL * ctx.scale));
  const sample = Math.max(20, Math.min(NAIVE_SAMPLE, count));
  const mjmlSource = await readFile(join(DEFAULT_TEMPLATE_DIR, INVITE_TEMPLATE_FILES.html), 'utf8');
  const compiled = await compileInviteTemplate({ settings: sampleEmailSettings() });
  await compileOnce(compiled.settings);
  for (let i = 0; i < 20; i++) await naiveEml(compiled.settings, mjmlSource, recipient(i)); // warm the JIT on both paths
  for (let i = 0; i < 200; i++) await buildInviteEml(compiled, recipient(i));

  // Interleaved rounds: the machine is shared, so both paths see the same load.
  const ROUNDS = 4;
  let bytes = 0;
  let batchMs = 0;
  let naiveMs = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const from = Math.floor((count * round) / ROUNDS);
    const to = Math.floor((count * (round + 1)) / ROUNDS);
    batchMs += await timeIt(async () => {
      // the once-per-batch compile is part of the cost, once for the whole run
      const again = round === 0 ? await compileInviteTemplate({ settings: compiled.settings }) : compiled;
      for (let i = from; i < to; i++) bytes += (await buildInviteEml(again, recipient(i))).length;
    });
    naiveMs += await timeIt(async () => {
      for (let i = Math.floor((sample * round) / ROUNDS); i < Math.floor((sample * (round + 1)) / ROUNDS); i++) await naiveEml(compiled.settings, mjmlSource, recipient(i));
    });
  }
  const perEmail = batchMs / count;
  const naivePerEmail = naiveMs / sample;

  let written = 0;
  const writeDir = join(ctx.tmpDir, 'eml');
  const writeCount = Math.min(count, 20_000);
  const writeMs = await timeIt(async () => {
    for (let start = 0; start < writeCount; start += WRITE_BATCH) {
      await mkdir(writeDir, { recursive: true });
      for (let i = start; i < Math.min(writeCount, start + WRITE_BATCH); i++) {
        await writeFile(join(writeDir, `${i}.eml`), await buildInviteEml(compiled, recipient(i)));
        written++;
      }
      await rm(writeDir, { recursive: true, force: true });
    }
  });
  const writePerEmail = writeMs / written;
  ctx.log(`batch ${perEmail.toFixed(3)} ms/email, naive ${naivePerEmail.toFixed(2)} ms/email, with writes ${writePerEmail.toFixed(3)} ms/email`);

  return {
    title: 'email-templates: invitation .eml rendering',
    figures: [
      {
        label: `render ${count.toLocaleString('en-US')} invitation .eml (in memory)`,
        measured: { name: 'compile once per batch', value: batchMs, unit: 'ms' },
        baseline: { name: `compile per recipient (${sample} sampled, extrapolated)`, value: naivePerEmail * count, unit: 'ms' },
        ratio: naivePerEmail / perEmail,
        target: '≥ 50x faster',
        met: naivePerEmail / perEmail >= 50,
      },
      {
        label: `render and write ${written.toLocaleString('en-US')} .eml files`,
        measured: { name: 'compile once, write each file', value: writePerEmail, unit: 'ms/email' },
        baseline: { name: 'compile per recipient, write each file', value: naivePerEmail + (writePerEmail - perEmail), unit: 'ms/email' },
        ratio: (naivePerEmail + (writePerEmail - perEmail)) / writePerEmail,
      },
    ],
    notes: [
      `The naive baseline compiles the MJML for ${sample} recipients (then fills and builds each .eml exactly like the batch path); its per-email cost (${naivePerEmail.toFixed(2)} ms) is extrapolated to ${count.toLocaleString('en-US')}.`,
      `Batch path: ${perEmail.toFixed(3)} ms per email including one MJML compile for the batch; average .eml size ${Math.round(bytes / count / 1024)} KB.`,
      `The write figure writes ${written.toLocaleString('en-US')} files one at a time into directories of ${WRITE_BATCH} that are then removed (disk space); its baseline adds the same write cost to the naive per-email cost.`,
      'Single process, one core: nothing runs in parallel on either side. The two paths run in 4 interleaved rounds so that load from other processes hits both alike.',
    ],
  };
};
