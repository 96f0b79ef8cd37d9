import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useNavigation, useSearchParams } from '@remix-run/react';
import { Field, FormError, Notice } from '~/components/forms';
import { SignInDocument } from '~/graphql/generated';
import { field, getViewer, invalid, mutate } from '~/lib/api.server';
import { safeRedirect } from '~/lib/redirects.server';
import { safeRedirectPath } from '~/lib/safePath';

export const meta: MetaFunction = () => [{ title: 'Sign in — Billing' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  if (await getViewer(context)) throw safeRedirect(new URL(request.url).searchParams.get('redirectTo'));
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const email = field(form, 'email');
  const password = String(form.get('password') ?? '');
  const missing: Record<string, string> = {};
  if (!email) missing.email = 'Enter your email.';
  if (!password) missing.password = 'Enter your password.';
  if (Object.keys(missing).length > 0) return invalid(missing);

  const outcome = await mutate(context, request, SignInDocument, { input: { email, password } });
  if (!outcome.ok) return outcome;
  return safeRedirect(field(form, 'redirectTo'), { setCookies: outcome.setCookies });
}

export default function SignIn() {
  const failure = useActionData<typeof action>();
  const [search] = useSearchParams();
  const submitting = useNavigation().state === 'submitting';
  const redirectTo = safeRedirectPath(search.get('redirectTo'));
  return (
    <div className="narrow card">
      <h1>Sign in</h1>
      <p className="muted">
        New here? <Link to={`/signup?redirectTo=${encodeURIComponent(redirectTo)}`}>Create an account</Link>
      </p>
      {search.get('reset') ? (
        <Notice tone="success">Your password is changed. Sign in with the new one.</Notice>
      ) : null}
      <FormError
        message={failure && Object.keys(failure.fieldErrors).length === 0 ? failure.formError : null}
      />
      <Form method="post" noValidate>
        <input type="hidden" name="redirectTo" value={redirectTo} />
        <Field
          label="Email"
          name="email"
          type="email"
          autoComplete="email"
          required
          autoFocus
          error={failure?.fieldErrors.email}
        />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          error={failure?.fieldErrors.password}
        />
        <button type="submit" className="button button-primary button-block" disabled={submitting}>
          {submitting ? 'Signing in…' : 'Sign in'}
        </button>
      </Form>
      <p className="small section">
        <Link to="/reset-password">Forgot your password?</Link>
      </p>
    </div>
  );
}
