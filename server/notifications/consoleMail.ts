import { createTransport, type SentMessageInfo, type Transport, type Transporter } from 'nodemailer';
import type { DevMailbox } from '../web/devMailbox';

/**
 * Development without SMTP_URL: messages are written to the terminal instead, and kept for the mail
 * viewer at /dev/mail, so that a developer can follow a sign-up or reset link offline. Never used in
 * production, where SMTP_URL sends them.
 */
export function consoleMailTransport(
  write: (text: string) => void = (text) => process.stdout.write(text),
  mailbox?: DevMailbox,
): Transporter {
  const transport: Transport<SentMessageInfo> = {
    name: 'console',
    version: '1',
    send(mail, done) {
      const { to, subject, text, html } = mail.data;
      mailbox?.capture({
        to: String(to),
        subject: String(subject),
        text: String(text ?? ''),
        html: typeof html === 'string' ? html : null,
      });
      const body = String(text ?? '')
        .split('\n')
        .map((line) => `    ${line}`)
        .join('\n');
      write(`\n  Email to ${String(to)}: ${String(subject)}\n\n${body}\n\n`);
      done(null, { envelope: mail.message.getEnvelope(), messageId: mail.message.messageId() });
    },
  };
  return createTransport(transport);
}
