import { Account } from '../accounts/Account';
import { withAccountLock } from '../accounts/accountLock';
import type { Actor } from '../auth/actor';
import { authorizeAccount } from '../auth/authorization';
import { recordAudit } from '../audit/auditLog';
import { addDays } from '../calendar';
import { now as clockNow } from '../clock';
import { CreditGrant } from '../credits/CreditGrant';
import { forgetEntitlements } from '../entitlements/entitlementProfile';
import { ConflictError, ForbiddenError, ValidationError } from '../errors';
import { faultPoint } from '../faultPoints';
import type { Logger } from '../logger';
import { Model } from 'objection';
import { settings } from '../settings';
import { createStripeCustomer } from '../stripe/customers';
import { callStripe } from '../stripe/errors';
import { SCHEDULED_CHANGE_LEAD_MS } from '../subscriptions/lifecycleJobs';
import { CURRENT_STATUSES, Subscription } from '../subscriptions/Subscription';
import { forgetAccountClocks } from './accountTime';
import { runClockedJobs } from './clockedWork';
import { applyStripeEventsOfStep } from '../webhooks/pulledEvents';
import {
  advanceStripeTestClock,
  createStripeTestClock,
  retrieveStripeTestClock,
  upcomingStripeInvoiceMoments,
} from '../stripe/testClocks';

/**
 * Test clocks for accounts (docs/decisions/051-test-clocks-for-accounts.md). An account put on a clock
 * gets its Stripe customer on a Stripe test clock, and its "now" becomes the clock's frozen time
 * everywhere in the service (server/testClocks/accountTime.ts). Advancing the clock moves Stripe and
 * the service together, stopping at every moment something is due, so that renewals, trial ends,
 * dunning and grace periods happen in the order and at the dates they would in real time.
 */

/** How far one advance may go: far enough for a year of billing, bounded so one call ends. */
const LONGEST_ADVANCE_DAYS = 2 * 366;
/** The longest single step: a month, so that monthly work with no recorded date still happens monthly. */
const LONGEST_STEP_DAYS = 31;
const TRIAL_NOTICE_DAYS = 3;
const ENDING_NOTICE_DAYS = 3;
const RENEWAL_NOTICE_DAYS = 7;

export interface AccountTestClock {
  stripeTestClockId: string;
  frozenTime: Date;
}

export function testClockOf(account: Account): AccountTestClock | null {
  if (!account.stripeTestClockId || !account.testClockTime) return null;
  return { stripeTestClockId: account.stripeTestClockId, frozenTime: account.testClockTime };
}

/**
 * Puts an account on a new Stripe test clock starting at `startAt` (now by default). Only before the
 * account has a Stripe customer: Stripe puts a customer on a clock when it is created, never later.
 * Attaching an account already on a clock returns it unchanged.
 */
