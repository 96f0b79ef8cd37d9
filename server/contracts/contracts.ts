import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { Account } from '../accounts/Account';
import { withAccountLock } from '../accounts/accountLock';
import type { Actor } from '../auth/actor';
import { requirePlatformAdmin } from '../auth/authorization';
import { recordAudit } from '../audit/auditLog';
import { now } from '../clock';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { faultPoint } from '../faultPoints';
import {
  currentAttempt,
  decideOnce,
  withIdempotency,
  type IdempotentAttempt,
} from '../idempotency/idempotentRequests';
import {
  createContractPrice,
  ensureContractSubscription,
  hasDefaultCard,
  type ContractTerms,
} from '../stripe/contracts';
import { ensureStripeCustomer } from '../stripe/customers';
import { callStripe, isCardRefusal } from '../stripe/errors';
import { findCurrentSubscription } from '../subscriptions/currentSubscription';
import { isPaidSubscription, syncSubscriptionFromStripe } from '../subscriptions/stripeSubscriptionSync';
import { parseInput } from '../validation';
import { Contract } from './Contract';
import { checkContractTerms, contractInput, type CheckedTerms } from './contractTerms';

/**
 * Puts an account on a custom contract (docs/decisions/039-custom-contracts.md): the terms are checked,
 * the contract is written `pending`, then Stripe gets its own price and a subscription on it, and the
 * subscription is applied here as a webhook would apply it, which makes the contract the account's plan.
 *
 * Crash-safe and idempotent (decision 017): the contract's id is decided once per request, and every
 * Stripe call is keyed by it, so a retry resumes the same contract and never makes a second
 * subscription. The same terms sent again without a key resume a contract left pending.
 */
export async function createContract({
  actor,
  attempt = currentAttempt(),
  ...raw
}: { actor: Actor; attempt?: IdempotentAttempt | null } & Record<string, unknown>): Promise<{
  contractId: string;
}> {
  requirePlatformAdmin(actor);
  const input = parseInput(contractInput, raw);
  const account = await Account.query().findById(input.accountId);
  if (!account) throw new NotFoundError('Account');
  const terms = await checkContractTerms({ input, account });
  if (
    terms.collectionMethod === 'charge_automatically' &&
    !(account.stripeCustomerId && (await hasDefaultCard(account.stripeCustomerId)))
  )
    throw ValidationError.forField(
      'billing',
      'the customer has no saved card; bill by invoice, or ask them to add a card first',
    );

  const proposedId = await decideOnce({ attempt, step: 'contract', decide: async () => randomUUID() });
  const contract = await withAccountLock(account.id, ({ trx }) =>
    openContract({ trx, actor, accountId: account.id, contractId: proposedId, terms }),
  );
  if (contract.status === 'active') return { contractId: contract.id };
  if (contract.status === 'ended')
    throw new ConflictError('This contract has ended; start a new one.', { contractId: contract.id });
  await faultPoint('contract.beforeStripeCall');

  const stripeTerms = stripeTermsOf(contract, terms);
  const stripeCustomerId = await callStripe('set up the customer', () => ensureStripeCustomer({ account }));
  const stripePriceId =
    contract.stripePriceId ??
    (await callStripe('create the contract price', () => createContractPrice(stripeTerms)));
  // Stored before the subscription exists, so its first webhook already finds the contract by its price.
  await Contract.query().findById(contract.id).patch({ stripePriceId });
  const state = await callStripe('start the contract subscription', () =>
    ensureContractSubscription({ terms: stripeTerms, stripeCustomerId, stripePriceId }),
  ).catch(async (error: unknown) => {
    // The first charge was declined, so Stripe made no subscription: the contract never started, and
    // must not hold the account's one open contract. The admin sees the card's message.
    if (isCardRefusal(error))
      await endUnstartedContract({ actor, contract, reason: (error as Error).message });
    throw error;
  });
  await faultPoint('contract.afterStripeCall');

  await activateContract({ actor, contract, terms, stripeSubscriptionId: state.stripeSubscriptionId });
  return { contractId: contract.id };
}

/**
 * Under the account's lock: the account must not pay already (decision 014: one paid subscription),
 * and may have one open contract. A pending one with the same terms is the one being resumed.
 */
