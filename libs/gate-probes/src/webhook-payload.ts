import type { GateRun, Verdict } from './types.js';
import { STATE_ICONS, VERDICT_ICONS } from './verdict.js';

/** Discord's limits: content 2,000 characters, 25 fields, field value 1,024, description 4,096. */
const LIMITS = { content: 2000, fields: 25, fieldValue: 1024 };
const COLORS: Record<Verdict, number> = { GO: 0x2ecc71, 'NO-GO': 0xe74c3c, INCONCLUSIVE: 0x95a5a6 };

export interface WebhookPayload {
  content: string;
  embeds?: { title: string; color: number; timestamp: string; fields: { name: string; value: string; inline: boolean }[] }[];
}

const cut = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/**
 * The message for a verdict change, Discord-compatible: `content` alone
 * reads well anywhere; `embeds` adds one field per gate. Built from the run
 * only, which runGates has already scrubbed of tokens.
 */
export function verdictWebhookPayload(run: GateRun, previousVerdict: Verdict | null): WebhookPayload {
  const was = previousVerdict ? ` (was ${VERDICT_ICONS[previousVerdict]} ${previousVerdict})` : '';
  const bad = run.gates.filter((g) => g.state !== 'pass');
  const lines = bad.map((g) => `${STATE_ICONS[g.state]} ${g.title}: ${g.summary}`);
  const content = cut(
    [`${VERDICT_ICONS[run.verdict]} **${run.verdict}**${was}: beta gates at ${run.finishedAt}`, ...lines].join('\n'),
    LIMITS.content,
  );
  return {
    content,
    embeds: [
      {
        title: `Beta gates: ${run.verdict}`,
        color: COLORS[run.verdict],
        timestamp: run.finishedAt,
        fields: run.gates.slice(0, LIMITS.fields).map((g) => ({
          name: `${STATE_ICONS[g.state]} ${g.title}`,
          value: cut(
            `${g.evidence.value === null ? '—' : String(g.evidence.value)} / ${g.evidence.threshold}${g.reason ? ` (${g.reason})` : ''}`,
            LIMITS.fieldValue,
          ),
          inline: true,
        })),
      },
    ],
  };
}
