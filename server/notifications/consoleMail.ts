import { createTransport, type SentMessageInfo, type Transport, type Transporter } from 'nodemailer';

/**
 * Development without SMTP_URL: messages are written to the terminal instead, so that a developer can
 * follow a sign-up or reset link offline. Never used in production, where SMTP_URL sends them.
 */
export function consoleMailTransport(
  write: (text: string) => void = (text) => process.stdout.write(text),
): Transporter {
  const transport: Transport<SentMessageInfo> = {
    name: 'console',
    version: '1',
    send(mail, done) {
      const { to, subject, text } = mail.data;
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
