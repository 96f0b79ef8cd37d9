import type { ActionFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useNavigation, useSearchParams } from '@remix-run/react';
import { FormError } from '~/components/forms';
import { ConfirmSignUpDocument } from '~/graphql/generated';
import { field, mutate } from '~/lib/api.server';
import { safeRedirect } from '~/lib/redirects.server';

export const meta: MetaFunction = () => [{ title: 'Finish creating your account — Billing' }];

/**
 * Where the sign-up email's link leads. Opening the link changes nothing (mail scanners open links
 * too); the button posts its token, which creates the login and its account and signs in.
 */
export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const outcome = await mutate(context, request, ConfirmSignUpDocument, { token: field(form, 'token') });
  if (!outcome.ok) return outcome;
  return safeRedirect('/billing', { setCookies: outcome.setCookies });
}

export default function ConfirmSignUp() {
  const failure = useActionData<typeof action>();
  const [search] = useSearchParams();
  const submitting = useNavigation().state === 'submitting';
  const token = search.get('token') ?? '';
  const linkProblem = failure?.fieldErrors.token;
  return (
    <div className="narrow card">
      <h1>Finish creating your account</h1>
      <FormError message={linkProblem ? sentence(linkProblem) : failure?.formError} />
      {linkProblem || !token ? (
        <p>
          <Link to="/signup">Sign up again</Link> or <Link to="/signin">sign in</Link>.
        </p>
      ) : (
        <Form method="post">
          <input type="hidden" name="token" value={token} />
          <button type="submit" className="button button-primary button-block" disabled={submitting}>
            {submitting ? 'Creating your account…' : 'Create my account'}
          </button>
        </Form>
      )}
    </div>
  );
}

function sentence(problem: string): string {
  return `${problem.charAt(0).toUpperCase()}${problem.slice(1)}.`;
}
