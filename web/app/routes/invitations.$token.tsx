import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { Field, FormError } from '~/components/forms';
import { AcceptInvitationDocument, InvitationDocument } from '~/graphql/generated';
import { chooseAccountCookie } from '~/lib/accountChoice.server';
import { field, getViewer, mutate, queryOutcome } from '~/lib/api.server';
import { safeRedirect } from '~/lib/redirects.server';

export const meta: MetaFunction = () => [{ title: 'Invitation — Billing' }];

const ROLE_WORDS = { OWNER: 'an owner', ADMIN: 'an admin', MEMBER: 'a member' } as const;

/**
 * Where an invitation's link leads. Opening it changes nothing (mail scanners open links too): it says
 * who invited whom to which account; accepting is a post. The invitation is for its address only: a
 * person signed in with another login is told so; a visitor signs in, or creates the login for it.
 */
export async function loader({ params, request, context }: LoaderFunctionArgs) {
  const token = params.token ?? '';
  const [outcome, viewer] = await Promise.all([
    queryOutcome(context, request, InvitationDocument, { token }),
    getViewer(context),
  ]);
  return {
    invitation: outcome.ok ? outcome.data.invitation : null,
    problem: outcome.ok ? null : sentence(outcome.fieldErrors.token ?? outcome.formError),
    viewerEmail: viewer?.user.email ?? null,
    path: new URL(request.url).pathname,
  };
}

export async function action({ params, request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const password = String(form.get('password') ?? '');
  const outcome = await mutate(context, request, AcceptInvitationDocument, {
    input: { token: params.token ?? '', name: field(form, 'name') || null, password: password || null },
  });
  if (!outcome.ok) return outcome;
  const choice = await chooseAccountCookie(outcome.data.acceptInvitation.account.id);
  return safeRedirect('/billing', { setCookies: [...outcome.setCookies, choice] });
}

export default function AcceptInvitation() {
  const { invitation, problem, viewerEmail, path } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  const submitting = useNavigation().state === 'submitting';
  if (!invitation)
    return (
      <div className="narrow card">
        <h1>Invitation</h1>
        <FormError message={problem} />
        <p>
          <Link to="/signin">Sign in</Link>
        </p>
      </div>
    );
  const signedInAsInvited = viewerEmail?.toLowerCase() === invitation.email;
  const linkProblem = failure?.fieldErrors.token;
  return (
    <div className="narrow card">
      <h1>Join {invitation.accountName}</h1>
      <p>
        {invitation.invitedByName ?? 'Someone'} invited <strong>{invitation.email}</strong> to join{' '}
        <strong>{invitation.accountName}</strong> as {ROLE_WORDS[invitation.role]}.
      </p>
      <FormError
        message={
          failure && !failure.fieldErrors.name && !failure.fieldErrors.password
            ? linkProblem
              ? sentence(linkProblem)
              : failure.formError
            : null
        }
      />
      {signedInAsInvited ? (
        <Form method="post">
          <button type="submit" className="button button-primary button-block" disabled={submitting}>
            Accept and join {invitation.accountName}
          </button>
        </Form>
      ) : viewerEmail ? (
        <div role="alert" className="banner banner-warning">
          <p>
            This invitation is for {invitation.email}, and you are signed in as {viewerEmail}. Sign out, then
            open the link again.
          </p>
          <Form method="post" action="/signout">
            <button type="submit" className="button button-small">
              Sign out
            </button>
          </Form>
        </div>
      ) : invitation.hasLogin ? (
        <p>
          <Link className="button button-primary" to={`/signin?redirectTo=${encodeURIComponent(path)}`}>
            Sign in as {invitation.email} to accept
          </Link>
        </p>
      ) : (
        <Form method="post">
          <p className="muted">Create your login for {invitation.email}:</p>
          <Field label="Your name" name="name" required maxLength={200} error={failure?.fieldErrors.name} />
          <Field
            label="Password"
            name="password"
            type="password"
            required
            minLength={10}
            autoComplete="new-password"
            hint="At least 10 characters."
            error={failure?.fieldErrors.password}
          />
          <button type="submit" className="button button-primary button-block" disabled={submitting}>
            Create login and join
          </button>
        </Form>
      )}
    </div>
  );
}

function sentence(problem: string): string {
  return `${problem.charAt(0).toUpperCase()}${problem.slice(1)}${problem.endsWith('.') ? '' : '.'}`;
}
