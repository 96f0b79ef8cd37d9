import { withAccountLock } from '../accounts/accountLock';
import { addDays } from '../calendar';
import { Plan } from '../catalog/Plan';
import { now as clockNow } from '../clock';
import { CreditGrant } from '../credits/CreditGrant';
import { eachOnItsOwn } from '../jobs/eachOnItsOwn';
import { enqueueAccountNotification } from '../notifications/outbox';
import { settings } from '../settings';
import { notifySubscriptionEvent } from './notices';
import { Subscription } from './Subscription';
import { withinJobScope, type JobScope } from '../testClocks/jobScope';

/** A subscription set to end is recalled this many days before it does. */
export const ENDING_NOTICE_DAYS = 3;
/** A yearly renewal is announced this many days ahead (monthly ones are not: the customer expects them). */
export const RENEWAL_NOTICE_DAYS = 7;
/** Bought or given credits are announced this many days before they expire. */
export const CREDIT_EXPIRY_NOTICE_DAYS = 7;
const BATCH = 500;

/**
 * The daily "expiring soon" checks: subscriptions that end soon (canceled at period end), yearly
 * renewals a week ahead, and credits about to expire. Each notice's dedupe key names the moment it
 * announces, so running the job again, or on two processes, sends each once.
 */
export async function sendExpiryReminders({
  now = clockNow(),
  ...scope
}: { now?: Date } & JobScope = {}): Promise<number> {
  const ending = await Subscription.query()
    .modify(withinJobScope('accountId', scope))
    .whereIn('status', ['active', 'trialing', 'past_due'])
    .where({ cancelAtPeriodEnd: true })
    .where('currentPeriodEnd', '>', now)
    .where('currentPeriodEnd', '<=', addDays(now, ENDING_NOTICE_DAYS))
    .limit(BATCH);
  const renewing = await Subscription.query()
    .modify(withinJobScope('subscriptions.accountId', scope))
    .joinRelated('plan')
    .where('subscriptions.status', 'active')
    .where('subscriptions.cancelAtPeriodEnd', false)
    .whereNotNull('subscriptions.stripeSubscriptionId')
    .where('plan.billingInterval', 'year')
    .where('plan.priceAmount', '>', 0)
    .where('subscriptions.currentPeriodEnd', '>', now)
    .where('subscriptions.currentPeriodEnd', '<=', addDays(now, RENEWAL_NOTICE_DAYS))
    .select('subscriptions.*')
    .limit(BATCH);
  let sent = 0;
  const remind =
    (kind: 'subscription.ending_soon' | 'subscription.renewal_reminder') =>
    async (candidate: Subscription) => {
      await withAccountLock(candidate.accountId, async ({ trx }) => {
        const subscription = await Subscription.query(trx).findById(candidate.id);
        if (!subscription?.currentPeriodEnd) return;
        const plan = await Plan.query(trx).findById(subscription.planId).throwIfNotFound();
        await notifySubscriptionEvent({
          trx,
          subscription,
          plan,
          kind,
          cause: subscription.currentPeriodEnd.toISOString(),
        });
        sent += 1;
      });
    };
  await eachOnItsOwn(ending, remind('subscription.ending_soon'));
  await eachOnItsOwn(renewing, remind('subscription.renewal_reminder'));
  sent += await remindOfExpiringCredits({ now });
  return sent;
}

/**
 * One notice per account and expiry date for credits that expire within the week and are not a plan's
 * allowance (an allowance lapses every period by design; announcing it would be noise).
 */
async function remindOfExpiringCredits({ now }: { now: Date }): Promise<number> {
  const expiring: Array<{ accountId: string; expiresAt: Date; remaining: string }> = await CreditGrant.knex()(
    CreditGrant.tableName,
  )
    .whereNot('source', 'plan_allowance')
    .where('remaining', '>', 0)
    .where('expiresAt', '>', now)
    .where('expiresAt', '<=', addDays(now, CREDIT_EXPIRY_NOTICE_DAYS))
    .groupBy('accountId', 'expiresAt')
    .select('accountId', 'expiresAt', CreditGrant.knex().raw('sum(remaining) as remaining'))
    .limit(BATCH);
  let sent = 0;
  await eachOnItsOwn(expiring, async ({ accountId, expiresAt, remaining }) => {
    sent += await enqueueAccountNotification({
      accountId,
      notice: {
        kind: 'credits.expiring',
        data: {
          credits: Number(remaining),
          expiresOn: expiresAt,
          creditsUrl: `${settings().publicUrl}/billing/credits`,
        },
      },
      dedupeKey: `credits.expiring:${accountId}:${expiresAt.toISOString()}`,
    });
  });
  return sent;
}
