import type { GateResult, GateRun } from '../types.js';
import { durationSeconds, valueVsThreshold } from './format.js';

/** The Char production of XML 1.0: tab, newline, carriage return and the printable planes. */
function xmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || cp >= 0x10000;
}

/** XML text: escapes markup and drops characters XML 1.0 forbids (control characters from an API body). */
export function escapeXml(text: string): string {
  return Array.from(text)
    .filter((ch) => xmlChar(ch.codePointAt(0) ?? 0))
    .join('')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function evidenceText(g: GateResult): string {
  const e = g.evidence;
  return [
    `value / threshold: ${valueVsThreshold(g)}`,
    `source: ${e.source ?? '—'}`,
    `http status: ${e.httpStatus ?? '—'}`,
    `latency: ${e.latencyMs} ms`,
    `observed at: ${e.observedAt}`,
  ].join('\n');
}

/**
 * JUnit XML, one <testsuite>, one <testcase> per gate. 🔴 is a <failure>; ⚪ is
 * <skipped message="reason: summary">: the gate was not judged, which is what
 * CI dashboards show for skipped, and the exit code 2 already marks the run
 * inconclusive. (<error> would paint a flaky API as a broken test.)
 */
export function renderJunit(run: GateRun): string {
  const count = (state: GateResult['state']) => run.gates.filter((g) => g.state === state).length;
  const time = durationSeconds(run.startedAt, run.finishedAt).toFixed(3);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuite name="veza-beta gates" tests="${run.gates.length}" failures="${count('fail')}" errors="0" skipped="${count('unknown')}" time="${time}" timestamp="${escapeXml(run.startedAt)}">`,
    '  <properties>',
    `    <property name="verdict" value="${escapeXml(run.verdict)}"/>`,
    `    <property name="exitCode" value="${run.exitCode}"/>`,
    '  </properties>',
  ];
  for (const g of run.gates) {
    lines.push(`  <testcase classname="gates.${g.id}" name="${escapeXml(g.title)}" time="${(g.evidence.latencyMs / 1000).toFixed(3)}">`);
    if (g.state === 'fail')
      lines.push(
        `    <failure message="${escapeXml(g.summary)}" type="${escapeXml(g.reason ?? 'threshold')}">${escapeXml(evidenceText(g))}</failure>`,
      );
    if (g.state === 'unknown') lines.push(`    <skipped message="${escapeXml(`${g.reason ?? 'unknown'}: ${g.summary}`)}"/>`);
    lines.push(`    <system-out>${escapeXml(evidenceText(g))}</system-out>`, '  </testcase>');
  }
  lines.push('</testsuite>');
  return lines.join('\n') + '\n';
}
