import { z } from 'zod';
import { recordAudit } from '../audit/auditLog';
import { localeInput } from '../localization/localization';
import { parseInput } from '../validation';
import type { Actor } from './actor';
import { requireUser } from './authorization';
import { User } from './User';

const preferencesInput = z.object({
  /** null: follow the browser's languages. */
  locale: localeInput.nullable(),
});

/**
 * A signed-in person's own preferences: the language the web app writes numbers, money and dates in
 * (null follows the browser). Only people have preferences; API keys are refused.
 */
export async function updateMyPreferences({
  actor,
  ...input
}: { actor: Actor } & z.input<typeof preferencesInput>): Promise<User> {
  requireUser(actor);
  const { locale } = parseInput(preferencesInput, input);
  return User.transaction(async (trx) => {
    const user = await User.query(trx).findById(actor.userId).forUpdate().throwIfNotFound();
    if (user.locale === locale) return user;
    await recordAudit({
      trx,
      actor,
      accountId: null,
      action: 'user.preferences_updated',
      target: { type: 'user', id: user.id },
      details: { locale },
    });
    return User.query(trx).patchAndFetchById(user.id, { locale });
  });
}
