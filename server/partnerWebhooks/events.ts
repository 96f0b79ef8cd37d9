import type { Knex } from 'knex';
import { Account } from '../accounts/Account';
import { Plan } from '../catalog/Plan';
import { CreditPackage } from '../catalog/CreditPackage';
import type { CheckoutSession } from '../checkout/CheckoutSession';
import { now } from '../clock';
import type { AutoTopUpSettings } from '../credits/AutoTopUpSettings';
import type { CreditGrant } from '../credits/CreditGrant';
import type { CreditLedgerEntry } from '../credits/CreditLedgerEntry';
import type { EntitlementCheck } from '../entitlements/evaluate';
import type { Invoice } from '../invoices/Invoice';
import type { Payment } from '../payments/Payment';
import { scheduledChangeOf } from '../subscriptions/scheduledChange';
import type { Subscription } from '../subscriptions/Subscription';
import type { PartnerEventType } from './eventTypes';
import { PartnerEvent } from './models';
import { wakeDeliveryAfterCommit } from './wakeUp';

/**
 * Writes an event to the partner outbox in the caller's transaction, so it exists exactly when the
 * change it describes does. Events of one account are numbered 1, 2, 3... under the account's row of
 * `partner_event_sequences`, locked until the caller commits, so the numbers follow the order in which
 * the changes committed. A `dedupeKey` naming the cause (an invoice, a checkout, a Stripe attempt)
 * makes a repeat of it (a webhook delivered twice, a job run twice) write nothing.
 *
 * The account's credit balance row is locked first: the credit ledger locks it before it writes events
 * (credits granted, a low balance), and a transaction that writes an event and then grants credits (a
 * subscription starting with its allowance) must take the two rows in the same order, or the two would
 * deadlock.
 */
export async function recordPartnerEvent({
  trx,
  accountId,
  type,
  payload,
  dedupeKey,
}: {
  trx: Knex.Transaction;
  accountId: string;
  type: PartnerEventType;
  payload: Record<string, unknown>;
  dedupeKey?: string;
}): Promise<PartnerEvent | null> {
  await trx('creditBalances').where({ accountId }).forUpdate().select('accountId');
  await trx('partnerEventSequences').insert({ accountId }).onConflict('accountId').ignore();
  const counter = await trx('partnerEventSequences').where({ accountId }).forUpdate().first();
  if (dedupeKey && (await PartnerEvent.query(trx).findOne({ dedupeKey }))) return null;
  const sequence = Number(counter.lastSequence) + 1;
  await trx('partnerEventSequences').where({ accountId }).update({ lastSequence: sequence });
  const account = await Account.query(trx).findById(accountId).select('externalId').throwIfNotFound();
  wakeDeliveryAfterCommit(trx);
  return PartnerEvent.query(trx).insertAndFetch({
    accountId,
    accountExternalId: account.externalId,
    sequence,
    type,
    payload,
    dedupeKey: dedupeKey ?? null,
    createdAt: now(),
  });
}

const iso = (date: Date | null | undefined) => (date ? new Date(date).toISOString() : null);
const upper = (value: string) => value.toUpperCase();

/** A subscription as `BillingSubscription` shows it. */
export async function subscriptionPayload({
  trx,
  subscription,
}: {
  trx: Knex.Transaction;
  subscription: Subscription;
}): Promise<Record<string, unknown>> {
  const plan = await Plan.query(trx).findById(subscription.planId).throwIfNotFound();
  return {
    id: subscription.id,
    status: upper(subscription.status),
    plan: { key: plan.key, version: plan.version, name: plan.name },
    quantity: subscription.quantity,
    currentPeriodStart: iso(subscription.currentPeriodStart),
    currentPeriodEnd: iso(subscription.currentPeriodEnd),
    trialEnd: iso(subscription.trialEnd),
    cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
    canceledAt: iso(subscription.canceledAt),
    endedAt: iso(subscription.endedAt),
    scheduledChange: await scheduledChangePayload({ trx, subscription }),
  };
}

