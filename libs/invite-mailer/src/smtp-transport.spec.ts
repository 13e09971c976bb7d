import { expect } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { SMTPServer } from 'smtp-server';
import { selfSignedCertificate } from '@veza/test-support';
import { startSmtpSink } from './smtp-sink.js';
import type { SmtpSink, SmtpSinkOptions } from './smtp-sink.js';
import { MAX_MESSAGES_PER_CONNECTION, smtpTransport } from './smtp-transport.js';
import type { Transport } from './transport.js';

const envelope = { from: 'beta@veza.example', to: 'ana@example.org' };
const emlFor = (n: number) =>
  Buffer.from(`To: ana@example.org\r\nSubject: invite ${n}\r\n\r\nhello ${n}\r\n.a line that starts with a dot\r\n`);

interface FakeBehaviour {
  /** what the server does with the DATA command */
  onDataCommand?: 'close';
  /** what the server does once it has the whole message */
  afterMessage?: 'close' | 'hang' | '451';
  /** when a second MAIL FROM arrives on a connection: close it without answering (a relay's idle timeout, seen late), or answer 421 and close (a relay's cap per connection) */
  onSecondMail?: 'close' | '421';
}

/** A scripted SMTP server (PIPELINING, no auth): for the failures the sink never makes. */
async function fakeSmtpServer(behaviour: FakeBehaviour) {
  const sockets = new Set<Socket>();
  let messages = 0;
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = '';
    let inData = false;
    let mails = 0;
    socket.write('220 fake ESMTP\r\n');
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end === -1) return;
          buffer = buffer.slice(end + 5);
          inData = false;
          if (behaviour.afterMessage === 'close') return void socket.destroy();
          if (behaviour.afterMessage === 'hang') return;
          if (behaviour.afterMessage === '451') socket.write('451 4.3.0 try again later\r\n');
          else {
            messages++;
            socket.write('250 2.0.0 queued\r\n');
          }
          continue;
        }
        const eol = buffer.indexOf('\r\n');
        if (eol === -1) return;
        const verb = buffer.slice(0, 4).toUpperCase();
        buffer = buffer.slice(eol + 2);
        if (verb === 'EHLO') socket.write('250-fake\r\n250 PIPELINING\r\n');
        else if (verb === 'MAIL') {
          mails++;
          if (behaviour.onSecondMail === 'close' && mails === 2) return void socket.destroy();
          if (behaviour.onSecondMail === '421' && mails === 2) return void socket.end('421 4.7.0 too many messages on this connection\r\n');
          socket.write('250 2.1.0 ok\r\n');
        } else if (verb === 'RCPT' || verb === 'RSET') socket.write('250 2.1.5 ok\r\n');
        else if (verb === 'DATA') {
          if (behaviour.onDataCommand === 'close') return void socket.destroy();
          inData = true;
          socket.write('354 go ahead\r\n');
        } else if (verb === 'QUIT') return void socket.end('221 bye\r\n');
        else socket.write('502 5.5.1 not here\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages: () => messages,
    connections: () => connections,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A sink (writing into `dir` when given) and a transport of `connections` sessions to it (URL + `query`); both closed after `use`. */
async function withSink(
  setup: { connections: number; query?: string; dir?: string; sink?: SmtpSinkOptions },
  use: (transport: Transport, sink: SmtpSink) => Promise<void>,
): Promise<void> {
  const sink = await startSmtpSink(setup.dir ?? null, setup.sink);
  const transport = smtpTransport(`${sink.url}${setup.query ?? ''}`, setup.connections);
  try {
    await use(transport, sink);
  } finally {
    await transport.close();
    await sink.close();
  }
}

describe('SMTP transport: sessions', () => {
  it('sends each .eml byte for byte, over at most `connections` sessions reused from one message to the next', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smtp-transport-'));
    try {
      await withSink({ connections: 2, dir }, async (transport, sink) => {
        const results = await Promise.all(Array.from({ length: 12 }, (_, n) => transport.send(emlFor(n), envelope)));
        expect(results.every((r) => r.ok && !r.temporary)).toBe(true);
        expect(sink.count()).toBe(12);
        expect(sink.connections()).toBe(2);
        const received = readdirSync(dir).map((file) => readFileSync(join(dir, file), 'latin1'));
        expect(received.sort()).toEqual(Array.from({ length: 12 }, (_, n) => emlFor(n).toString('latin1')).sort());
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it(`opens a fresh session after ${MAX_MESSAGES_PER_CONNECTION} messages on one`, async () => {
    await withSink({ connections: 1 }, async (transport, sink) => {
      for (let n = 0; n < MAX_MESSAGES_PER_CONNECTION + 1; n++) expect((await transport.send(emlFor(n), envelope)).ok).toBe(true);
      expect(sink.connections()).toBe(2);
    });
  });

  it('?maxMessages=N in the URL sets how many messages a session carries', async () => {
    await withSink({ connections: 1, query: '?maxMessages=3' }, async (transport, sink) => {
      for (let n = 0; n < 7; n++) expect((await transport.send(emlFor(n), envelope)).ok).toBe(true);
      expect(sink.connections()).toBe(3);
    });
  });

  it('a refused recipient (550) is a permanent failure, and the session goes on to the next message', async () => {
    await withSink({ connections: 1, sink: { rejectRecipients: ['gone@example.org'] } }, async (transport, sink) => {
      const refused = await transport.send(emlFor(1), { ...envelope, to: 'gone@example.org' });
      expect(refused).toMatchObject({ ok: false, temporary: false });
      expect(refused.unknown).toBeUndefined();
      expect(refused.response).toMatch(/^550 /);
      expect(await transport.send(emlFor(2), envelope)).toMatchObject({ ok: true });
      expect(sink.count()).toBe(1);
      expect(sink.connections()).toBe(1);
    });
  });

  it('an address nodemailer refuses to put on the wire (a line break in it) is a permanent failure, tried once', async () => {
    await withSink({ connections: 1 }, async (transport, sink) => {
      expect(await transport.send(emlFor(1), envelope)).toMatchObject({ ok: true });
      const refused = await transport.send(emlFor(2), { ...envelope, to: 'ana@example.org\r\nRCPT TO:<eve@example.org>' });
      expect(refused).toMatchObject({ ok: false, temporary: false });
      expect(refused.response).toContain('Invalid recipient');
      expect(sink.count()).toBe(1);
      expect(sink.connections()).toBe(1); // not tried again on a fresh session
    });
  });

  it('close() ends every session (QUIT), and a send after it fails without connecting', async () => {
    let open = 0;
    let connected = 0;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onConnect(_session, callback) {
        open++;
        connected++;
        callback();
      },
      onClose: () => void open--,
      onData(stream, _session, callback) {
        stream.resume();
        stream.on('end', () => callback(null));
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.server.address() as AddressInfo).port;
    const transport = smtpTransport(`smtp://127.0.0.1:${port}`, 3);
    try {
      await Promise.all([1, 2, 3].map((n) => transport.send(emlFor(n), envelope)));
      expect(open).toBe(3);
      await transport.close();
      for (let waited = 0; open > 0 && waited < 2_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20)); // the server's side of the close
      expect(open).toBe(0);
      const after = await transport.send(emlFor(4), envelope);
      expect(after).toMatchObject({ ok: false });
      expect(after.response).toContain('closed');
      expect(connected).toBe(3);
    } finally {
      await new Promise((resolve) => server.close(() => resolve(undefined)));
    }
  });
});

describe('SMTP transport: what a failure means for the message', () => {
  /** One message to a scripted server that behaves so, over a fresh transport; both closed after. */
  async function sendOnce(behaviour: FakeBehaviour, query = '') {
    const server = await fakeSmtpServer(behaviour);
    const transport = smtpTransport(`${server.url}${query}`, 1);
    try {
      return await transport.send(emlFor(1), envelope);
    } finally {
      await transport.close();
      await server.close();
    }
  }

  it('a connection lost before the message went out is temporary: nothing was sent, it is safe to try again', async () => {
    const result = await sendOnce({ onDataCommand: 'close' });
    expect(result).toMatchObject({ ok: false, temporary: true });
    expect(result.unknown).toBeUndefined();
  });

  it.each([
    ['closes the connection', 'close', ''],
    ['never answers (socket timeout)', 'hang', '?socketTimeout=300'],
  ] as const)(
    'a server that has the whole message and then %s: outcome unknown, never retried, never sent',
    async (_what, afterMessage, query) => {
      const result = await sendOnce({ afterMessage }, query);
      expect(result).toMatchObject({ ok: false, temporary: false, unknown: true });
      expect(result.response).toContain('may have been delivered');
    },
  );

  it('a relay that never greets (a firewall that drops, a host that hangs) is temporary and the failure names the relay: "ETIMEDOUT: Greeting never received" alone named none', async () => {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => void sockets.add(socket.on('error', () => undefined)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const transport = smtpTransport(`smtp://mailer:RELAYSECRET@127.0.0.1:${port}?greetingTimeout=300`, 1);
    try {
      const result = await transport.send(emlFor(1), envelope);
      expect(result).toMatchObject({ ok: false, temporary: true });
      expect(result.response).toContain(`ETIMEDOUT: Greeting never received (relay 127.0.0.1:${port})`);
      expect(result.response).not.toContain('RELAYSECRET');
    } finally {
      await transport.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a 4xx answer to the message is temporary (the server said it did not take it)', async () => {
    const result = await sendOnce({ afterMessage: '451' });
    expect(result).toMatchObject({ ok: false, temporary: true });
    expect(result.unknown).toBeUndefined();
    expect(result.response).toMatch(/^451 /);
  });

  it.each([
    ['dropped while idle', 'close'],
    ['closes with 421 at the next message', '421'],
  ] as const)('a session the server %s is replaced, and the message is sent once, on the new one', async (_what, onSecondMail) => {
    const server = await fakeSmtpServer({ onSecondMail });
    const transport = smtpTransport(server.url, 1);
    try {
      expect(await transport.send(emlFor(1), envelope)).toMatchObject({ ok: true });
      expect(await transport.send(emlFor(2), envelope)).toMatchObject({ ok: true });
      expect(server.messages()).toBe(2);
      expect(server.connections()).toBe(2);
    } finally {
      await transport.close();
      await server.close();
    }
  });
});

describe('SMTP transport: credentials', () => {
  async function authServer() {
    const server = new SMTPServer({
      authMethods: ['PLAIN', 'LOGIN'],
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onAuth(auth, _session, callback) {
        if (auth.username === 'beta@veza.example' && auth.password === 'p@ss:wörd') return callback(null, { user: auth.username });
        callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      },
      onData(stream, _session, callback) {
        stream.resume();
        stream.on('end', () => callback(null));
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, port: (server.server.address() as AddressInfo).port };
  }

  it('logs in with the URL’s (percent-encoded) user and password; a wrong password is permanent and never shown', async () => {
    const { server, port } = await authServer();
    const good = smtpTransport(`smtp://beta%40veza.example:${encodeURIComponent('p@ss:wörd')}@127.0.0.1:${port}`, 1);
    const bad = smtpTransport(`smtp://beta%40veza.example:s3cret-wrong@127.0.0.1:${port}`, 1);
    try {
      expect(await good.send(emlFor(1), envelope)).toMatchObject({ ok: true });
      const refused = await bad.send(emlFor(2), envelope);
      expect(refused).toMatchObject({ ok: false, temporary: false });
      expect(refused.response).toContain('535');
      expect(refused.response).not.toContain('s3cret-wrong');
      expect(bad.description).not.toContain('s3cret-wrong');
    } finally {
      await good.close();
      await bad.close();
      await new Promise((resolve) => server.close(() => resolve(undefined)));
    }
  });
});

describe('SMTP transport: TLS the relay offers and this machine does not trust', () => {
  /** A relay that offers STARTTLS with smtp-server's own self-signed certificate (Postfix with a self-signed one answers the same). */
  async function startTlsServer() {
    // smtp-server's own certificate has expired: a fresh self-signed one, as a relay set up by hand has
    const dir = mkdtempSync(join(tmpdir(), 'veza-smtp-tls-'));
    const { key, cert } = selfSignedCertificate(dir, 'relay.veza.test');
    rmSync(dir, { recursive: true, force: true });
    let messages = 0;
    const server = new SMTPServer({
      key,
      cert,
      logger: false,
      authOptional: true,
      onData(stream, _session, callback) {
        stream.resume();
        stream.on('end', () => {
          messages++;
          callback(null);
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.server.address() as AddressInfo).port;
    return { port, messages: () => messages, close: () => new Promise((resolve) => server.close(() => resolve(undefined))) };
  }

  it('a self-signed certificate is a permanent failure, not retried, that says to give the CA with NODE_EXTRA_CA_CERTS', async () => {
    const relay = await startTlsServer();
    const transport = smtpTransport(`smtp://127.0.0.1:${relay.port}`, 1);
    try {
      const result = await transport.send(emlFor(1), envelope);
      expect(result).toMatchObject({ ok: false, temporary: false });
      expect(result.unknown).toBeUndefined();
      expect(result.response).toContain('self-signed certificate');
      expect(result.response).toContain('not sent');
      expect(result.response).toContain('NODE_EXTRA_CA_CERTS=');
      expect(relay.messages()).toBe(0);
    } finally {
      await transport.close();
      await relay.close();
    }
  });

  it('smtps:// to a port that speaks plain SMTP is a permanent failure that says to use smtp:// there', async () => {
    const sink = await startSmtpSink(null);
    const transport = smtpTransport(sink.url.replace(/^smtp:/, 'smtps:'), 1);
    try {
      const result = await transport.send(emlFor(1), envelope);
      expect(result).toMatchObject({ ok: false, temporary: false });
      expect(result.response).toContain('use smtp:// for this port');
      expect(sink.count()).toBe(0);
    } finally {
      await transport.close();
      await sink.close();
    }
  });

  it('a TLS error after the whole message went out (plain bytes on the TLS session before the answer) is unknown, never "not sent"', async () => {
    // The TLS advice is for a handshake, before MAIL FROM. Here the relay took the message and its answer came
    // back outside TLS (a middlebox, a relay's broken TLS layer): "wrong version number", as for smtps:// to a
    // plain port. It was reported "not sent" (permanent), and the next run sent the invitation a second time.
    const dir = mkdtempSync(join(tmpdir(), 'veza-smtp-tls-'));
    const { key, cert } = selfSignedCertificate(dir, 'relay.veza.test');
    rmSync(dir, { recursive: true, force: true });
    let messages = 0;
    let raw: Socket | undefined;
    const server = createTlsServer({ key, cert }, (socket) => {
      const plain = raw!;
      socket.on('error', () => undefined);
      let data = false;
      let buffer = '';
      socket.write('220 relay ESMTP\r\n');
      socket.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('latin1');
        for (let nl = buffer.indexOf('\r\n'); nl !== -1; nl = buffer.indexOf('\r\n')) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 2);
          if (data) {
            if (line !== '.') continue;
            data = false;
            messages++;
            plain.write('250 2.0.0 queued as 1234\r\n'); // on the TCP connection, outside TLS
          } else if (/^EHLO/i.test(line)) socket.write('250 relay\r\n');
          else if (/^DATA/i.test(line)) {
            data = true;
            socket.write('354 go on\r\n');
          } else socket.write('250 ok\r\n');
        }
      });
    });
    server.on('connection', (socket: Socket) => {
      raw = socket;
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const transport = smtpTransport(`smtps://127.0.0.1:${(server.address() as AddressInfo).port}?tls.rejectUnauthorized=false`, 1);
    try {
      const result = await transport.send(emlFor(1), envelope);
      expect(messages).toBe(1);
      expect(result).toMatchObject({ ok: false, temporary: false, unknown: true });
      expect(result.response).toContain('it may have been delivered');
      expect(result.response).not.toContain('not sent');
    } finally {
      await transport.close();
      await new Promise((resolve) => server.close(() => resolve(undefined)));
    }
  });
});

/** A relay that records every command: EHLO lists `ehlo` (after `250-relay`), STARTTLS is refused, AUTH accepted. */
async function recordingRelay(ehlo: string[], host = '127.0.0.1') {
  const lines: string[] = [];
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.write('220 relay ESMTP\r\n');
    socket.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\r\n').filter(Boolean)) {
        lines.push(line);
        if (/^EHLO/i.test(line))
          socket.write(['250-relay', ...ehlo].map((l, i, all) => `${i === all.length - 1 ? l.replace(/^250-/, '250 ') : l}\r\n`).join(''));
        else if (/^STARTTLS/i.test(line)) socket.write('502 5.5.1 no STARTTLS here\r\n');
        else if (/^AUTH/i.test(line)) socket.write('235 2.7.0 ok\r\n');
        else if (/^QUIT/i.test(line)) socket.end('221 bye\r\n');
        else socket.write('250 ok\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    lines,
    auths: () => lines.filter((line) => /^AUTH/i.test(line)),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** An IPv4 address of this machine that is not loopback (a relay "on another machine" as the transport sees it). */
const otherAddress = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

describe('SMTP transport: the login is sent only where it is safe', () => {
  it('a relay that offers no AUTH never gets the login: a permanent failure saying so (it got AUTH PLAIN, the password in base64)', async () => {
    const relay = await recordingRelay(['250-PIPELINING', '250-8BITMIME']);
    const transport = smtpTransport(`smtp://bob:hunter2pw@127.0.0.1:${relay.port}`, 1);
    try {
      const result = await transport.send(emlFor(1), envelope);
      expect(result).toMatchObject({ ok: false, temporary: false });
      expect(result.response).toContain(`EAUTH: the relay at 127.0.0.1:${relay.port} offers no login`);
      expect(result.transportFault).toBe(true);
      await expect(transport.verify()).rejects.toMatchObject({ code: 'EAUTH' });
      expect(relay.auths()).toEqual([]);
      expect(relay.lines.filter((l) => /^MAIL/i.test(l))).toEqual([]);
    } finally {
      await transport.close();
      await relay.close();
    }
  });

  it("?requireTLS=true and a relay without STARTTLS: the login is not sent, and the failure is the transport's (the welcome outbox does not give the email up for it)", async () => {
    const relay = await recordingRelay(['250-AUTH PLAIN LOGIN']);
    const transport = smtpTransport(`smtp://bob:hunter2pw@127.0.0.1:${relay.port}?requireTLS=true`, 1);
    try {
      const result = await transport.send(emlFor(1), envelope);
      expect(result).toMatchObject({ ok: false, temporary: false, transportFault: true });
      expect(result.response).toContain('offered no STARTTLS and SMTP_URL requires TLS');
      expect(relay.auths()).toEqual([]);
    } finally {
      await transport.close();
      await relay.close();
    }
  });

  it('without a login, the same relay takes the message; on this machine, a relay offering AUTH without TLS gets the login', async () => {
    const bare = await recordingRelay(['250-PIPELINING']);
    const withAuth = await recordingRelay(['250-AUTH PLAIN LOGIN']);
    const anonymous = smtpTransport(`smtp://127.0.0.1:${bare.port}`, 1);
    const local = smtpTransport(`smtp://bob:hunter2pw@127.0.0.1:${withAuth.port}`, 1);
    try {
      expect(await anonymous.send(emlFor(1), envelope)).toMatchObject({ ok: true });
      expect(await local.send(emlFor(2), envelope)).toMatchObject({ ok: true });
      expect(withAuth.auths()).toHaveLength(1);
    } finally {
      await anonymous.close();
      await local.close();
      await bare.close();
      await withAuth.close();
    }
  });

  (otherAddress ? it : it.skip)(
    'a relay on another machine without STARTTLS never gets the password in clear, unless SMTP_URL says ?requireTLS=false',
    async () => {
      const relay = await recordingRelay(['250-AUTH PLAIN LOGIN', '250-PIPELINING'], '0.0.0.0');
      const strict = smtpTransport(`smtp://bob:hunter2pw@${otherAddress!}:${relay.port}`, 1);
      const allowed = smtpTransport(`smtp://bob:hunter2pw@${otherAddress!}:${relay.port}?requireTLS=false`, 1);
      try {
        const result = await strict.send(emlFor(1), envelope);
        expect(result).toMatchObject({ ok: false, temporary: false });
        expect(result.response).toContain('offered no STARTTLS and a password goes to another machine only over TLS');
        expect(result.response).toContain('?requireTLS=false');
        expect(relay.lines.some((l) => /^STARTTLS/i.test(l))).toBe(true);
        expect(relay.auths()).toEqual([]);
        expect(await allowed.send(emlFor(2), envelope)).toMatchObject({ ok: true });
        expect(relay.auths()).toHaveLength(1);
      } finally {
        await strict.close();
        await allowed.close();
        await relay.close();
      }
    },
  );
});
