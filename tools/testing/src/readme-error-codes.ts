import { readFileSync } from 'node:fs';

/** The TypeScript code blocks of a README, in order (```ts fences). */
export function readmeCodeBlocks(readmePath: string, lang = 'ts'): string[] {
  const text = readFileSync(readmePath, 'utf8');
  const blocks: string[] = [];
  const fence = new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g');
  for (const match of text.matchAll(fence)) blocks.push(match[1] ?? '');
  return blocks;
}

export interface ReadmeErrorRow {
  code: string;
  /** every cell of the row after the code, e.g. [severity, meaning, what to do] */
  cells: string[];
  meaning: string;
  whatToDo: string;
}

/**
 * The rows of the table under a README heading (`## Errors` by default) whose
 * first cell is a backticked code, in order: code, meaning (the next-to-last
 * cell) and what to do (the last cell). A spec holds a lib's exported code
 * list against it row by row.
 */
export function readmeErrorTable(readmePath: string, heading = 'Errors'): ReadmeErrorRow[] {
  const lines = readFileSync(readmePath, 'utf8').split('\n');
  const start = lines.findIndex((line) => line.trim() === `## ${heading}`);
  if (start === -1) throw new Error(`${readmePath} has no "## ${heading}" section`);
  const rows: ReadmeErrorRow[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('## ')) break;
    const match = /^\|\s*`([A-Z][A-Z0-9_]+)`\s*\|(.*)\|\s*$/.exec(line);
    if (!match?.[1]) continue;
    const cells = (match[2] ?? '').split(/(?<!\\)\|/).map((cell) => cell.trim());
    rows.push({ code: match[1], cells, meaning: cells.at(-2) ?? '', whatToDo: cells.at(-1) ?? '' });
  }
  return rows;
}
