import { z } from 'zod';
import { withAccountLock } from '../accounts/accountLock';
import { Account } from '../accounts/Account';
import type { Actor } from '../auth/actor';
import { requireCatalogManager } from '../auth/authorization';
import { recordAudit } from '../audit/auditLog';
import { Plan } from '../catalog/Plan';
import { ValidationError } from '../errors';
import { previewStripeSubscriptionChange } from '../stripe/subscriptions';
import { parseInput } from '../validation';
import { notifySubscriptionEvent } from './notices';
import { carryOutPlanChange } from './decidedPlanChange';
import { Subscription } from './Subscription';

/**
 * Moving the subscribers of one plan version to another (decision 036): at their next renewal through
 * the scheduled change the lifecycle job applies, or now through the same prorated Stripe change as an
 * upgrade. Each subscriber is moved on its own, so one failure leaves the others moved, and a run that
 * is repeated finds the moved ones no longer on the old version: it is resumable and never moves twice.
 */

const migrationInput = z.object({
  fromPlanId: z.string().uuid('is not a plan id'),
  toPlanId: z.string().uuid('is not a plan id'),
  timing: z.enum(['at_renewal', 'now']),
});

export type MigrationTiming = 'at_renewal' | 'now';

export interface MigrationSubscriber {
  accountId: string;
  accountName: string;
  subscriptionId: string;
  seats: number;
  currentPrice: number;
  newPrice: number;
  /** The new price less the current one, per period, for every seat held. */
  periodDifference: number;
  /**
   * For a move now: what Stripe would invoice at once (negative is a credit), as its upcoming-invoice
   * preview computes it; null at renewal, during a trial (nothing is due), or when Stripe could not say.
   */
  amountDueNow: number | null;
  effectiveAt: Date | null;
}

export interface MigrationOutcome extends MigrationSubscriber {
  outcome: 'migrated' | 'scheduled' | 'skipped' | 'failed';
  reason: string | null;
}

const MIGRATING_STATUSES = ['trialing', 'active', 'past_due'] as const;

async function planMigration({ actor, ...input }: { actor: Actor } & z.input<typeof migrationInput>) {
  requireCatalogManager(actor);
  const { fromPlanId, toPlanId, timing } = parseInput(migrationInput, input);
  const from = await Plan.query().findById(fromPlanId);
  if (!from) throw ValidationError.forField('fromPlanId', 'is not a plan');
  const to = await Plan.query().findById(toPlanId);
  if (!to) throw ValidationError.forField('toPlanId', 'is not a plan');
  if (to.id === from.id) throw ValidationError.forField('toPlanId', 'is the version being migrated from');
  if (to.status !== 'published') throw ValidationError.forField('toPlanId', `is ${to.status}, not published`);
  if (!to.stripePriceId || to.isDefault || to.billingInterval === 'lifetime')
    throw ValidationError.forField('toPlanId', 'is not a recurring paid plan');
  if (to.currency !== from.currency) throw ValidationError.forField('toPlanId', `is not in ${from.currency}`);
  if (to.billingInterval !== from.billingInterval)
    throw ValidationError.forField('toPlanId', `is not billed every ${from.billingInterval}`);
  if (to.perSeat !== from.perSeat)
    throw ValidationError.forField('toPlanId', from.perSeat ? 'is not per seat' : 'is per seat');
  const subscriptions = await Subscription.query()
    .where({ planId: from.id })
    .whereIn('status', MIGRATING_STATUSES)
    .whereNotNull('stripeSubscriptionId')
    .orderBy('createdAt');
  const accounts = new Map(
    (await Account.query().findByIds(subscriptions.map((subscription) => subscription.accountId))).map(
      (account) => [account.id, account],
    ),
  );
  const subscribers = subscriptions.map((subscription) => ({
    subscription,
    account: accounts.get(subscription.accountId)!,
    row: {
      accountId: subscription.accountId,
      accountName: accounts.get(subscription.accountId)?.name ?? '',
      subscriptionId: subscription.id,
      seats: subscription.quantity,
      currentPrice: from.priceAmount * subscription.quantity,
      newPrice: to.priceAmount * subscription.quantity,
      periodDifference: (to.priceAmount - from.priceAmount) * subscription.quantity,
      effectiveAt: timing === 'now' ? null : subscription.currentPeriodEnd,
      amountDueNow: null as number | null,
    },
  }));
  return { from, to, timing, subscribers };
}

