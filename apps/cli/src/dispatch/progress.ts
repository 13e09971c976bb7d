/** What dispatch shows on stderr while it works: a bar on a terminal, plain lines in CI or when piped. */
export interface Progress {
  update(done: number, line: string): void;
  finish(): void;
}

/** The bar's width on a terminal wide enough; a narrower one gets a shorter bar, then none. */
const BAR_WIDTH = 30;

/**
 * One redraw of the bar, cut to `columns - 1` characters: a line as wide as the terminal, or wider,
 * wraps, and `\r` + erase-line then clears only its last row: every redraw left the rows above
 * behind, and the bar scrolled the screen (an 80-column terminal, a long address). The last
 * column stays free as well, where some terminals wrap at once. The line is ASCII (the rules
 * refuse any other character in an address), so its length is its width.
 */
export function progressFrame(done: number, total: number, line: string, columns: number): string {
  const count = `${done}/${total}`;
  const bar = Math.min(BAR_WIDTH, columns - 1 - count.length - 3 - 12); // keeps 12 columns for the line
  const filled = total ? Math.round((done / total) * Math.max(bar, 0)) : Math.max(bar, 0);
  const head = bar >= 10 ? `[${'#'.repeat(filled)}${'.'.repeat(bar - filled)}] ${count}` : count;
  return `${head} ${line}`.slice(0, Math.max(columns - 1, 1));
}

/**
 * `tty`: stderr is a terminal that understands the erase-line sequence (not `TERM=dumb`, not CI);
 * its width is read at each redraw, so a resized window (SIGWINCH) gets bars of its new width.
 */
export function createProgress(total: number, options: { tty: boolean; quiet?: boolean }): Progress {
  if (options.quiet) return { update: () => undefined, finish: () => undefined };
  if (!options.tty) {
    return {
      update: (done, line) => process.stderr.write(`[${done}/${total}] ${line}\n`),
      finish: () => undefined,
    };
  }
  let drawn = false;
  return {
    update: (done, line) => {
      drawn = true;
      process.stderr.write(`\r\x1b[2K${progressFrame(done, total, line, process.stderr.columns || 80)}`);
    },
    finish: () => {
      if (drawn) process.stderr.write('\n');
    },
  };
}
