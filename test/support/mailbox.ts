import type { Transporter } from 'nodemailer';
import { sendPendingNotifications } from '../../server/notifications/delivery';

export interface SentEmail {
  to: string;
  subject: string;
  text: string;
}

/**
 * Sends what waits in the outbox, as the notifications job does, to a mailbox the test can read: the
 * only place a one-time link ever exists.
 */
export async function deliverOutbox(): Promise<SentEmail[]> {
  const sent: SentEmail[] = [];
  const transport = {
    sendMail: async (message: SentEmail) => {
      sent.push({ to: message.to, subject: message.subject, text: message.text });
      return {};
    },
  } as unknown as Transporter;
  await sendPendingNotifications({ transport, from: 'billing@test' });
  return sent;
}

/** The path and query of the link in an email that leads to `path` (e.g. `/reset-password`). */
export function linkIn(email: SentEmail | undefined, path: string): string {
  const link = email?.text.match(/https?:\/\/\S+/g)?.find((url) => new URL(url).pathname === path);
  if (!link) throw new Error(`no ${path} link in ${JSON.stringify(email)}`);
  const { pathname, search } = new URL(link);
  return `${pathname}${search}`;
}

/** The token of a one-time link. */
export function tokenOf(pathAndQuery: string): string {
  return new URL(pathAndQuery, 'http://link').searchParams.get('token') ?? '';
}
