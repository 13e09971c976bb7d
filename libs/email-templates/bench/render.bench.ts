import { readFile, rm, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import mjml2html from 'mjml';
import type { BenchRun } from '@veza/test-support';
import { interleavedFigure, median, timeIt } from '@veza/test-support';
import { buildInviteEml, compileInviteTemplate } from '../src/index.js';
import { defaultTemplateDir, INVITE_TEMPLATE_FILES } from '../src/compile-invite-template.js';
import type { CompiledInvite, InviteRecipient } from '../src/index.js';
import { sampleEmailSettings } from '../src/testing.js';

const FULL = 100_000;
// Per-recipient MJML compilation costs milliseconds each: a sample gives a per-email cost without a 10-minute run.
const NAIVE_SAMPLE = 200;
// Files written per directory before it is removed: 100,000 × ~20 KB would otherwise fill the disk.
const WRITE_BATCH = 1_000;

function recipient(i: number): InviteRecipient {
  const code = (
    i
      .toString(32)
      .toUpperCase()
      .replace(/[ILOU]/g, '0') + '0000000000000000'
  ).slice(0, 16);
  return {
    email: `tester${i}@example.org`,
    name: `Testeuse ${i} <&>`,
    cohort: 'creatrices-2026',
    code,
    expiresAt: new Date('2026-07-01T10:00:00Z'),
    inviteId: String(i),
  };
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
  const mjmlSource = await readFile(join(defaultTemplateDir(), INVITE_TEMPLATE_FILES.html), 'utf8');
  const compiled = await compileInviteTemplate({ settings: sampleEmailSettings() });
  await compileOnce(compiled.settings);
  for (let i = 0; i < 20; i++) await naiveEml(compiled.settings, mjmlSource, recipient(i)); // warm the JIT on both paths
  for (let i = 0; i < 200; i++) await buildInviteEml(compiled, recipient(i));

  // Interleaved rounds: the machine is shared, so both paths see the same load. Each round: the naive sample
  // (baseline), then the batch path on its share of the recipients, compiled once for that share (measured),
  // then writing its share of the files.
  const ROUNDS = 5;
  const writeCount = Math.min(count, 20_000);
  const writeDir = join(ctx.tmpDir, 'eml');
  let bytes = 0;
  let written = 0;
  const naivePer: number[] = [];
  const batchPer: number[] = [];
  const writePer: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const share = (n: number) => [Math.floor((n * round) / ROUNDS), Math.floor((n * (round + 1)) / ROUNDS)] as const;
    const [sFrom, sTo] = share(sample);
    naivePer.push(
      (await timeIt(async () => {
        for (let i = sFrom; i < sTo; i++) await naiveEml(compiled.settings, mjmlSource, recipient(i));
      })) /
        (sTo - sFrom),
    );
    const [from, to] = share(count);
    batchPer.push(
      (await timeIt(async () => {
        const batch = await compileInviteTemplate({ settings: compiled.settings });
        for (let i = from; i < to; i++) bytes += (await buildInviteEml(batch, recipient(i))).length;
      })) /
        (to - from),
    );
    const [wFrom, wTo] = share(writeCount);
    writePer.push(
      (await timeIt(async () => {
        for (let start = wFrom; start < wTo; start += WRITE_BATCH) {
          await mkdir(writeDir, { recursive: true });
          for (let i = start; i < Math.min(wTo, start + WRITE_BATCH); i++) {
            await writeFile(join(writeDir, `${i}.eml`), await buildInviteEml(compiled, recipient(i)));
            written++;
          }
          await rm(writeDir, { recursive: true, force: true });
        }
      })) /
        (wTo - wFrom),
    );
  }
  const perEmail = median(batchPer);
  const naivePerEmail = median(naivePer);
  const writePerEmail = median(writePer);
  ctx.log(
    `batch ${perEmail.toFixed(3)} ms/email, naive ${naivePerEmail.toFixed(2)} ms/email, with writes ${writePerEmail.toFixed(3)} ms/email`,
  );
  const renderFigure = interleavedFigure({ baseline: naivePer, measured: batchPer }, 'time-faster', {
    label: `render ${count.toLocaleString('en-US')} invitation .eml (in memory), per email`,
    measured: { name: `compile once per batch (${ROUNDS} batches)`, unit: 'ms/email' },
    baseline: { name: `compile per recipient (${sample} sampled)`, unit: 'ms/email' },
    target: '≥ 50x faster',
    met: (r) => r >= 50,
  });
  // the naive writer pays the naive render plus the same write cost as the batch path
  const naiveWritePer = writePer.map((w, i) => naivePer[i]! + (w - batchPer[i]!));
  const writeFigure = interleavedFigure({ baseline: naiveWritePer, measured: writePer }, 'time-faster', {
    label: `render and write ${written.toLocaleString('en-US')} .eml files, per email`,
    measured: { name: 'compile once, write each file', unit: 'ms/email' },
    baseline: { name: 'compile per recipient, write each file', unit: 'ms/email' },
  });

  return {
    title: 'email-templates: invitation .eml rendering',
    figures: [renderFigure, writeFigure],
    notes: [
      `The naive baseline compiles the MJML for ${sample} recipients (then fills and builds each .eml exactly like the batch path), ${sample / ROUNDS} per round: its per-email cost (median ${naivePerEmail.toFixed(2)} ms) is compared with the batch path's, which renders all ${count.toLocaleString('en-US')} in ${ROUNDS} batches.`,
      `Batch path: ${perEmail.toFixed(3)} ms per email (median over rounds) including one MJML compile per batch of ${Math.round(count / ROUNDS).toLocaleString('en-US')}; average .eml size ${Math.round(bytes / count / 1024)} KB.`,
      `The write figure writes ${written.toLocaleString('en-US')} files one at a time into directories of ${WRITE_BATCH} that are then removed (disk space); its baseline adds the same write cost to the naive per-email cost.`,
      `Single process, one core: nothing runs in parallel on either side. The paths run in ${ROUNDS} interleaved rounds (naive sample, batch share, write share) so that load from other processes hits both alike.`,
    ],
  };
};
