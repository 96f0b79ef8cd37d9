import { z } from 'zod';
import { withAccountLock } from '../accounts/accountLock';
import type { Actor } from '../auth/actor';
import { requirePlatformAdmin } from '../auth/authorization';
import { recordAudit } from '../audit/auditLog';
import { now } from '../clock';
import { ConflictError, NotFoundError } from '../errors';
import { withIdempotency } from '../idempotency/idempotentRequests';
import { setContractSubscriptionEnd } from '../stripe/contracts';
import { callStripe } from '../stripe/errors';
import { syncSubscriptionFromStripe } from '../subscriptions/stripeSubscriptionSync';
import { parseInput } from '../validation';
import { Contract } from './Contract';

const renewalInput = z
  .object({
    contractId: z.string().uuid('is not a contract id'),
    endsAt: z.date().nullish(),
    autoRenew: z.boolean().nullish(),
  })
  .superRefine((input, context) => {
    const problem = (path: string, message: string) =>
      context.addIssue({ code: 'custom', path: [path], message });
    if (input.endsAt && input.autoRenew) problem('autoRenew', 'a contract with an end date does not renew');
    else if (!input.endsAt && input.autoRenew !== true)
      problem('endsAt', 'give an end date, or autoRenew: true');
    if (input.endsAt && input.endsAt.getTime() <= now().getTime()) problem('endsAt', 'must be in the future');
  });

/**
 * Gives an active contract an end date (Stripe cancels its subscription then) or makes it renew again.
 * Stripe first, then our copy under the account's lock, as a webhook would apply it; the change is
 * idempotent by its target, so a retry or a double click sets the same date once.
 */
export async function changeContractRenewal({
  actor,
  ...raw
}: { actor: Actor } & z.input<typeof renewalInput>): Promise<{ contractId: string }> {
  requirePlatformAdmin(actor);
  const { contractId, endsAt } = parseInput(renewalInput, raw);
  const contract = await Contract.query().findById(contractId);
  if (!contract) throw new NotFoundError('Contract');
  if (contract.status !== 'active' || !contract.stripeSubscriptionId)
    throw new ConflictError(`This contract is ${contract.status}; only an active contract changes its term.`);
  const stripeSubscriptionId = contract.stripeSubscriptionId;
  await callStripe('change the contract’s end date', () =>
    setContractSubscriptionEnd({ stripeSubscriptionId, endsAt: endsAt ?? null }),
  );
  await withAccountLock(contract.accountId, async ({ trx, account }) => {
    await Contract.query(trx)
      .findById(contract.id)
      .patch({ endsAt: endsAt ?? null, autoRenew: !endsAt });
    await syncSubscriptionFromStripe({ trx, account, stripeSubscriptionId });
    await recordAudit({
      trx,
      actor,
      accountId: account.id,
      action: 'contract.term_changed',
      target: { type: 'contract', id: contract.id },
      details: { endsAt: endsAt ?? null, autoRenew: !endsAt },
    });
  });
  return { contractId: contract.id };
}

/** changeContractRenewal under the caller's idempotency key. */
export async function requestContractRenewalChange({
  actor,
  idempotencyKey,
  ...input
}: { actor: Actor; idempotencyKey?: string | null } & z.input<typeof renewalInput>): Promise<Contract> {
  const { contractId } = await withIdempotency({
    actor,
    idempotencyKey,
    operation: 'updateContract',
    input,
    authorize: async () => requirePlatformAdmin(actor),
    work: () => changeContractRenewal({ actor, ...input }),
  });
  return Contract.query().findById(contractId).throwIfNotFound();
}
