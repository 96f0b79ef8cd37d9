import type { PartialModelObject } from 'objection';
import { withAccountLock } from '../accounts/accountLock';
import type { Actor } from '../auth/actor';
import { recordAudit } from '../audit/auditLog';
import { syncSubscriptionFromStripe } from './stripeSubscriptionSync';
import { Subscription } from './Subscription';
import { recordSubscriptionEvent } from '../partnerWebhooks/events';

/**
 * Records a change to a subscription whose Stripe side, if it has one, was changed already: under the
 * account's lock, our row takes the change and then Stripe's state of it, and the audit log says who
 * did what, all in one transaction.
 */
export async function recordSubscriptionChange({
  actor,
  subscription,
  patch,
  audit,
}: {
  actor: Actor;
  subscription: Pick<Subscription, 'id' | 'accountId' | 'stripeSubscriptionId'>;
  patch: PartialModelObject<Subscription>;
  audit: { action: string; reason?: string; details?: Record<string, unknown> };
}): Promise<void> {
  const { stripeSubscriptionId } = subscription;
  await withAccountLock(subscription.accountId, async ({ trx, account }) => {
    const before = await Subscription.query(trx).findById(subscription.id).throwIfNotFound();
    const after = await Subscription.query(trx).patchAndFetchById(subscription.id, patch);
    await recordSubscriptionEvent({ trx, before, after });
    if (stripeSubscriptionId) await syncSubscriptionFromStripe({ trx, account, stripeSubscriptionId });
    await recordAudit({
      trx,
      actor,
      accountId: account.id,
      target: { type: 'subscription', id: subscription.id },
      ...audit,
    });
  });
}
