/** What dispatch shows on stderr while it works: a bar on a terminal, plain lines in CI or when piped. */
export interface Progress {
  update(done: number, line: string): void;
  finish(): void;
}

export function createProgress(total: number, options: { tty: boolean; quiet?: boolean }): Progress {
  if (options.quiet) return { update: () => undefined, finish: () => undefined };
  if (!options.tty) {
    return {
      update: (done, line) => process.stderr.write(`[${done}/${total}] ${line}\n`),
      finish: () => undefined,
    };
  }
  const width = 30;
  return {
    update: (done, line) => {
      const filled = total ? Math.round((done / total) * width) : width;
      process.stderr.write(`\r\x1b[2K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${line.slice(0, 60)}`);
    },
    finish: () => process.stderr.write('\n'),
  };
}
