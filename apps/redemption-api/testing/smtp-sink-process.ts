// A real SMTP server process for the welcome-email tests: prints
// "listening <port>" and writes every accepted message to the folder given as
// first argument (<pid>-<n>.eml). SIGTERM stops it.
import { startSmtpSink } from '@veza/invite-mailer/testing';

const sink = await startSmtpSink(process.argv[2] ?? 'smtp-sink', { filePrefix: `${process.pid}-` });
process.stdout.write(`listening ${sink.port}\n`);
process.on('SIGTERM', () => void sink.close().then(() => process.exit(0)));
