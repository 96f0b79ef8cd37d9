import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { chooseAccountCookie } from '~/lib/accountChoice.server';
import { field, requireViewer } from '~/lib/api.server';
import { safeRedirect } from '~/lib/redirects.server';

/** The header's account switcher posts here; a GET just goes to the dashboard. */
export async function loader(_args: LoaderFunctionArgs) {
  return safeRedirect('/billing');
}

export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = await requireViewer(context, request);
  const form = await request.formData();
  const accountId = field(form, 'accountId');
  if (!viewer.memberships.some((membership) => membership.account.id === accountId)) {
    throw new Response('You are not a member of that account.', { status: 404, statusText: 'Not Found' });
  }
  return safeRedirect(field(form, 'redirectTo'), { setCookies: [await chooseAccountCookie(accountId)] });
}
