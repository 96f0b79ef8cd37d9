import { z } from 'zod';
import { recordAudit } from '../audit/auditLog';
import type { Actor } from '../auth/actor';
import { authorizeAccount } from '../auth/authorization';
import { timeZoneInput } from '../localization/localization';
import { parseInput } from '../validation';
import { Account } from './Account';

const accountSettingsInput = z.object({
  accountId: z.string().uuid('is not an account id'),
  timeZone: timeZoneInput,
});

/**
 * What the account's owners and admins set for everyone in it: the time zone its dates are shown in.
 * Setting the value it already has changes (and records) nothing.
 */
export async function updateAccountSettings({
  actor,
  ...input
}: { actor: Actor } & z.input<typeof accountSettingsInput>): Promise<Account> {
  const { accountId, timeZone } = parseInput(accountSettingsInput, input);
  await authorizeAccount({ actor, accountId, permission: 'account.manage' });
  return Account.transaction(async (trx) => {
    const account = await Account.query(trx).findById(accountId).forUpdate().throwIfNotFound();
    if (account.timeZone === timeZone) return account;
    await recordAudit({
      trx,
      actor,
      accountId,
      action: 'account.settings_updated',
      target: { type: 'account', id: accountId },
      details: { timeZone },
    });
    return Account.query(trx).patchAndFetchById(accountId, { timeZone });
  });
}