/** Who a migration would move, and by how much each one's price per period would change. */
export async function previewPlanVersionMigration(
  args: { actor: Actor } & z.input<typeof migrationInput>,
): Promise<{ currency: string; subscribers: MigrationSubscriber[] }> {
  const { from, to, timing, subscribers } = await planMigration(args);
  if (timing === 'now') {
    for (const { subscription, account, row } of subscribers) {
      if (subscription.status === 'trialing') {
        row.amountDueNow = 0;
        continue;
      }
      row.amountDueNow = await previewStripeSubscriptionChange({
        stripeSubscriptionId: subscription.stripeSubscriptionId!,
        stripeCustomerId: account.stripeCustomerId!,
        priceId: to.stripePriceId!,
        quantity: subscription.quantity,
        prorationBehavior: 'always_invoice',
      }).then(
        (preview) => preview.amountDue,
        // One subscriber Stripe cannot preview leaves the others' amounts and the per-period difference.
        () => null,
      );
    }
  }
  return { currency: from.currency, subscribers: subscribers.map(({ row }) => row) };
}

/** Moves every current subscriber of `fromPlanId` to `toPlanId`, each on its own, and reports each one. */
export async function migratePlanVersionSubscribers(
  args: { actor: Actor } & z.input<typeof migrationInput>,
): Promise<{ currency: string; results: MigrationOutcome[] }> {
  const { actor } = args;
  const { from, to, timing, subscribers } = await planMigration(args);
  const results: MigrationOutcome[] = [];
  for (const { subscription, row } of subscribers) {
    try {
      // A change the customer chose (leaving, a downgrade) is theirs: a move neither replaces it now
      // (an upgrade-like change would clear a scheduled downgrade) nor at renewal.
      if (subscription.cancelAtPeriodEnd) {
        results.push({ ...row, outcome: 'skipped', reason: 'ends at the end of its period' });
        continue;
      }
      if (subscription.scheduledChangeAt && subscription.scheduledPlanId !== to.id) {
        results.push({ ...row, outcome: 'skipped', reason: 'has another change scheduled' });
        continue;
      }
      if (timing === 'at_renewal') {
        if (subscription.scheduledPlanId === to.id) {
          results.push({ ...row, outcome: 'scheduled', reason: null });
          continue;
        }
        if (!subscription.currentPeriodEnd) {
          results.push({ ...row, outcome: 'skipped', reason: 'has no period end' });
          continue;
        }
        await withAccountLock(subscription.accountId, async ({ trx }) => {
          await Subscription.query(trx).findById(subscription.id).patch({
            scheduledPlanId: to.id,
            scheduledQuantity: subscription.quantity,
            scheduledChangeAt: subscription.currentPeriodEnd,
          });
          await recordAudit({
            trx,
            actor,
            accountId: subscription.accountId,
            action: 'subscription.migration_scheduled',
            target: { type: 'subscription', id: subscription.id },
            details: { from: from.id, to: to.id, effectiveAt: subscription.currentPeriodEnd },
          });
          // Told now, so the customer knows the new price before the renewal charges it; the plan
          // change itself is told again when Stripe applies it.
          await notifySubscriptionEvent({ trx, subscription, plan: to, kind: 'plan_change_scheduled' });
        });
        results.push({ ...row, outcome: 'scheduled', reason: null });
      } else {
        // The same prorated change as an upgrade, whatever the price difference: the operator chose
        // "now", so the customer is charged or credited for the rest of the period at once.
        await carryOutPlanChange({
          actor,
          attempt: null,
          decide: async () => ({
            accountId: subscription.accountId,
            subscriptionId: subscription.id,
            stripeSubscriptionId: subscription.stripeSubscriptionId!,
            kind: 'upgrade',
            from: { planKey: from.key, seats: subscription.quantity },
            to: {
              planId: to.id,
              planKey: to.key,
              stripePriceId: to.stripePriceId,
              isDefault: false,
              seats: subscription.quantity,
            },
            prorationDate: null,
            periodEnd: subscription.currentPeriodEnd?.toISOString() ?? null,
            // The same on every retry, so Stripe makes the change once.
            keyWithoutRequest: `plan-migration-${subscription.id}-${from.id}-${to.id}`,
          }),
        });
        results.push({ ...row, outcome: 'migrated', reason: null });
      }
    } catch (error) {
      results.push({
        ...row,
        outcome: 'failed',
        reason: error instanceof Error ? error.message : 'failed',
      });
    }
  }
  return { currency: from.currency, results };
}
