import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, useLoaderData } from '@remix-run/react';
import { requireViewer } from '~/lib/api.server';
import { safeRedirect } from '~/lib/redirects.server';

export const meta: MetaFunction = () => [{ title: 'No account — Billing' }];

/**
 * Where a signed-in person who belongs to no account lands (removed from the only one they had): the
 * billing pages need an account, and sign-up is for people without a login, so without this page each
 * would send them to the other.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = await requireViewer(context, request);
  if (viewer.memberships.length > 0) throw safeRedirect('/billing');
  return { email: viewer.user.email };
}

export default function NoAccount() {
  const { email } = useLoaderData<typeof loader>();
  return (
    <div className="narrow card">
      <h1>You are not a member of any account</h1>
      <p>
        You are signed in as {email}, but no account has you as a member any more. Ask an owner of your
        team&rsquo;s account to add you again, or sign out and sign up with another address to start a new
        account.
      </p>
      <div className="page-actions">
        <Form method="post" action="/signout">
          <button type="submit" className="button">
            Sign out
          </button>
        </Form>
      </div>
    </div>
  );
}
