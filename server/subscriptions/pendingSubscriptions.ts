import type { Knex } from 'knex';
import type { Account } from '../accounts/Account';
import { systemActor } from '../auth/actor';
import { recordAudit } from '../audit/auditLog';
import type { Plan } from '../catalog/Plan';
import type { StripeSubscriptionState } from '../stripe/subscriptions';
import { ENDED_STATUSES } from './lifecycle';
import { Subscription, type SubscriptionStatus } from './Subscription';

const actor = systemActor('stripe webhook');
export const FIRST_PAYMENT_NEVER_COMPLETED = 'its first payment was never completed';

type SubscriptionFields = Partial<Subscription> & { status: SubscriptionStatus; endedAt: Date | null };

/**
 * A subscription whose first payment is not complete (Stripe's `incomplete`: a 3-D Secure step or a
 * payment still settling, from our Checkout or created elsewhere for our customer) is recorded as it
 * is, but does not replace the account's current subscription: nothing is given before it is paid. Its
 * invoices and failed attempts are recorded against it meanwhile. When it goes live, the caller makes it
 * the account's (or settles it as an extra one); when Stripe gives up on it (`incomplete_expired`), it is
 * recorded expired, starting when it ended, since it never was the account's (revenue history never
 * counts it), and the account keeps what it had. Returns true when it applied the state, false when
 * the subscription goes live (or was never pending) and the caller applies it.
 */
export async function applyPendingSubscription({
  trx,
  account,
  state,
  plan,
  fields,
  existing,
}: {
  trx: Knex.Transaction;
  account: Account;
  state: StripeSubscriptionState;
  plan: Plan;
  fields: SubscriptionFields;
  existing: Subscription | undefined;
}): Promise<boolean> {
  if (!existing && fields.status === 'incomplete') {
    const pending = await Subscription.query(trx).insertAndFetch({
      accountId: account.id,
      stripeSubscriptionId: state.stripeSubscriptionId,
      startedAt: state.startedAt,
      ...fields,
    });
    await audit({ trx, account, subscription: pending, action: 'subscription.pending', plan });
    return true;
  }
  if (existing?.status !== 'incomplete') return false;
  if (fields.status === 'incomplete') {
    await Subscription.query(trx).findById(existing.id).patch(fields);
    return true;
  }
  if (!ENDED_STATUSES.includes(fields.status)) return false;
  await Subscription.query(trx)
    .findById(existing.id)
    .patch({
      ...fields,
      startedAt: fields.endedAt!,
      cancellationReason: FIRST_PAYMENT_NEVER_COMPLETED,
    });
  await audit({ trx, account, subscription: existing, action: 'subscription.pending_expired', plan });
  return true;
}

async function audit({
  trx,
  account,
  subscription,
  action,
  plan,
}: {
  trx: Knex.Transaction;
  account: Account;
  subscription: Subscription;
  action: string;
  plan: Plan;
}) {
  await recordAudit({
    trx,
    actor,
    accountId: account.id,
    action,
    target: { type: 'subscription', id: subscription.id },
    details: { plan: plan.key, stripeSubscriptionId: subscription.stripeSubscriptionId },
  });
}
