import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

/** The writer child: stdin to the file named by argv[1], flag argv[2] ('w' rewrite, 'a' append); the error message on stderr. */
const WRITER = `const fs = require('node:fs'); const chunks = [];
process.stdin.on('data', (c) => chunks.push(c)).on('end', () => {
  try { fs.writeFileSync(process.argv[1], Buffer.concat(chunks), { flag: process.argv[2] }); }
  catch (e) { process.stderr.write(String(e && e.message)); process.exit(1); }
});`;

export interface OutputFiles {
  /** Writes or appends `text`; rejects with a message naming `label` and the path. */
  write(label: string, path: string, text: string, options?: { append?: boolean }): Promise<void>;
  /** "--junit gates.xml"… for each write not finished yet */
  pending(): string[];
  /** Kills the writers still pending (at exit): their files are left as they are. */
  abandon(): void;
}

/**
 * Output files written by a child process each. A path that blocks (a FIFO
 * without a reader, a stalled NFS mount) would block the thread that opens it:
 * in this process, that thread would hold even process.exit for good. In a
 * child it blocks only the child; the caller races the promise against its
 * deadline, and a path still pending is not written again until it is done.
 */
export function outputFiles(): OutputFiles {
  const writers = new Map<string, { label: string; child: ChildProcess }>();
  return {
    write(label, path, text, options = {}) {
      if (writers.has(path))
        return Promise.reject(
          new Error(`${label} ${path}: still being written by an earlier run (a FIFO without a reader, a stalled mount?): skipped`),
        );
      return new Promise<void>((resolve, reject) => {
        // Without NODE_OPTIONS: the writer needs none of the parent's preloads.
        const child = spawn(process.execPath, ['-e', WRITER, path, options.append ? 'a' : 'w'], {
          stdio: ['pipe', 'ignore', 'pipe'],
          env: { ...process.env, NODE_OPTIONS: '' },
        });
        writers.set(path, { label, child });
        let stderr = '';
        child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
        child.stdin?.on('error', () => undefined); // a writer that died early: its exit says why
        child.stdin?.end(text);
        const done = (error: Error | null) => {
          writers.delete(path);
          if (error) reject(error);
          else resolve();
        };
        child.on('error', (error) => done(new Error(`${label} ${path}: ${error.message}`)));
        child.on('exit', (code, signal) =>
          done(code === 0 ? null : new Error(`${label} ${path}: ${stderr.trim() || `writer ended by ${signal ?? `exit ${code}`}`}`)),
        );
      });
    },
    pending: () => [...writers.entries()].map(([path, w]) => `${w.label} ${path}`),
    abandon() {
      for (const { child } of writers.values()) child.kill('SIGKILL');
    },
  };
}
