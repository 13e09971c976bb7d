import type { GateResult, GateRun } from '../types.js';
import { durationSeconds, valueVsThreshold } from './format.js';

/** XML text: escapes markup and drops characters XML 1.0 forbids (control characters from an API body). */
export function escapeXml(text: string): string {
  return text
    .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function evidenceText(g: GateResult): string {
  const e = g.evidence;
  return [`value / threshold: ${valueVsThreshold(g)}`, `source: ${e.source ?? '—'}`, `http status: ${e.httpStatus ?? '—'}`, `latency: ${e.latencyMs} ms`, `observed at: ${e.observedAt}`].join('\n');
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
    if (g.state === 'fail') lines.push(`    <failure message="${escapeXml(g.summary)}" type="${escapeXml(g.reason ?? 'threshold')}">${escapeXml(evidenceText(g))}</failure>`);
    if (g.state === 'unknown') lines.push(`    <skipped message="${escapeXml(`${g.reason ?? 'unknown'}: ${g.summary}`)}"/>`);
    lines.push(`    <system-out>${escapeXml(evidenceText(g))}</system-out>`, '  </testcase>');
  }
  lines.push('</testsuite>');
  return lines.join('\n') + '\n';
}