async function openContract({
  trx,
  actor,
  accountId,
  contractId,
  terms,
}: {
  trx: Knex.Transaction;
  actor: Actor;
  accountId: string;
  contractId: string;
  terms: CheckedTerms;
}): Promise<Contract> {
  const mine = await Contract.query(trx).findById(contractId);
  if (mine) return mine;
  const open = await Contract.query(trx)
    .where({ accountId })
    .whereIn('status', ['pending', 'active'])
    .first();
  if (open?.status === 'pending' && sameTerms(open, terms)) return open;
  if (open)
    throw new ConflictError('This account already has a custom contract; end it before starting another.', {
      contractId: open.id,
    });
  const current = await findCurrentSubscription({ trx, accountId });
  if (current && (await isPaidSubscription({ trx, subscription: current })))
    throw new ConflictError(
      'This account already pays for a subscription; cancel it before putting the account on a contract.',
      { subscriptionId: current.id },
    );
  return Contract.query(trx).insertAndFetch({
    id: contractId,
    accountId,
    planId: terms.plan.id,
    unitAmount: terms.unitAmount,
    currency: terms.currency,
    billingInterval: terms.billingInterval,
    entitlementOverrides: terms.entitlementOverrides,
    collectionMethod: terms.collectionMethod,
    daysUntilDue: terms.daysUntilDue,
    trialDays: terms.trialDays,
    startsAt: now(),
    endsAt: terms.endsAt,
    autoRenew: terms.autoRenew,
    status: 'pending',
    createdByUserId: actor.kind === 'user' ? actor.userId : null,
  });
}

/**
 * Under the account's lock: the contract becomes active and its subscription the account's, applied as
 * a webhook would apply it. Only the attempt that activates it records it in the audit log.
 */
async function activateContract({
  actor,
  contract,
  terms,
  stripeSubscriptionId,
}: {
  actor: Actor;
  contract: Contract;
  terms: CheckedTerms;
  stripeSubscriptionId: string;
}) {
  await withAccountLock(contract.accountId, async ({ trx, account }) => {
    const activated = await Contract.query(trx)
      .findById(contract.id)
      .where({ status: 'pending' })
      .patch({ stripeSubscriptionId, status: 'active' });
    await syncSubscriptionFromStripe({ trx, account, stripeSubscriptionId });
    if (!activated) return;
    await recordAudit({
      trx,
      actor,
      accountId: account.id,
      action: 'contract.created',
      target: { type: 'contract', id: contract.id },
      details: {
        plan: terms.plan.key,
        amount: terms.unitAmount,
        currency: terms.currency,
        interval: terms.billingInterval,
        collectionMethod: terms.collectionMethod,
        daysUntilDue: terms.daysUntilDue,
        trialDays: terms.trialDays,
        endsAt: terms.endsAt,
      },
    });
  });
}

async function endUnstartedContract({
  actor,
  contract,
  reason,
}: {
  actor: Actor;
  contract: Contract;
  reason: string;
}) {
  await withAccountLock(contract.accountId, async ({ trx }) => {
    const ended = await Contract.query(trx)
      .findById(contract.id)
      .where({ status: 'pending' })
      .patch({ status: 'ended' });
    if (!ended) return;
    await recordAudit({
      trx,
      actor,
      accountId: contract.accountId,
      action: 'contract.first_payment_declined',
      target: { type: 'contract', id: contract.id },
      reason,
    });
  });
}

function sameTerms(contract: Contract, terms: CheckedTerms): boolean {
  return (
    contract.planId === terms.plan.id &&
    contract.unitAmount === terms.unitAmount &&
    contract.currency === terms.currency &&
    contract.billingInterval === terms.billingInterval &&
    contract.collectionMethod === terms.collectionMethod &&
    contract.daysUntilDue === terms.daysUntilDue &&
    contract.trialDays === terms.trialDays &&
    (contract.endsAt?.getTime() ?? null) === (terms.endsAt?.getTime() ?? null) &&
    JSON.stringify(contract.entitlementOverrides) === JSON.stringify(terms.entitlementOverrides)
  );
}

function stripeTermsOf(contract: Contract, terms: CheckedTerms): ContractTerms {
  return {
    contractId: contract.id,
    accountId: contract.accountId,
    planId: terms.plan.id,
    planName: terms.plan.name,
    stripeProductId: terms.plan.stripeProductId,
    unitAmount: contract.unitAmount,
    currency: contract.currency,
    interval: contract.billingInterval,
    collectionMethod: contract.collectionMethod,
    daysUntilDue: contract.daysUntilDue,
    trialDays: contract.trialDays,
    endsAt: contract.endsAt,
  };
}

/** The account's open contract (pending or active), if any. */
export function findOpenContract({ trx, accountId }: { trx?: Knex.Transaction; accountId: string }) {
  return Contract.query(trx).where({ accountId }).whereIn('status', ['pending', 'active']).first();
}

/**
 * createContract under the caller's idempotency key: a retry answers the first call's contract, and one
 * that resumes an interrupted call finishes the same contract (decision 017).
 */
export async function requestContract({
  actor,
  idempotencyKey,
  ...input
}: { actor: Actor; idempotencyKey?: string | null } & Record<string, unknown>): Promise<Contract> {
  const { contractId } = await withIdempotency({
    actor,
    idempotencyKey,
    operation: 'createContract',
    input,
    authorize: async () => requirePlatformAdmin(actor),
    work: (attempt) => createContract({ actor, attempt, ...input }),
  });
  return Contract.query().findById(contractId).throwIfNotFound();
}
