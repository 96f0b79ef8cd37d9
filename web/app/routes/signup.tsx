import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useNavigation } from '@remix-run/react';
import { Field, FormError, Notice } from '~/components/forms';
import { SignUpDocument } from '~/graphql/generated';
import { field, getViewer, mutate } from '~/lib/api.server';
import { safeRedirect } from '~/lib/redirects.server';

export const meta: MetaFunction = () => [{ title: 'Create your account — Billing' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  if (await getViewer(context)) throw safeRedirect(new URL(request.url).searchParams.get('redirectTo'));
  return null;
}

/**
 * The answer is the same whether or not the address already has a login: the next step is in the
 * inbox (a link to finish, or a reminder that a login exists), so this page tells nobody who has one.
 */
export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const email = field(form, 'email');
  const outcome = await mutate(context, request, SignUpDocument, {
    input: {
      name: field(form, 'name'),
      accountName: field(form, 'accountName'),
      email,
      password: String(form.get('password') ?? ''),
    },
  });
  return outcome.ok ? { ok: true as const, sentTo: email } : outcome;
}

export default function SignUp() {
  const result = useActionData<typeof action>();
  const submitting = useNavigation().state === 'submitting';
  if (result?.ok) {
    return (
      <div className="narrow card">
        <h1>Check your inbox</h1>
        <Notice tone="success">{`We sent a message to ${result.sentTo} with what to do next. Its link works for 24 hours.`}</Notice>
        <p className="muted">
          Nothing there? Look in the spam folder, or <Link to="/signup">try again</Link>.
        </p>
      </div>
    );
  }
  const failure = result && !result.ok ? result : null;
  const errors = failure?.fieldErrors ?? {};
  return (
    <div className="narrow card">
      <h1>Create your account</h1>
      <p className="muted">
        Free to start, no card needed. Already have a login? <Link to="/signin">Sign in</Link>
      </p>
      <FormError message={failure && Object.keys(errors).length === 0 ? failure.formError : null} />
      <Form method="post" noValidate>
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