/** The change waiting for the period end (a downgrade, fewer seats), as `ScheduledChange` shows it. */
async function scheduledChangePayload({
  trx,
  subscription,
}: {
  trx: Knex.Transaction;
  subscription: Subscription;
}): Promise<Record<string, unknown> | null> {
  const change = scheduledChangeOf(subscription);
  if (!change) return null;
  const plan = await Plan.query(trx).findById(change.planId).throwIfNotFound();
  return {
    plan: { key: plan.key, version: plan.version, name: plan.name },
    quantity: change.quantity,
    effectiveAt: iso(change.effectiveAt),
  };
}

const ENDED = ['canceled', 'expired'];

/**
 * The event a subscription's change makes, if partners would see a difference: `subscription.created`
 * for a new one, `subscription.canceled` when it ends, `subscription.updated` when anything the payload
 * shows changed. Applying the same state twice (a duplicate or a replayed Stripe event, which re-fetch
 * the same state) changes nothing, so it writes nothing.
 *
 * Beside `subscription.created` and `subscription.updated` come the lifecycle events naming what the
 * change was (`lifecycleEventsOf`), so a partner listening for one moment need not diff states. They are
 * read from `before` (the row as it stood under the account's lock) and `after`, so they too are written
 * once per real transition, whichever writer made it and however often Stripe tells of it.
 */
export async function recordSubscriptionEvent({
  trx,
  before,
  after,
}: {
  trx: Knex.Transaction;
  before: Subscription | null | undefined;
  after: Subscription;
}): Promise<void> {
  const payload = await subscriptionPayload({ trx, subscription: after });
  const record = (type: PartnerEventType, data = payload, dedupeKey?: string) =>
    recordPartnerEvent({ trx, accountId: after.accountId, type, payload: data, dedupeKey });
  if (!before) {
    await record('subscription.created', payload, `subscription.created:${after.id}`);
    if (after.status === 'trialing')
      await record('subscription.trial_started', payload, `subscription.trial_started:${after.id}`);
    return;
  }
  const ended = ENDED.includes(after.status) && !ENDED.includes(before.status);
  if (ended) {
    await record('subscription.canceled', payload, `subscription.canceled:${after.id}`);
    return;
  }
  const previous = await subscriptionPayload({ trx, subscription: before });
  if (JSON.stringify(previous) === JSON.stringify(payload)) return;
  await record('subscription.updated');
  for (const type of lifecycleEventsOf({ before, after })) {
    if (type === 'subscription.plan_changed') await record(type, { ...payload, previousPlan: previous.plan });
    else await record(type);
  }
}

/** What a live subscription's change was, in the order partners hear of it; usually nothing. */
export function lifecycleEventsOf({
  before,
  after,
}: {
  before: Subscription;
  after: Subscription;
}): PartnerEventType[] {
  const became = (status: Subscription['status']) => after.status === status && before.status !== status;
  const scheduled = (subscription: Subscription) => [
    subscription.scheduledPlanId,
    subscription.scheduledQuantity,
    subscription.scheduledChangeAt?.getTime(),
  ];
  const types: PartnerEventType[] = [];
  if (became('trialing')) types.push('subscription.trial_started');
  if (became('active')) types.push('subscription.activated');
  if (became('past_due')) types.push('subscription.past_due');
  const unpaused = before.status === 'paused' && after.status !== 'paused';
  const cancellationTakenBack = before.cancelAtPeriodEnd && !after.cancelAtPeriodEnd;
  if (unpaused || cancellationTakenBack) types.push('subscription.resumed');
  if (before.planId !== after.planId) types.push('subscription.plan_changed');
  const newSchedule =
    after.scheduledChangeAt !== null &&
    JSON.stringify(scheduled(after)) !== JSON.stringify(scheduled(before));
  if (newSchedule || (after.cancelAtPeriodEnd && !before.cancelAtPeriodEnd))
    types.push('subscription.change_scheduled');
  return types;
}

/**
 * `subscription.trial_ending`, a few days before a trial ends: Stripe's warning for the trials it runs,
 * our job's for trials without a card. Once per trial end (a trial extended is warned of again).
 */
