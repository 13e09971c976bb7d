// An SMTP relay for a welcome-outbox soak that accepts every message on a port you choose
// (so that the API's SMTP_URL, set before, finds it when it comes back) and counts them.
//   node tools/soak/relay.mjs PORT      (SIGTERM or Ctrl-C stops it: the relay "goes down")
import { setInterval } from 'node:timers';
import { SMTPServer } from 'smtp-server';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) throw new Error('usage: node tools/soak/relay.mjs PORT');
let accepted = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, _session, callback) {
    stream.resume();
    stream.on('end', () => {
      accepted++;
      callback(null);
    });
  },
});
server.listen(port, '127.0.0.1', () => process.stdout.write(`relay listening on ${port}\n`));
setInterval(() => process.stdout.write(`${JSON.stringify({ at: new Date().toISOString(), accepted })}\n`), 10_000).unref();
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
