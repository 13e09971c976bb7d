import { expect } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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
});
