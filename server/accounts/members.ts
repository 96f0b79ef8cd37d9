import type { Actor } from '../auth/actor';
import { authorizeAccount } from '../auth/authorization';
import { Membership } from './Membership';

/** The people with access to an account and their roles, owners first. Any member may see them. */
export async function listAccountMembers({
  actor,
  accountId,
}: {
  actor: Actor;
  accountId: string;
}): Promise<Membership[]> {
  await authorizeAccount({ actor, accountId, permission: 'account.read' });
  return Membership.query()
    .where({ accountId })
    .orderByRaw(`case role when 'owner' then 0 when 'admin' then 1 else 2 end`)
    .orderBy('createdAt');
}
