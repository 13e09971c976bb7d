import { readFileSync } from 'node:fs';

/**
 * The error codes listed in a README's error table: every table row whose
 * first cell is a backticked SCREAMING_SNAKE code, e.g. "| `INVITE_EXPIRED` | … |".
 */
export function readmeErrorCodes(readmePath: string): string[] {
  const text = readFileSync(readmePath, 'utf8');
  const codes: string[] = [];
  for (const line of text.split('\n')) {
    const match = /^\|\s*`([A-Z][A-Z0-9_]+)`\s*\|/.exec(line);
    if (match?.[1]) codes.push(match[1]);
  }
  return codes;
}

/** The TypeScript code blocks of a README, in order (```ts fences). */
export function readmeCodeBlocks(readmePath: string, lang = 'ts'): string[] {
  const text = readFileSync(readmePath, 'utf8');
  const blocks: string[] = [];
  const fence = new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g');
  for (const match of text.matchAll(fence)) blocks.push(match[1] ?? '');
  return blocks;
}

/** Every error code string literal of a source file, e.g. 'INVITES_DB_UNREACHABLE', matching a prefix. */
export function sourceErrorCodes(sourcePath: string, prefix: RegExp): string[] {
  const text = readFileSync(sourcePath, 'utf8');
  const codes = new Set<string>();
  for (const match of text.matchAll(/'([A-Z][A-Z0-9_]{3,})'/g)) {
    if (match[1] && prefix.test(match[1])) codes.add(match[1]);
  }
  return [...codes].sort();
}
