// A real SMTP sink process for the CLI tests: prints "listening <port>" and
// writes every accepted message to the folder given as first argument.
// REJECT=a@x,b@y makes those recipients fail with 550.
import { startSmtpSink } from '@veza/invite-mailer/testing';

const sink = await startSmtpSink(process.argv[2] ?? 'smtp-sink', { rejectRecipients: process.env['REJECT']?.split(',').filter(Boolean) });
process.stdout.write(`listening ${sink.port}\n`);
process.on('SIGTERM', () => void sink.close().then(() => process.exit(0)));
