import { expect, jest } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { smtpTransport } from './smtp-transport.js';
import { startSmtpSink } from './testing.js';

const envelope = (to: string) => ({ from: 'beta@veza.example', to });
const eml = (to: string) => Buffer.from(`To: ${to}\r\nSubject: hi\r\n\r\nhello\r\n`);

describe('startSmtpSink (@veza/invite-mailer/testing)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smtp-sink-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts each message and writes it to the folder, refuses the listed recipients with 550', async () => {
    const sink = await startSmtpSink(join(dir, 'mail'), { rejectRecipients: ['Gone@example.org'], filePrefix: 'p-' });
    const transport = smtpTransport(sink.url, 1);
    try {
      expect(await transport.send(eml('ana@example.org'), envelope('ana@example.org'))).toMatchObject({ ok: true });
      expect(await transport.send(eml('gone@example.org'), envelope('gone@example.org'))).toMatchObject({
        ok: false,
        temporary: false,
        response: expect.stringContaining('550'),
      });
      expect(readdirSync(join(dir, 'mail'))).toEqual(['p-000001.eml']);
      expect(readFileSync(join(dir, 'mail', 'p-000001.eml'), 'utf8')).toContain('To: ana@example.org');
      expect(sink.count()).toBe(1);
    } finally {
      await transport.close();
      await sink.close();
    }
  });

  it('without a folder, only counts messages and bytes', async () => {
    const sink = await startSmtpSink(null, { maxClients: 50 });
    const transport = smtpTransport(sink.url, 2);
    try {
      await Promise.all(['a', 'b', 'c'].map((n) => transport.send(eml(`${n}@example.org`), envelope(`${n}@example.org`))));
      expect(sink.count()).toBe(3);
      expect(sink.bytes()).toBeGreaterThanOrEqual(3 * eml('a@example.org').length);
    } finally {
      await transport.close();
      await sink.close();
    }
  });

  // smtp-server waits 100 ms (a timer) before greeting every connection, to catch early-talking spam
  // clients; a relay does not, and each new session of a dispatch paid it. With every setTimeout
  // standing still, the sink's greeting must still come.
  it('greets a new connection at once, without waiting on a timer first', async () => {
    const sink = await startSmtpSink(null);
    const timersThatRun = [
      'Date',
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
    ] as const;
    jest.useFakeTimers({ doNotFake: [...timersThatRun] });
    const socket = connect(sink.port, '127.0.0.1');
    try {
      const greeting = await new Promise<string>((resolve, reject) => {
        const deadline = setInterval(() => reject(new Error('no greeting within 6 s while setTimeout stood still')), 6000);
        socket.once('data', (data) => {
          clearInterval(deadline);
          resolve(String(data));
        });
        socket.once('error', reject);
      });
      expect(greeting).toMatch(/^220 /);
    } finally {
      jest.useRealTimers();
      socket.destroy();
      await sink.close();
    }
  });

  it('still refuses a connection beyond maxClients with 421', async () => {
    const sink = await startSmtpSink(null, { maxClients: 1 });
    const sockets = [connect(sink.port, '127.0.0.1'), connect(sink.port, '127.0.0.1')];
    try {
      const first = await Promise.all(sockets.map((s) => new Promise<string>((resolve) => s.once('data', (d) => resolve(String(d))))));
      expect(first.map((line) => line.slice(0, 3)).sort()).toEqual(['220', '421']);
    } finally {
      for (const s of sockets) s.destroy();
      await sink.close();
    }
  });
});
