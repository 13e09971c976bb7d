import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

/**
 * The writer child: stdin to the file named by argv[1], flag argv[2] ('w' rewrite, 'a' append); the error
 * message on stderr. A regular file (or none yet) is rewritten through a flushed draft beside it, renamed
 * over it: a full disk leaves the earlier file whole, never an empty or cut one (a CI reading a cut JUnit
 * file). Anything else (a FIFO, /dev/stdout, a symlink) is written in place as given, and so is a file in a
 * folder that takes no new file.
 */
const WRITER = `const fs = require('node:fs'); const { basename, dirname, join } = require('node:path'); const chunks = [];
process.stdin.on('data', (c) => chunks.push(c)).on('end', () => {
  const [file, flag] = process.argv.slice(1); const data = Buffer.concat(chunks); let draft = null;
  try {
    let regular = true;
    try { regular = fs.lstatSync(file).isFile(); } catch (e) { if (e.code !== 'ENOENT') throw e; }
    let fd = null;
    if (flag === 'w' && regular) {
      draft = join(dirname(file), '.' + basename(file) + '.' + process.pid + '.tmp');
      try { fd = fs.openSync(draft, 'wx', 0o644); } catch (e) { draft = null; if (e.code !== 'EACCES' && e.code !== 'EPERM') throw e; }
    }
    if (fd === null) { fs.writeFileSync(file, data, { flag }); return; }
    try { for (let at = 0; at < data.length; ) at += fs.writeSync(fd, data, at); fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
    fs.renameSync(draft, file); draft = null;
  } catch (e) {
    if (draft) try { fs.rmSync(draft, { force: true }); } catch {}
    process.stderr.write(String(e && e.message)); process.exit(1);
  }
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
