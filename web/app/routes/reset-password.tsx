import type { ActionFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useNavigation, useSearchParams } from '@remix-run/react';
import { Field, FormError, Notice } from '~/components/forms';
import { RequestPasswordResetDocument, ResetPasswordDocument } from '~/graphql/generated';
import { field, invalid, mutate } from '~/lib/api.server';
import { safeRedirect } from '~/lib/redirects.server';

export const meta: MetaFunction = () => [{ title: 'Reset your password — Billing' }];

/**
 * Two steps on one page: without a token, ask for the email (the answer is the same whether or not it
 * has a login); with the emailed link's token, choose the new password.
 */
export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const token = field(form, 'token');
  if (!token) {
    const email = field(form, 'email');
    if (!email) return invalid({ email: 'Enter the email you sign in with.' });
    const outcome = await mutate(context, request, RequestPasswordResetDocument, { email });
    return outcome.ok ? { ok: true as const, sentTo: email } : outcome;
  }
  const password = String(form.get('password') ?? '');
  if (password !== String(form.get('confirm') ?? ''))
    return invalid({ confirm: 'The two passwords differ.' });
  const outcome = await mutate(context, request, ResetPasswordDocument, { input: { token, password } });
  if (!outcome.ok) return outcome;
  return safeRedirect('/signin?reset=1');
}

export default function ResetPassword() {
  const result = useActionData<typeof action>();
  const [search] = useSearchParams();
  const token = search.get('token');
  const submitting = useNavigation().state === 'submitting';
  const failure = result && !result.ok ? result : null;
  const errors = failure?.fieldErrors ?? {};

  if (!token) {
    return (
      <div className="narrow card">
        <h1>Reset your password</h1>
        {result?.ok ? (
          <Notice tone="success">{`If ${result.sentTo} has a login here, a link to choose a new password is on its way. It works for one hour.`}</Notice>
        ) : (
          <p className="muted">Enter the email you sign in with and we will send you a link.</p>
        )}
        <FormError message={failure && !errors.email ? failure.formError : null} />
        <Form method="post" noValidate>
          <Field label="Email" name="email" type="email" autoComplete="email" required error={errors.email} />
          <button type="submit" className="button button-primary button-block" disabled={submitting}>
            Send the link
          </button>
        </Form>
        <p className="small section">
          <Link to="/signin">Back to sign in</Link>
        </p>
      </div>
    );
  }

  return (
    <div className="narrow card">
      <h1>Choose a new password</h1>
      <FormError
        message={
          errors.token
            ? `This link ${errors.token.replace(/^this link /, '')}.`
            : failure && !errors.password && !errors.confirm
              ? failure.formError
              : null
        }
      />
      {errors.token ? (
        <p>
          <Link to="/reset-password">Ask for a new link</Link>
        </p>
      ) : null}
      <Form method="post" noValidate>
        <input type="hidden" name="token" value={token} />
        <Field
          label="New password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          minLength={10}
          error={errors.password}
          hint="At least 10 characters."
        />
        <Field
          label="Repeat the new password"
          name="confirm"
          type="password"
          autoComplete="new-password"
          required
          error={errors.confirm}
        />
        <button type="submit" className="button button-primary button-block" disabled={submitting}>
          Set the new password
        </button>
      </Form>
    </div>
  );
}