export async function recordTrialEnding({
  trx,
  subscription,
}: {
  trx: Knex.Transaction;
  subscription: Subscription;
}): Promise<void> {
  await recordPartnerEvent({
    trx,
    accountId: subscription.accountId,
    type: 'subscription.trial_ending',
    payload: await subscriptionPayload({ trx, subscription }),
    dedupeKey: `subscription.trial_ending:${subscription.id}:${iso(subscription.trialEnd)}`,
  });
}

/**
 * `checkout.completed` or `checkout.expired`, once per Checkout: paid, or closed unpaid (by Stripe when
 * it timed out or its delayed payment failed, or here when a new Checkout replaced it).
 */
export async function recordCheckoutClosed({
  trx,
  checkout,
  status,
}: {
  trx: Knex.Transaction;
  checkout: CheckoutSession;
  status: 'completed' | 'expired';
}): Promise<void> {
  const plan = checkout.planId ? await Plan.query(trx).findById(checkout.planId) : undefined;
  const creditPackage = checkout.creditPackageId
    ? await CreditPackage.query(trx).findById(checkout.creditPackageId)
    : undefined;
  const type = status === 'completed' ? 'checkout.completed' : 'checkout.expired';
  await recordPartnerEvent({
    trx,
    accountId: checkout.accountId,
    type,
    dedupeKey: `${type}:${checkout.id}`,
    payload: {
      id: checkout.id,
      purpose: upper(checkout.purpose),
      status: upper(status),
      plan: plan ? { key: plan.key, version: plan.version, name: plan.name } : null,
      quantity: checkout.quantity,
      creditPackage: creditPackage
        ? {
            key: creditPackage.key,
            credits: creditPackage.credits,
            price: { amount: creditPackage.priceAmount, currency: creditPackage.currency },
          }
        : null,
      completedAt: status === 'completed' ? iso(now()) : null,
    },
  });
}

/** An invoice as `Invoice` shows it, amounts in minor units of its currency. */
export function invoicePayload(invoice: Invoice): Record<string, unknown> {
  const money = (amount: number) => ({ amount, currency: invoice.currency });
  return {
    id: invoice.id,
    number: invoice.number,
    status: upper(invoice.status),
    subscriptionId: invoice.subscriptionId,
    total: money(invoice.total),
    amountPaid: money(invoice.amountPaid),
    amountDue: money(invoice.amountDue),
    periodStart: iso(invoice.periodStart),
    periodEnd: iso(invoice.periodEnd),
    paidAt: iso(invoice.paidAt),
    hostedInvoiceUrl: invoice.hostedInvoiceUrl,
  };
}

/**
 * The events of an invoice's mirror moving from `before` (absent the first time we see it) to `after`:
 * `invoice.created` the first time, `invoice.finalized` when it leaves (or was never seen as) a draft,
 * then `invoice.paid` or `invoice.voided`. Each is unique by the invoice, so an invoice first seen late,
 * already paid, tells all three in order, and a duplicate or reordered Stripe event tells nothing again.
 */
export async function recordInvoiceEvents({
  trx,
  before,
  after,
}: {
  trx: Knex.Transaction;
  before: Invoice | undefined;
  after: Invoice;
}): Promise<void> {
  const types: PartnerEventType[] = [];
  if (!before) types.push('invoice.created');
  if (after.status !== 'draft' && (!before || before.status === 'draft')) types.push('invoice.finalized');
  if (after.status === 'paid' && before?.status !== 'paid') types.push('invoice.paid');
  if (after.status === 'void' && before?.status !== 'void') types.push('invoice.voided');
  for (const type of types)
    await recordPartnerEvent({
      trx,
      accountId: after.accountId,
      type,
      payload: invoicePayload(after),
      dedupeKey: `${type}:${after.id}`,
    });
}

/** An account as `Account` shows it. */
export function accountPayload(account: Account): Record<string, unknown> {
  return {
    id: account.id,
    externalId: account.externalId,
    name: account.name,
    billingEmail: account.billingEmail,
    currency: account.currency,
    createdAt: iso(account.createdAt),
  };
}

