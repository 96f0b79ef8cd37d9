import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { FormError, Notice, SelectField } from '~/components/forms';
import { SettingsNav } from '~/components/SettingsNav';
import { Card, PageHeader } from '~/components/ui';
import { UpdateAccountSettingsDocument, UpdateMyPreferencesDocument } from '~/graphql/generated';
import { field, mutate, requireAccount } from '~/lib/api.server';
import { negotiateLocale } from '~/lib/locale.server';

export const meta: MetaFunction = () => [{ title: 'Preferences — Settings' }];

/** The languages offered by name; any other tag Intl supports is still accepted from the API. */
const LANGUAGES = [
  { value: 'en-US', label: 'English (United States)' },
  { value: 'en-GB', label: 'English (United Kingdom)' },
  { value: 'de-DE', label: 'Deutsch (Deutschland)' },
  { value: 'fr-FR', label: 'Français (France)' },
  { value: 'es-ES', label: 'Español (España)' },
  { value: 'ja-JP', label: '日本語 (日本)' },
];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { viewer, accountId, canManageBilling } = await requireAccount(context, request);
  const account = viewer.memberships.find((membership) => membership.account.id === accountId)!.account;
  const zones = Intl.supportedValuesOf('timeZone');
  return {
    locale: viewer.locale ?? null,
    browserLocale: negotiateLocale(request.headers.get('Accept-Language')),
    timeZone: account.timeZone,
    emailLocale: account.locale ?? null,
    accountName: account.name,
    canManage: canManageBilling,
    timeZones: zones.includes('UTC') ? zones : ['UTC', ...zones],
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { accountId } = await requireAccount(context, request);
  const form = await request.formData();
  const intent = field(form, 'intent');
  if (intent === 'email-language') {
    const outcome = await mutate(context, request, UpdateAccountSettingsDocument, {
      input: { accountId, locale: field(form, 'emailLocale') || null },
    });
    return outcome.ok ? { ok: true as const, intent, saved: true } : { ...outcome, intent };
  }
  if (intent === 'time-zone') {
    const outcome = await mutate(context, request, UpdateAccountSettingsDocument, {
      input: { accountId, timeZone: field(form, 'timeZone') },
    });
    return outcome.ok ? { ok: true as const, intent, saved: true } : { ...outcome, intent };
  }
  const locale = field(form, 'locale');
  const outcome = await mutate(context, request, UpdateMyPreferencesDocument, {
    input: { locale: locale || null },
  });
  return outcome.ok
    ? { ok: true as const, intent: 'language', saved: true }
    : { ...outcome, intent: 'language' };
}

export default function Preferences() {
  const { locale, browserLocale, timeZone, emailLocale, accountName, canManage, timeZones } =
    useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const failure = (intent: string) => (result && !result.ok && result.intent === intent ? result : null);
  const saved = (intent: string) => Boolean(result?.ok && result.intent === intent);
  const languages =
    locale && !LANGUAGES.some((language) => language.value === locale)
      ? [...LANGUAGES, { value: locale, label: locale }]
      : LANGUAGES;
  return (
    <>
      <PageHeader title="Settings" description={accountName} />
      <SettingsNav />
      <div className="stack">
        <Card title="Your language">
          {saved('language') ? <Notice tone="success">Your language is saved.</Notice> : null}
          <FormError message={failure('language')?.formError} />
          <Form method="post" className="stack">
            <input type="hidden" name="intent" value="language" />
            <SelectField
              label="Numbers, money and dates"
              name="locale"
              defaultValue={locale ?? ''}
              hint={`For you alone, in every account. The browser's default is ${browserLocale} at the moment.`}
              error={failure('language')?.fieldErrors.locale}
              options={[{ value: '', label: 'Browser default' }, ...languages]}
            />
            <div>
              <button type="submit" className="button button-primary" disabled={busy}>
                Save language
              </button>
            </div>
          </Form>
        </Card>
        <Card title="Time zone">
          {saved('time-zone') ? <Notice tone="success">The account’s time zone is saved.</Notice> : null}
          <FormError message={failure('time-zone')?.formError} />
          {canManage ? (
            <Form method="post" className="stack">
              <input type="hidden" name="intent" value="time-zone" />
              <SelectField
                label="Dates and times are shown in"
                name="timeZone"
                defaultValue={timeZone}
                hint={`For everyone in ${accountName}. Usage charts keep UTC days, as usage is counted.`}
                error={failure('time-zone')?.fieldErrors.timeZone}
                options={timeZones.map((zone) => ({ value: zone, label: zone.replace(/_/g, ' ') }))}
              />
              <div>
                <button type="submit" className="button button-primary" disabled={busy}>
                  Save time zone
                </button>
              </div>
            </Form>
          ) : (
            <p>
              Dates and times are shown in <strong>{timeZone.replace(/_/g, ' ')}</strong>. The account’s
              owners and admins can change it.
            </p>
          )}
        </Card>
        <Card title="Language of emails">
          {saved('email-language') ? (
            <Notice tone="success">The language of the account’s emails is saved.</Notice>
          ) : null}
          <FormError message={failure('email-language')?.formError} />
          {canManage ? (
            <Form method="post" className="stack">
              <input type="hidden" name="intent" value="email-language" />
              <SelectField
                label="Receipts, reminders and other notices are written in"
                name="emailLocale"
                defaultValue={emailLocale ?? ''}
                hint={`For everyone ${accountName}'s emails go to. Notices not yet translated are sent in English, with numbers, money and dates in this language.`}
                error={failure('email-language')?.fieldErrors.locale}
                options={[{ value: '', label: 'English (default)' }, ...EMAIL_LANGUAGES]}
              />
              <div>
                <button type="submit" className="button button-primary" disabled={busy}>
                  Save language of emails
                </button>
              </div>
            </Form>
          ) : (
            <p>
              The account’s emails are written in{' '}
              <strong>
                {EMAIL_LANGUAGES.find((language) => language.value === emailLocale)?.label ?? 'English'}
              </strong>
              . The account’s owners and admins can change it.
            </p>
          )}
        </Card>
      </div>
    </>
  );
}

/** The languages emails ship in (server/notifications/templates/), with their formats. */
const EMAIL_LANGUAGES = [
  { value: 'en-US', label: 'English (United States)' },
  { value: 'en-GB', label: 'English (United Kingdom)' },
  { value: 'de-DE', label: 'Deutsch (Deutschland)' },
  { value: 'de-AT', label: 'Deutsch (Österreich)' },
  { value: 'de-CH', label: 'Deutsch (Schweiz)' },
];
