import { showControlChars } from '@veza/invite-rules';

/** Prints a value as one JSON document on stdout (for --json). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Text from the database or another person, made safe for one table cell on a terminal: line breaks
 * become " / " (a row stays one line) and every other control or invisible formatting character is
 * shown as `\uXXXX` (an escape sequence could clear the screen, retitle the window or hide text).
 */
export function cellText(text: string): string {
  return showControlChars(text.replace(/\s*(\r\n|\r|\n)\s*/g, ' / '));
}

/** A plain text table: the first row is the header; numbers align right; text cells go through cellText. */
export function formatTable(rows: (string | number)[][]): string {
  const cells = rows.map((row) => row.map((cell) => (typeof cell === 'number' ? cell : cellText(cell))));
  const widths: number[] = [];
  for (const row of cells) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, String(cell).length)));
  const line = (row: (string | number)[]) =>
    row
      .map((cell, i) => (typeof cell === 'number' ? String(cell).padStart(widths[i]!) : String(cell).padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const [head, ...body] = cells;
  if (!head) return '';
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}