/**
 * `account.created`, once per account, in the transaction that made it (before its subscription's
 * event); `account.updated` when what it shows changed (its name or billing email): the callers compare
 * under the account's lock, so a repeated call or Stripe event that changes nothing writes none.
 */
export async function recordAccountEvent({
  trx,
  account,
  type,
}: {
  trx: Knex.Transaction;
  account: Account;
  type: 'account.created' | 'account.updated';
}): Promise<void> {
  await recordPartnerEvent({
    trx,
    accountId: account.id,
    type,
    dedupeKey: type === 'account.created' ? `account.created:${account.id}` : undefined,
    payload: accountPayload(account),
  });
}

/** A payment as `Payment` shows it, amounts in minor units of its currency. */
function paymentPayload(payment: Payment): Record<string, unknown> {
  const money = (amount: number) => ({ amount, currency: payment.currency });
  return {
    id: payment.id,
    type: upper(payment.type),
    status: upper(payment.status),
    amount: money(payment.amount),
    amountRefunded: money(payment.amountRefunded),
    description: payment.description,
    milliCredits: payment.credits,
    invoiceId: payment.invoiceId,
    subscriptionId: payment.subscriptionId,
    automatic: payment.automatic,
    failureReason: payment.failureReason,
    completedAt: iso(payment.completedAt),
  };
}

/**
 * `payment.succeeded` when a charge's row first becomes completed, `payment.failed` when it first
 * becomes failed (an invoice's later failed attempts are its `invoice.payment_failed`). Called by each
 * writer of a charge with the row as it was under its lock; unique by the payment, so a writer that runs
 * again writes nothing. Refunds have their own events.
 */
export async function recordPaymentOutcome({
  trx,
  before,
  after,
}: {
  trx: Knex.Transaction;
  before: Payment | null | undefined;
  after: Payment;
}): Promise<void> {
  if (after.type === 'refund') return;
  const type =
    after.status === 'completed' && before?.status !== 'completed'
      ? 'payment.succeeded'
      : after.status === 'failed' && before?.status !== 'failed'
        ? 'payment.failed'
        : null;
  if (!type || before?.status === 'refunded') return;
  await recordPartnerEvent({
    trx,
    accountId: after.accountId,
    type,
    payload: paymentPayload(after),
    dedupeKey: `${type}:${after.id}`,
  });
}

/**
 * `payment.refunded` or `payment.refund_failed`, once per Stripe refund and outcome: the refund, and the
 * payment it paid back as it stands after it (its refunded amount, REFUNDED once refunded in full).
 */
export async function recordRefundEvent({
  trx,
  type,
  payment,
  refund,
}: {
  trx: Knex.Transaction;
  type: 'payment.refunded' | 'payment.refund_failed';
  /** The original payment, read after the refund was applied to it. */
  payment: Payment;
  /** The refund's own row. */
  refund: Payment;
}): Promise<void> {
  await recordPartnerEvent({
    trx,
    accountId: payment.accountId,
    type,
    dedupeKey: `${type}:${refund.stripeRefundId ?? refund.id}`,
    payload: {
      refund: {
        id: refund.id,
        status: upper(refund.status),
        amount: { amount: refund.amount, currency: refund.currency },
        failureReason: refund.failureReason,
        stripeRefundId: refund.stripeRefundId,
        completedAt: iso(refund.completedAt),
      },
      payment: paymentPayload(payment),
    },
  });
}

/** `credits.granted`, once per grant, with the balance after it (milli-credits). */
export async function recordCreditsGranted({
  trx,
  grant,
  balanceAfter,
}: {
  trx: Knex.Transaction;
  grant: CreditGrant;
  balanceAfter: number;
}): Promise<void> {
  await recordPartnerEvent({
    trx,
    accountId: grant.accountId,
    type: 'credits.granted',
    dedupeKey: `credits.granted:${grant.id}`,
    payload: {
      grant: {
        id: grant.id,
        source: upper(grant.source),
        amountMilliCredits: grant.amount,
        priority: grant.priority,
        expiresAt: iso(grant.expiresAt),
        description: grant.description,
        paymentId: grant.paymentId,
        subscriptionId: grant.subscriptionId,
        createdAt: iso(grant.createdAt),
      },
      balanceMilliCredits: balanceAfter,
    },
  });
}

