import { escapeHtml, STATE_COLOURS } from './decision-input.js';
import type { DecisionReportInput } from './decision-input.js';
import { GATE_IDS, GATE_TITLES } from '../types.js';
import type { GateState } from '../types.js';

const FONT = 'font-family="Helvetica, Arial, sans-serif"';

/**
 * The state of each gate over time, one row per gate, one cell per stored run
 * (green pass, red fail, grey unknown), drawn as static SVG: nothing to load
 * at view time.
 */
export function gateHistorySvg(history: DecisionReportInput['history'], width = 1000): string {
  const runs = [...history].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
  const label = 300;
  const row = 34;
  const top = 10;
  const height = top + GATE_IDS.length * row + 40;
  const plot = width - label - 10;
  if (runs.length === 0) {
    return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="gate history: no stored run" width="${width}" height="60" viewBox="0 0 ${width} 60"><text x="10" y="35" ${FONT} font-size="20" fill="#333">No stored gate run yet: start the monitor (LOOP=1 npm run monitor).</text></svg>`;
  }
  const first = Date.parse(runs[0]!.startedAt);
  const last = Date.parse(runs[runs.length - 1]!.startedAt);
  const span = Math.max(1, last - first);
  const cell = Math.max(2, Math.min(40, plot / runs.length));
  const x = (t: number) => label + (runs.length === 1 ? 0 : ((t - first) / span) * (plot - cell));
  const parts: string[] = [];
  GATE_IDS.forEach((id, i) => {
    const y = top + i * row;
    parts.push(
      `<text x="${label - 10}" y="${y + row / 2 + 6}" text-anchor="end" ${FONT} font-size="18" fill="#222">${escapeHtml(GATE_TITLES[id])}</text>`,
    );
    for (const run of runs) {
      const state: GateState = run.gates.find((g) => g.id === id)?.state ?? 'unknown';
      parts.push(
        `<rect x="${x(Date.parse(run.startedAt)).toFixed(1)}" y="${y + 4}" width="${cell.toFixed(1)}" height="${row - 8}" fill="${STATE_COLOURS[state]}"><title>${escapeHtml(`${GATE_TITLES[id]} ${run.startedAt}: ${state}`)}</title></rect>`,
      );
    }
  });
  const axisY = top + GATE_IDS.length * row + 24;
  const stamp = (t: number) => new Date(t).toISOString().slice(0, 16).replace('T', ' ');
  parts.push(`<text x="${label}" y="${axisY}" ${FONT} font-size="16" fill="#555">${stamp(first)} UTC</text>`);
  parts.push(
    `<text x="${width - 10}" y="${axisY}" text-anchor="end" ${FONT} font-size="16" fill="#555">${stamp(last)} UTC · ${runs.length} run(s)</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="gate history, ${runs.length} runs" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${parts.join('')}</svg>`;
}

const FUNNEL_COLOURS = { invited: '#90a4ae', sent: '#1e88e5', redeemed: '#2e7d32' } as const;

/** Invited, sent and redeemed per cohort as grouped horizontal bars with their numbers. */
export function funnelSvg(funnel: DecisionReportInput['funnel'], width = 1000): string {
  if (funnel.length === 0) {
    return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="funnel: no invite" width="${width}" height="60" viewBox="0 0 ${width} 60"><text x="10" y="35" ${FONT} font-size="20" fill="#333">No invite yet.</text></svg>`;
  }
  const label = 300;
  const bar = 22;
  const group = bar * 3 + 18;
  const top = 40;
  const height = top + funnel.length * group + 10;
  const max = Math.max(1, ...funnel.map((c) => c.invited));
  const plot = width - label - 80;
  const parts: string[] = [];
  (['invited', 'sent', 'redeemed'] as const).forEach((k, i) => {
    parts.push(
      `<rect x="${label + i * 150}" y="8" width="18" height="18" fill="${FUNNEL_COLOURS[k]}"/><text x="${label + i * 150 + 26}" y="23" ${FONT} font-size="18" fill="#222">${k}</text>`,
    );
  });
  funnel.forEach((c, i) => {
    const y = top + i * group;
    parts.push(
      `<text x="${label - 10}" y="${y + group / 2}" text-anchor="end" ${FONT} font-size="18" fill="#222">${escapeHtml(c.cohort)}</text>`,
    );
    (['invited', 'sent', 'redeemed'] as const).forEach((k, j) => {
      const w = Math.max(1, (c[k] / max) * plot);
      parts.push(
        `<rect x="${label}" y="${y + j * bar}" width="${w.toFixed(1)}" height="${bar - 3}" fill="${FUNNEL_COLOURS[k]}"><title>${escapeHtml(`${c.cohort} ${k}: ${c[k]}`)}</title></rect>`,
      );
      parts.push(`<text x="${(label + w + 6).toFixed(1)}" y="${y + j * bar + bar - 7}" ${FONT} font-size="16" fill="#222">${c[k]}</text>`);
    });
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="funnel per cohort" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${parts.join('')}</svg>`;
}
