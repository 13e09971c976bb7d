// The dispatch bench's SMTP sink, in a process of its own (so its CPU is not
// the dispatcher's): accepts every message, counts messages and bytes, keeps
// nothing. Prints {"port":N} once listening; answers each "stats" line on
// stdin with {"messages","bytes","cpuMs"} (cpuMs: this process's CPU time so
// far); exits when stdin closes.
import { createInterface } from 'node:readline';
import { startSmtpSink } from '@veza/invite-mailer/testing';

// the pool opens a few connections at most; a blast for the capacity figure opens more
const sink = await startSmtpSink(null, { maxClients: 256 });
process.stdout.write(`${JSON.stringify({ port: sink.port })}\n`);
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() !== 'stats') return;
  const cpu = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ messages: sink.count(), bytes: sink.bytes(), cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
});
lines.on('close', () => void sink.close().then(() => process.exit(0)));