export async function attachTestClock({
  actor,
  accountId,
  startAt,
}: {
  actor: Actor;
  accountId: string;
  startAt?: Date | null;
}): Promise<Account> {
  requireTestClocks();
  const account = await authorizeAccount({ actor, accountId, permission: 'testing.clock' });
  if (account.stripeTestClockId) return account;
  const start = startAt ?? clockNow();
  if (Number.isNaN(start.getTime()) || Math.abs(start.getTime() - Date.now()) > 366 * 24 * 3600 * 1000)
    throw new ValidationError('A test clock starts within a year of today.', {
      startAt: 'must be within a year of today',
    });
  if (account.stripeCustomerId)
    throw new ConflictError(
      'This account already has a Stripe customer, and Stripe puts a customer on a test clock only when ' +
        'it creates it. Create a new account and put it on a clock before its first checkout.',
      { stripeCustomerId: account.stripeCustomerId },
    );

  const clock = await createStripeTestClock({
    frozenTime: start,
    name: `${account.name} (${account.id})`,
    // A retry after a crash asks for the same start only when it was given one; otherwise it makes a new
    // clock rather than be refused for asking the first one's key with another time.
    idempotencyKey: `account-${account.id}-test-clock-at-${start.getTime()}`,
  });
  // The customer is created on the clock before the account is marked, and both are stored together
  // only if the account has no customer yet: a checkout that stored one in real time meanwhile keeps the
  // account in real time, and one that stores its customer after this finds the clock's customer stored.
  const customer = await callStripe('create the customer', () => createStripeCustomer(account, clock.id));
  await faultPoint('testClock.afterStripeCall');
  const attached = await withAccountLock(account.id, async ({ trx, account: locked }) => {
    if (locked.stripeTestClockId) return locked;
    if (locked.stripeCustomerId && locked.stripeCustomerId !== customer.id)
      throw customerMadeMeanwhile(locked.id);
    const updated = await Account.query(trx).patchAndFetchById(locked.id, {
      stripeTestClockId: clock.id,
      testClockTime: clock.frozenTime,
      stripeCustomerId: customer.id,
    });
    await recordAudit({
      trx,
      actor,
      accountId: locked.id,
      action: 'account.test_clock_attached',
      target: { type: 'account', id: locked.id },
      details: { stripeTestClockId: clock.id, frozenTime: updated.testClockTime!.toISOString() },
    });
    return updated;
  });
  forgetAccountClocks();
  return Account.query().findById(attached.id).throwIfNotFound();
}

function customerMadeMeanwhile(accountId: string): ConflictError {
  return new ConflictError(
    'This account got a Stripe customer in real time meanwhile (a checkout at the same moment), so it ' +
      'stays in real time. Create a new account and put it on a clock before its first checkout.',
    { accountId },
  );
}

/**
 * Moves an account's clock to `to`: Stripe's test clock and the service's time together, one due moment
 * at a time. At each stop Stripe does what fell due (renewals, retries), its events are applied, then
 * the service's own jobs run for the account at the clock's time. Safe to call again after a crash: it
 * starts by bringing Stripe up to the time the service had reached.
 */
export async function advanceTestClock({
  actor,
  accountId,
  to,
  logger,
}: {
  actor: Actor;
  accountId: string;
  to: Date;
  logger?: Logger;
}): Promise<Account> {
  requireTestClocks();
  const account = await authorizeAccount({ actor, accountId, permission: 'testing.clock' });
  const clock = testClockOf(account);
  if (!clock)
    throw new ConflictError('This account is not on a test clock: put it on one first.', {
      accountId: account.id,
    });
  // Stripe's clocks count whole seconds.
  const target = new Date(Math.floor(to.getTime() / 1000) * 1000);
  if (Number.isNaN(target.getTime()) || target <= clock.frozenTime)
    throw new ValidationError("A clock only moves forward: give a time after the account's current one.", {
      to: `must be after ${clock.frozenTime.toISOString()}`,
    });
  if (target > addDays(clock.frozenTime, LONGEST_ADVANCE_DAYS))
    throw new ValidationError(`One advance moves a clock at most ${LONGEST_ADVANCE_DAYS} days.`, {
      to: `must be within ${LONGEST_ADVANCE_DAYS} days of ${clock.frozenTime.toISOString()}`,
    });

  const stripeCustomerId = account.stripeCustomerId!;
  await withAdvanceLock(account.id, async () => {
    await catchUpStripe(account.id, clock.stripeTestClockId, logger);
    let current = (await Account.query().findById(account.id).throwIfNotFound()).testClockTime!;
    while (current < target) {
      const due = [
        ...(await dueMoments(account.id)),
        ...(await upcomingStripeInvoiceMoments(stripeCustomerId)),
      ];
      const stop = nextStop({ after: current, to: target, due });
      // The stop is recorded first: Stripe's events of this step, and the jobs, apply at its time.
      await Account.query().findById(account.id).patch({ testClockTime: stop });
      forgetAccountClocks();
      const step = { realStart: new Date(), clockStart: current, logger };
      await advanceStripeTestClock(clock.stripeTestClockId, stop);
      await applyStripeEventsOfStep(step);
      await runClockedJobs({ accountId: account.id, at: stop, logger });
      // What the jobs asked of Stripe (a cancellation at the grace period's end) is applied too.
      await applyStripeEventsOfStep(step);
      forgetEntitlements(account.id);
      current = stop;
    }
  });
  await recordAudit({
    actor,
    accountId: account.id,
    action: 'account.test_clock_advanced',
    target: { type: 'account', id: account.id },
    details: { from: clock.frozenTime.toISOString(), to: target.toISOString() },
  });
  return Account.query().findById(account.id).throwIfNotFound();
}

