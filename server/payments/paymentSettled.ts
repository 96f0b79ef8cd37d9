import type { Knex } from 'knex';
import { Plan } from '../catalog/Plan';
import { Invoice } from '../invoices/Invoice';
import { enqueueAccountNotification } from '../notifications/outbox';
import { recordPaymentOutcome } from '../partnerWebhooks/events';
import { settings } from '../settings';
import { Subscription } from '../subscriptions/Subscription';
import type { Payment } from './Payment';

/**
 * What follows a payment's change of status, in its transaction: the partner event
 * (`payment.succeeded` / `payment.failed`) and, once it completes, the customer's receipt (for credits,
 * the confirmation of what they bought). Each is keyed by the payment, so a webhook delivered twice or a
 * late retry sends one.
 */
export async function recordPaymentSettled({
  trx,
  before,
  after,
  receipt = true,
}: {
  trx: Knex.Transaction;
  before: Payment | null | undefined;
  after: Payment;
  receipt?: boolean;
}): Promise<void> {
  await recordPaymentOutcome({ trx, before, after });
  const completedNow =
    after.type !== 'refund' &&
    after.status === 'completed' &&
    before?.status !== 'completed' &&
    before?.status !== 'refunded';
  if (completedNow && receipt) await sendReceipt({ trx, payment: after });
}

async function sendReceipt({ trx, payment }: { trx: Knex.Transaction; payment: Payment }): Promise<void> {
  const site = settings().publicUrl;
  const dedupeKey = `receipt:${payment.id}`;
  if (payment.type === 'credit_top_up') {
    await enqueueAccountNotification({
      trx,
      accountId: payment.accountId,
      notice: {
        kind: 'credits.purchased',
        data: {
          credits: payment.credits ?? 0,
          amount: payment.amount,
          currency: payment.currency,
          automatic: payment.automatic,
          creditsUrl: `${site}/billing/credits`,
        },
      },
      dedupeKey,
    });
    return;
  }
  const invoice = payment.invoiceId ? await Invoice.query(trx).findById(payment.invoiceId) : undefined;
  await enqueueAccountNotification({
    trx,
    accountId: payment.accountId,
    notice: {
      kind: 'payment.receipt',
      data: {
        description: await describe({ trx, payment }),
        amount: payment.amount,
        currency: payment.currency,
        paidAt: payment.completedAt ?? payment.updatedAt,
        invoiceNumber: invoice?.number ?? null,
        invoiceUrl: invoice?.hostedInvoiceUrl ?? null,
        billingUrl: `${site}/billing/invoices`,
      },
    },
    dedupeKey,
  });
}

/** "Pro subscription" when the plan is known, else what the payment itself says. */
async function describe({ trx, payment }: { trx: Knex.Transaction; payment: Payment }): Promise<string> {
  const planId =
    payment.planId ??
    (payment.subscriptionId
      ? (await Subscription.query(trx).findById(payment.subscriptionId))?.planId
      : undefined);
  const plan = planId ? await Plan.query(trx).findById(planId) : undefined;
  return plan ? `${plan.name} subscription` : (payment.description ?? 'Your payment');
}
