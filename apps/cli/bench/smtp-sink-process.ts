// The dispatch bench's SMTP sink, in a process of its own (so its CPU is not
// the dispatcher's): accepts every message, counts messages and bytes, keeps
// nothing. Prints {"port":N} once listening; answers each "stats" line on
// stdin with {"messages","bytes","cpuMs"} (cpuMs: this process's CPU time so
// far); exits when stdin closes.
import { createInterface } from 'node:readline';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

let messages = 0;
let bytes = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  // the pool opens a few connections at most; a blast for the capacity figure opens more
  maxClients: 256,
  onData(stream, _session, callback) {
    let size = 0;
    stream.on('data', (chunk: Buffer) => (size += chunk.length));
    stream.on('end', () => {
      messages++;
      bytes += size;
      callback(null);
    });
  },
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: (server.server.address() as AddressInfo).port })}\n`));
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() !== 'stats') return;
  const cpu = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ messages, bytes, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
});
lines.on('close', () => server.close(() => process.exit(0)));
