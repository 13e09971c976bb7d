// A real SMTP server process for the welcome-email tests: prints
// "listening <port>" and writes every accepted message to the folder given as
// first argument (<n>.eml). SIGTERM stops it.
import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

const dir = process.argv[2] ?? 'smtp-sink';
mkdirSync(dir, { recursive: true });
let received = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, _session, callback) {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      received++;
      writeFileSync(join(dir, `${process.pid}-${String(received).padStart(6, '0')}.eml`), Buffer.concat(chunks));
      callback(null);
    });
  },
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${(server.server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
