import { Model } from 'objection';
import type { Transporter } from 'nodemailer';
import { now as clockNow } from '../clock';
import { Notification } from './Notification';
import { bodyToSend } from './oneTimeLinks';

const MAX_ATTEMPTS = 5;
const RETRY_DELAY_MS = 5 * 60 * 1000;

/**
 * Sends what is waiting in the outbox. Each batch claims its rows with FOR UPDATE SKIP LOCKED, so
 * several workers (on several processes) send disjoint sets and no message goes out twice while its
 * transaction is alive. Without SMTP the messages stay visible in the outbox, marked `skipped`. A failed
 * send is retried later, up to five attempts. Delivery is at least once: a crash after the SMTP server
 * accepted a message but before the commit sends it again. A one-time link is created as its message
 * is sent (`bodyToSend`), in the same transaction: a message sent again carries a new link, and the
 * link of an attempt whose transaction did not commit never works.
 */
export async function sendPendingNotifications({
  transport,
  from,
  now = clockNow(),
  batchSize = 50,
}: {
  transport: Transporter | null;
  from: string;
  now?: Date;
  batchSize?: number;
}): Promise<{ sent: number; failed: number; skipped: number }> {
  const outcome = { sent: 0, failed: 0, skipped: 0 };
  await Model.knex().transaction(async (trx) => {
    const due = await Notification.query(trx)
      .where({ status: 'pending' })
      .where('sendAfter', '<=', now)
      .orderBy('sendAfter')
      .limit(batchSize)
      .forUpdate()
      .skipLocked();
    for (const notification of due) {
      if (!transport) {
        // Without a way to send it, a one-time link is never created.
        await Notification.query(trx)
          .findById(notification.id)
          .patch({ status: 'skipped', lastError: 'SMTP is not configured (SMTP_URL)' });
        outcome.skipped += 1;
        continue;
      }
      const body = await bodyToSend({ trx, notification });
      if (body === null) {
        await Notification.query(trx)
          .findById(notification.id)
          .patch({ status: 'skipped', lastError: 'its one-time link is no longer needed' });
        outcome.skipped += 1;
        continue;
      }
      try {
        await transport.sendMail({
          from,
          to: notification.recipient,
          subject: notification.subject,
          text: body.text,
          ...(body.html !== null && { html: body.html }),
          messageId: `<${notification.id}@billing>`,
        });
        await Notification.query(trx)
          .findById(notification.id)
          .patch({ status: 'sent', sentAt: now, attempts: notification.attempts + 1, lastError: null });
        outcome.sent += 1;
      } catch (error) {
        const attempts = notification.attempts + 1;
        await Notification.query(trx)
          .findById(notification.id)
          .patch({
            status: attempts >= MAX_ATTEMPTS ? 'failed' : 'pending',
            attempts,
            lastError: error instanceof Error ? error.message : String(error),
            sendAfter: new Date(now.getTime() + RETRY_DELAY_MS * attempts),
          });
        outcome.failed += 1;
      }
    }
  });
  return outcome;
}