/** `credits.low_balance`, written with the customer's notice (so under the same cooldown). */
export async function recordLowBalance({
  trx,
  accountId,
  balance,
  threshold,
  at,
}: {
  trx: Knex.Transaction;
  accountId: string;
  balance: number;
  threshold: number;
  at: Date;
}): Promise<void> {
  await recordPartnerEvent({
    trx,
    accountId,
    type: 'credits.low_balance',
    dedupeKey: `credits.low_balance:${accountId}:${at.toISOString()}`,
    payload: { balanceMilliCredits: balance, thresholdMilliCredits: threshold },
  });
}

/**
 * How an automatic top-up ended, once per payment (settling it happens once, under the payment's lock):
 * `credits.auto_top_up_succeeded` or `credits.auto_top_up_failed`, and `credits.auto_top_up_disabled`
 * when that failure switched automatic top-up off.
 */
export async function recordAutoTopUpSettled({
  trx,
  payment,
  settings,
  switchedOff,
}: {
  trx: Knex.Transaction;
  payment: Payment;
  settings: AutoTopUpSettings;
  switchedOff: boolean;
}): Promise<void> {
  const payload = {
    payment: paymentPayload(payment),
    autoTopUp: {
      enabled: settings.enabled,
      thresholdMilliCredits: settings.threshold,
      consecutiveFailures: settings.consecutiveFailures,
      disabledReason: settings.disabledReason,
    },
  };
  const types: PartnerEventType[] = [
    payment.status === 'completed' ? 'credits.auto_top_up_succeeded' : 'credits.auto_top_up_failed',
    ...(switchedOff ? (['credits.auto_top_up_disabled'] as const) : []),
  ];
  for (const type of types)
    await recordPartnerEvent({
      trx,
      accountId: payment.accountId,
      type,
      payload,
      dedupeKey: `${type}:${payment.id}`,
    });
}

/**
 * `credits.depleted`, when consumptions took the balance from above zero to zero; once per emptying
 * (named by the ledger entry that did it), detected under the balance's lock without a query of its own.
 */
export async function recordCreditsDepleted({
  trx,
  accountId,
  entry,
}: {
  trx: Knex.Transaction;
  accountId: string;
  entry: CreditLedgerEntry;
}): Promise<void> {
  await recordPartnerEvent({
    trx,
    accountId,
    type: 'credits.depleted',
    dedupeKey: `credits.depleted:${entry.id}`,
    payload: { balanceMilliCredits: 0, ledgerEntryId: entry.id, depletedAt: iso(entry.createdAt) },
  });
}

/**
 * `entitlement.soft_limit_reached` or `entitlement.limit_reached`, with the check as `Entitlement` shows
 * it; the caller rate-limits them (once a day per account and feature, softLimits.ts).
 */
export async function recordEntitlementEvent({
  trx,
  accountId,
  type,
  check,
  at,
}: {
  trx: Knex.Transaction;
  accountId: string;
  type: 'entitlement.soft_limit_reached' | 'entitlement.limit_reached';
  check: EntitlementCheck;
  at: Date;
}): Promise<void> {
  await recordPartnerEvent({
    trx,
    accountId,
    type,
    dedupeKey: `${type}:${accountId}:${check.featureKey}:${at.toISOString()}`,
    payload: {
      featureKey: check.featureKey,
      kind: check.kind ? upper(check.kind) : null,
      allowed: check.allowed,
      limit: check.limit,
      used: check.used,
      remaining: check.remaining,
      softLimitPercent: check.softLimitPercent,
      plan: { key: check.plan.key, version: check.plan.version, name: check.plan.name },
      periodStart: iso(check.periodStart),
      periodEnd: iso(check.periodEnd),
    },
  });
}
