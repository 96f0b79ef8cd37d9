import { z } from 'zod';
import { recordAudit } from '../audit/auditLog';
import type { Actor } from '../auth/actor';
import { authorizeAccount, requireAuthenticated } from '../auth/authorization';
import { openCreditBalance } from '../credits/balances';
import { ConflictError, ForbiddenError } from '../errors';
import { recordAccountEvent } from '../partnerWebhooks/events';
import { startDefaultSubscription } from '../subscriptions/currentSubscription';
import { parseInput } from '../validation';
import { Account } from './Account';
import { Membership } from './Membership';

const upsertAccountInput = z.object({
  externalId: z.string().trim().min(1, 'is required').max(200, 'is at most 200 characters'),
  name: z.string().trim().min(1, 'is required').max(200, 'is at most 200 characters'),
  billingEmail: z.email('is not an email address').nullish(),
  currency: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z]{3}$/, 'is not an ISO 4217 currency code such as USD')
    .nullish(),
});

export async function getAccount({
  actor,
  accountId,
  externalId,
}: {
  actor: Actor;
  accountId?: string | null;
  externalId?: string | null;
}) {
  return authorizeAccount({ actor, accountId, externalId, permission: 'account.read' });
}

/**
 * A partner provisions its customer: creates the account named by the partner's external id, or
 * updates its name and billing email. Calling it again with the same input changes nothing. An
 * account's currency is fixed once it exists, because its prices, invoices and Stripe customer are in it.
 * A new account needs the catalog's default plan: without one the call fails with NO_DEFAULT_PLAN and
 * its transaction writes nothing.
 */
export async function upsertAccount({
  actor,
  ...input
}: { actor: Actor } & z.input<typeof upsertAccountInput>) {
  const { externalId, name, billingEmail, currency } = parseInput(upsertAccountInput, input);
  requireAuthenticated(actor);
  const canProvision =
    actor.kind === 'system' ||
    (actor.kind === 'user' && actor.isPlatformAdmin) ||
    (actor.kind === 'apiKey' && actor.accountId === null && actor.scopes.has('accounts:write'));
  if (!canProvision)
    throw new ForbiddenError(
      'Provisioning accounts needs a platform-wide API key with the accounts:write scope.',
    );

  return Account.transaction(async (trx) => {
    const existing = await Account.query(trx).findOne({ externalId }).forUpdate();
    if (existing) {
      if (existing.deletedAt) throw new ConflictError(`Account ${externalId} was deleted.`);
      if (currency && currency !== existing.currency) {
        throw new ConflictError(
          `Account ${externalId} bills in ${existing.currency.toUpperCase()}; its currency cannot change.`,
          {
            currency: existing.currency,
          },
        );
      }
      const changes = { name, ...(billingEmail !== undefined && { billingEmail }) };
      const unchanged =
        existing.name === changes.name &&
        (billingEmail === undefined || existing.billingEmail === billingEmail);
      if (unchanged) return { account: existing, created: false };
      const account = await Account.query(trx).patchAndFetchById(existing.id, changes);
      await recordAccountEvent({ trx, account, type: 'account.updated' });
      await recordAudit({
        trx,
        actor,
        accountId: account.id,
        action: 'account.updated',
        target: { type: 'account', id: account.id },
        details: changes,
      });
      return { account, created: false };
    }

    // Two concurrent first calls race on the unique external id; the loser reads the winner's row.
    const inserted = await Account.query(trx)
      .insert({ externalId, name, billingEmail: billingEmail ?? null, currency: currency ?? 'usd' })
      .onConflict('externalId')
      .ignore()
      .returning('*');
    const account = Array.isArray(inserted) ? inserted[0] : inserted;
    if (!account?.id)
      return { account: await Account.query(trx).findOne({ externalId }).throwIfNotFound(), created: false };

    await recordAccountEvent({ trx, account, type: 'account.created' });
    await startDefaultSubscription({ trx, accountId: account.id });
    await openCreditBalance({ trx, accountId: account.id });
    await recordAudit({
      trx,
      actor,
      accountId: account.id,
      action: 'account.created',
      target: { type: 'account', id: account.id },
    });
    return { account, created: true };
  });
}

/** The accounts a signed-in user belongs to, with their role in each. */
export async function listMembershipsOfUser({ userId }: { userId: string }) {
  return Membership.query().where({ userId }).orderBy('createdAt');
}