function requireTestClocks(): void {
  if (!settings().testClocks)
    throw new ForbiddenError('Test clocks exist only with the Stripe emulator or a Stripe test key.');
}

/**
 * One advance of an account at a time: a second one (another tab, another process) is refused rather
 * than interleaved. The lock is a transaction-scoped advisory lock held for the advance's duration.
 */
async function withAdvanceLock(accountId: string, work: () => Promise<void>): Promise<void> {
  await Model.knex().transaction(async (trx) => {
    const { rows } = await trx.raw<{ rows: Array<{ locked: boolean }> }>(
      `select pg_try_advisory_xact_lock(hashtext('test-clock:' || ?::text)) as locked`,
      [accountId],
    );
    if (!rows[0]?.locked)
      throw new ConflictError(
        "This account's clock is already moving. Wait for it to finish, then look again.",
      );
    await work();
  });
}

/** Where the next step stops: the first due moment after `after`, no further than `to` or a month. */
function nextStop({ after, to, due }: { after: Date; to: Date; due: Date[] }): Date {
  let stop = new Date(Math.min(to.getTime(), addDays(after, LONGEST_STEP_DAYS).getTime()));
  for (const moment of due) if (moment > after && moment < stop) stop = moment;
  // Stripe's clock has whole seconds; a stop inside the current second would not move it.
  const seconds = Math.ceil(stop.getTime() / 1000) * 1000;
  return new Date(Math.max(seconds, Math.floor(after.getTime() / 1000) * 1000 + 1000));
}

/** Every moment the account's subscriptions and credits have something due at. */
async function dueMoments(accountId: string): Promise<Date[]> {
  const subscriptions = await Subscription.query().where({ accountId }).whereIn('status', CURRENT_STATUSES);
  const moments: Array<Date | null> = [];
  for (const subscription of subscriptions) {
    const { trialEnd, currentPeriodEnd, gracePeriodEndsAt, scheduledChangeAt } = subscription;
    moments.push(trialEnd, gracePeriodEndsAt, currentPeriodEnd);
    if (trialEnd) moments.push(addDays(trialEnd, -TRIAL_NOTICE_DAYS));
    if (scheduledChangeAt) moments.push(new Date(scheduledChangeAt.getTime() - SCHEDULED_CHANGE_LEAD_MS));
    if (currentPeriodEnd)
      moments.push(
        addDays(currentPeriodEnd, -ENDING_NOTICE_DAYS),
        addDays(currentPeriodEnd, -RENEWAL_NOTICE_DAYS),
      );
  }
  const expiring = await CreditGrant.query()
    .where({ accountId })
    .where('remaining', '>', 0)
    .whereNotNull('expiresAt')
    .select('expiresAt');
  moments.push(...expiring.map((grant) => grant.expiresAt));
  return moments.filter((moment): moment is Date => moment !== null);
}

/**
 * A crash between recording a stop and moving Stripe leaves Stripe behind the service: Stripe catches
 * up first, and what it does on the way is applied.
 */
async function catchUpStripe(accountId: string, stripeTestClockId: string, logger?: Logger): Promise<void> {
  const recorded = (await Account.query().findById(accountId).throwIfNotFound()).testClockTime!;
  const stripeClock = await retrieveStripeTestClock(stripeTestClockId);
  if (stripeClock.status === 'ready' && stripeClock.frozenTime >= recorded) return;
  const step = { realStart: new Date(), clockStart: stripeClock.frozenTime, logger };
  await advanceStripeTestClock(stripeTestClockId, recorded);
  await applyStripeEventsOfStep(step);
}
