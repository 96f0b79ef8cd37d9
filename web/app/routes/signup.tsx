import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useNavigation, useSearchParams } from '@remix-run/react';
import { Field, FormError } from '~/components/forms';
import { SignUpDocument } from '~/graphql/generated';
import { field, getViewer, mutate } from '~/lib/api.server';
import { safeRedirect } from '~/lib/redirects.server';
import { safeRedirectPath } from '~/lib/safePath';

export const meta: MetaFunction = () => [{ title: 'Create your account — Billing' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  if (await getViewer(context)) throw safeRedirect(new URL(request.url).searchParams.get('redirectTo'));
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const outcome = await mutate(context, request, SignUpDocument, {
    input: {
      name: field(form, 'name'),
      accountName: field(form, 'accountName'),
      email: field(form, 'email'),
      password: String(form.get('password') ?? ''),
    },
  });
  if (!outcome.ok) return outcome;
  return safeRedirect(field(form, 'redirectTo'), { setCookies: outcome.setCookies });
}

export default function SignUp() {
  const failure = useActionData<typeof action>();
  const [search] = useSearchParams();
  const submitting = useNavigation().state === 'submitting';
  const errors = failure?.fieldErrors ?? {};
  return (
    <div className="narrow card">
      <h1>Create your account</h1>
      <p className="muted">
        Free to start, no card needed. Already have a login? <Link to="/signin">Sign in</Link>
      </p>
      <FormError message={failure && Object.keys(errors).length === 0 ? failure.formError : null} />
      <Form method="post" noValidate>
        <input type="hidden" name="redirectTo" value={safeRedirectPath(search.get('redirectTo'))} />
        <Field label="Your name" name="name" autoComplete="name" required error={errors.name} />
        <Field
          label="Company or team name"
          name="accountName"
          autoComplete="organization"
          required
          error={errors.accountName}
          hint="Shown on your invoices."
        />
        <Field
          label="Work email"
          name="email"
          type="email"
          autoComplete="email"
          required
          error={errors.email}
        />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          minLength={10}
          error={errors.password}
          hint="At least 10 characters."
        />
        <button type="submit" className="button button-primary button-block" disabled={submitting}>
          {submitting ? 'Creating your account…' : 'Create account'}
        </button>
      </Form>
    </div>
  );
}
