import { z } from 'zod';
import type { Actor } from '../auth/actor';
import { assertSelfServeBilling } from '../featureFlags/selfServeBilling';
import { authorizeAccount } from '../auth/authorization';
import { recordAudit } from '../audit/auditLog';
import {
  checkCreditPackageChoice,
  creditPackageChoiceInput,
  creditPackageField,
  findChosenCreditPackage,
} from '../catalog/creditPackageChoice';
import { ValidationError } from '../errors';
import { faultPoint } from '../faultPoints';
import { currentAttempt, type IdempotentAttempt } from '../idempotency/idempotentRequests';
import { parseInput } from '../validation';
import { AutoTopUpSettings } from './AutoTopUpSettings';
import { MAX_CREDIT_BALANCE } from './creditLimits';

const input = z
  .object({
    accountId: z.string().uuid('is not an account id'),
    enabled: z.boolean(),
    thresholdMilliCredits: z
      .number()
      .int('must be whole milli-credits')
      .min(0, 'cannot be negative')
      .max(MAX_CREDIT_BALANCE, `is at most ${MAX_CREDIT_BALANCE} milli-credits`),
    ...creditPackageChoiceInput,
  })
  .superRefine(checkCreditPackageChoice);

/**
 * The account's automatic top-up settings, or null. Readers need `credits.read`; a replayed update
 * reads them with the permission the update needed (`billing.manage`).
 */
export async function getAutoTopUp({
  actor,
  accountId,
  permission = 'credits.read',
}: {
  actor: Actor;
  accountId: string;
  permission?: 'credits.read' | 'billing.manage';
}): Promise<AutoTopUpSettings | null> {
  await authorizeAccount({ actor, accountId, permission });
  return (await AutoTopUpSettings.query().findById(accountId)) ?? null;
}

/**
 * Turns automatic top-up on or off, with the threshold and the package it buys. Turning it on (again)
 * clears the failures that switched it off. A retry after the change was committed changes nothing
 * again (nor records it twice) and answers the settings as they stand.
 */
export async function updateAutoTopUp({
  actor,
  attempt = currentAttempt(),
  ...args
}: { actor: Actor; attempt?: IdempotentAttempt | null } & z.input<typeof input>): Promise<AutoTopUpSettings> {
  const { accountId, enabled, thresholdMilliCredits, creditPackageId, creditPackageKey } = parseInput(
    input,
    args,
  );
  const account = await authorizeAccount({ actor, accountId, permission: 'billing.manage' });
  // Turning automatic top-ups on charges the card later; turning them off is always allowed.
  if (enabled)
    await assertSelfServeBilling({ actor, accountId: account.id, action: 'set up automatic top-ups' });
  if (await attempt?.answerOf('auto-top-up-settings'))
    return AutoTopUpSettings.query().findById(accountId).throwIfNotFound();
  const field = creditPackageField({ creditPackageKey });
  const creditPackage = await findChosenCreditPackage({ creditPackageId, creditPackageKey });
  if (!creditPackage?.active || !creditPackage.availableForAutoTopUp)
    throw ValidationError.forField(field, 'is not a package for automatic top-ups');
  if (creditPackage.currency !== account.currency)
    throw ValidationError.forField(field, `is priced in ${creditPackage.currency.toUpperCase()}`);
  const settings = await AutoTopUpSettings.transaction(async (trx) => {
    const fields = {
      enabled,
      threshold: thresholdMilliCredits,
      creditPackageId: creditPackage.id,
      ...(enabled && { consecutiveFailures: 0, disabledReason: null }),
    };
    await trx('autoTopUpSettings')
      .insert({ accountId, ...fields })
      .onConflict('accountId')
      .merge();
    await recordAudit({
      trx,
      actor,
      accountId,
      action: 'credits.auto_top_up_updated',
      target: { type: 'account', id: accountId },
      details: { enabled, thresholdMilliCredits, creditPackage: creditPackage.key },
    });
    await attempt?.recordAnswer({ trx, step: 'auto-top-up-settings', answer: { accountId } });
    await faultPoint('autoTopUpSettings.beforeCommit');
    return AutoTopUpSettings.query(trx).findById(accountId).throwIfNotFound();
  });
  await faultPoint('autoTopUpSettings.afterCommit');
  return settings;
}
