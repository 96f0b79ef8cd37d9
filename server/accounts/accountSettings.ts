import { z } from 'zod';
import { recordAudit } from '../audit/auditLog';
import type { Actor } from '../auth/actor';
import { authorizeAccount } from '../auth/authorization';
import { localeInput, timeZoneInput } from '../localization/localization';
import { parseInput } from '../validation';
import { Account } from './Account';

const accountSettingsInput = z.object({
  accountId: z.string().uuid('is not an account id'),
  timeZone: timeZoneInput.optional(),
  /** The language of the account's emails; null: English. Absent: unchanged. */
  locale: localeInput.nullable().optional(),
});

/**
 * What the account's owners and admins set for everyone in it: the time zone its dates are shown in and
 * the language its emails are written in. What is left out stays as it is; setting the values it
 * already has changes (and records) nothing.
 */
export async function updateAccountSettings({
  actor,
  ...input
}: { actor: Actor } & z.input<typeof accountSettingsInput>): Promise<Account> {
  const { accountId, ...settings } = parseInput(accountSettingsInput, input);
  await authorizeAccount({ actor, accountId, permission: 'account.manage' });
  return Account.transaction(async (trx) => {
    const account = await Account.query(trx).findById(accountId).forUpdate().throwIfNotFound();
    const changes = Object.fromEntries(
      Object.entries(settings).filter(
        ([name, value]) => value !== undefined && account[name as keyof typeof settings] !== value,
      ),
    ) as Partial<Pick<Account, 'timeZone' | 'locale'>>;
    if (Object.keys(changes).length === 0) return account;
    await recordAudit({
      trx,
      actor,
      accountId,
      action: 'account.settings_updated',
      target: { type: 'account', id: accountId },
      details: changes,
    });
    return Account.query(trx).patchAndFetchById(accountId, changes);
  });
}
