import { createServer } from 'node:net';
import { sendCmdTransport } from './send-cmd-transport.js';
import { redactSmtpUrl, smtpTransport } from './smtp-transport.js';
import { hasTransportSettings, transportFromEnv } from './transport-from-env.js';

const eml = Buffer.from('To: ana@example.org\r\nSubject: hi\r\n\r\nhello\r\n');
const envelope = { from: 'beta@veza.example', to: 'ana@example.org' };
const env = { PATH: process.env['PATH'] };

describe('SEND_CMD transport', () => {
  it('hands the .eml to the command on stdin; exit 0 is accepted, 75 temporary, anything else permanent', async () => {
    expect(await sendCmdTransport('grep -q "^To: ana@example.org" && echo queued', env).send(eml, envelope)).toEqual({ ok: true, temporary: false, response: 'queued' });
    expect(await sendCmdTransport('cat >/dev/null; echo "451 later" >&2; exit 75', env).send(eml, envelope)).toEqual({ ok: false, temporary: true, response: 'exit 75: 451 later' });
    expect(await sendCmdTransport('cat >/dev/null; echo "550 no" >&2; exit 1', env).send(eml, envelope)).toEqual({ ok: false, temporary: false, response: 'exit 1: 550 no' });
    expect(await sendCmdTransport('true', env).send(eml, envelope)).toEqual({ ok: true, temporary: false, response: 'exit 0' }); // exits without reading stdin
  });

  it('refuses a program that is not on PATH, before sending anything', () => {
    expect(() => sendCmdTransport('no-such-mailer -t', env)).toThrow(expect.objectContaining({ code: 'MAILER_SEND_CMD_NOT_FOUND', message: expect.stringContaining("SEND_CMD: 'no-such-mailer' was not found on PATH") }));
  });
});

describe('SMTP transport', () => {
  it('refuses a URL it cannot use, without showing the password', () => {
    for (const url of ['not a url', 'http://user:s3cret@mail.example.org']) {
      let message = '';
      try {
        smtpTransport(url, 1);
      } catch (error) {
        expect((error as { code: string }).code).toBe('MAILER_SMTP_URL_INVALID');
        message = (error as Error).message;
      }
      expect(message).toMatch(/^SMTP_URL: not a valid SMTP URL/);
      expect(message).not.toContain('s3cret');
    }
    expect(redactSmtpUrl('smtps://user:s3cret@mail.example.org:465')).toBe('smtps://user:***@mail.example.org:465');
  });

  it('a server that drops the connection is a temporary failure, and the password never reaches the response', async () => {
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const transport = smtpTransport(`smtp://user:s3cret@127.0.0.1:${port}`, 1);
    try {
      expect(transport.description).toBe(`SMTP smtp://user:***@127.0.0.1:${port}`);
      const result = await transport.send(eml, envelope);
      expect(result).toMatchObject({ ok: false, temporary: true });
      expect(result.response).not.toContain('s3cret');
    } finally {
      await transport.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('transportFromEnv', () => {
  it('SMTP_URL wins over SEND_CMD; only an explicit setting counts as configured', () => {
    expect(transportFromEnv({ ...env, SMTP_URL: 'smtp://127.0.0.1:2525', SEND_CMD: 'cat' }, 1).description).toBe('SMTP smtp://127.0.0.1:2525');
    expect(transportFromEnv({ ...env, SEND_CMD: 'cat' }, 1).description).toBe('SEND_CMD cat');
    expect([hasTransportSettings({}), hasTransportSettings({ SEND_CMD: ' ' }), hasTransportSettings({ SMTP_URL: 'smtp://x' })]).toEqual([false, false, true]);
  });
});
