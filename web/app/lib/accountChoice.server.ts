import { createCookie } from '@remix-run/node';

/**
 * Which of a login's accounts the billing pages are about, when it belongs to several (a consultant in
 * two organisations, say). Not a secret and not an authority: every API call still checks membership,
 * and a cookie naming an account the login does not belong to is ignored in favour of the first one.
 */
const accountChoice = createCookie('billing_account', {
  path: '/',
  httpOnly: true,
  sameSite: 'lax',
  secure: process.env.NODE_ENV === 'production',
  maxAge: 365 * 24 * 60 * 60,
});

export async function chosenMembership<Membership extends { account: { id: string } }>(
  memberships: Membership[],
  request: Request,
): Promise<Membership | undefined> {
  const chosen: unknown = await accountChoice.parse(request.headers.get('Cookie'));
  return memberships.find((membership) => membership.account.id === chosen) ?? memberships[0];
}

export function chooseAccountCookie(accountId: string): Promise<string> {
  return accountChoice.serialize(accountId);
}
