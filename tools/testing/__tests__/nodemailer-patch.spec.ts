import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import fc from 'fast-check';

// The workspace installs nodemailer with patches/nodemailer+10.6.0.patch (root postinstall, patch-package):
// its DATA-phase DataStream tests each line break with indexOf instead of every byte in a JS loop,
// about a tenth of a millisecond less per 20 KB email (docs/DECISIONS.md, "nodemailer patched").
const require = createRequire(import.meta.url);
const packageDir = dirname(dirname(dirname(require.resolve('nodemailer')))); // …/nodemailer/dist/cjs/nodemailer.js → …/nodemailer
const DataStream = require(join(packageDir, 'dist/cjs/smtp-connection/data-stream.js')) as new () => Transform;

/** DataStream._transform as nodemailer 10.6.0 publishes it: every byte tested. The reference the patch must equal. */
class PublishedDataStream extends Transform {
  private lastByte: number | false = false;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (!chunk.length) return done();
    const chunks: Buffer[] = [];
    let lastPos = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      const prev = i ? chunk[i - 1] : this.lastByte;
      let insert: string | false = false;
      if (prev === 0x0d && byte !== 0x0a) insert = byte === 0x2e ? '\n.' : '\n';
      else if (byte === 0x0a && prev !== 0x0d) insert = '\r';
      else if (byte === 0x2e && (prev === 0x0a || prev === false)) insert = '.';
      if (insert) {
        if (i > lastPos) chunks.push(chunk.subarray(lastPos, i));
        chunks.push(Buffer.from(insert));
        lastPos = i;
      }
    }
    if (lastPos < chunk.length) chunks.push(chunk.subarray(lastPos));
    this.push(Buffer.concat(chunks));
    this.lastByte = chunk[chunk.length - 1]!;
    done();
  }

  override _flush(done: TransformCallback): void {
    this.push(Buffer.from(this.lastByte === 0x0a ? '.\r\n' : this.lastByte === 0x0d ? '\n.\r\n' : '\r\n.\r\n'));
    done();
  }
}

/** What a stream makes of `parts` written one after the other. */
function through(stream: Transform, parts: Buffer[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => out.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(out).toString('latin1')));
    stream.on('error', reject);
    for (const part of parts) stream.write(part);
    stream.end();
  });
}

/** Bytes that matter to the escaping (CR, LF, dot) and two that do not, cut into chunks at arbitrary places. */
const chunkedMessage = fc
  .tuple(fc.array(fc.constantFrom(0x0d, 0x0a, 0x2e, 0x61, 0x20), { maxLength: 300 }), fc.array(fc.nat(300), { maxLength: 6 }))
  .map(([bytes, cuts]) => {
    const data = Buffer.from(bytes);
    const at = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
    const parts: Buffer[] = [];
    let from = 0;
    for (const cut of [...at, data.length]) {
      parts.push(data.subarray(from, cut));
      from = cut;
    }
    return parts;
  });

describe('the installed nodemailer DataStream', () => {
  it('is the patched one, in both builds', () => {
    for (const build of ['esm', 'cjs']) {
      expect(readFileSync(join(packageDir, 'dist', build, 'smtp-connection/data-stream.js'), 'utf8')).toContain('veza-beta patch');
    }
  });

  it('is the version the patch is for', () => {
    const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string };
    expect(version).toBe('10.6.0');
  });

  it('escapes exactly as the published one, on any bytes cut into any chunks', async () => {
    await fc.assert(
      fc.asyncProperty(chunkedMessage, async (parts) => {
        expect(await through(new DataStream(), parts)).toBe(await through(new PublishedDataStream(), parts));
      }),
      { numRuns: 2000 },
    );
  });

  it('escapes the cases by name: leading dots, bare CR and LF, a dot after a bare CR, across chunks', async () => {
    const parts = ['.a\nb\r.c\r', '\n.d', '\r', '.e\r\n'].map((s) => Buffer.from(s));
    expect(await through(new DataStream(), parts)).toBe('..a\r\nb\r\n..c\r\n..d\r\n..e\r\n.\r\n');
  });
});
