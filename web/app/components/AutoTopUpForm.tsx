import { Form, useNavigation } from '@remix-run/react';
import type { ReactNode } from 'react';
import type { AutoTopUpSettingsFragment } from '~/graphql/generated';
import { type MoneyValue } from '~/lib/format';
import { useFormat } from '~/lib/formatContext';
import { EmptyState } from './EmptyState';
import { Field, FormError, Notice, SelectField } from './forms';
import { Card } from './ui';

interface AutoTopUpPackage {
  id: string;
  milliCredits: number;
  price: MoneyValue;
}

/** After this many failed attempts in a row, automatic top-up switches itself off (MAX_CONSECUTIVE_FAILURES on the server). */
const FAILURES_BEFORE_SWITCHING_OFF = 3;

/**
 * Automatic top-up: buys a package off-session, with the card on file, whenever the balance falls below
 * a threshold. Shows why it switched itself off after failed charges; owners and admins change it.
 */
export function AutoTopUpCard({
  settings,
  packages,
  defaultThresholdMilliCredits,
  canManage,
  salesOnly = null,
  failure,
}: {
  settings: AutoTopUpSettingsFragment | null;
  packages: AutoTopUpPackage[];
  /** What the threshold field offers before any is set: the balance the service calls low. */
  defaultThresholdMilliCredits: number;
  canManage: boolean;
  /** Shown instead of the form while self-serve billing is off for the account. */
  salesOnly?: ReactNode;
  failure?: { formError: string; fieldErrors: Record<string, string | undefined> } | null;
}) {
  const { formatCredits, formatMoney } = useFormat();
  const saving = useNavigation().formData?.get('intent') === 'auto-top-up';
  const errors = failure?.fieldErrors ?? {};
  return (
    <Card title="Automatic top-up">
      <AutoTopUpStatus settings={settings} />
      <FormError
        message={failure && Object.values(errors).every((problem) => !problem) ? failure.formError : null}
      />
      {!canManage ? (
        <p className="muted small">Only the account’s owners and admins can change automatic top-up.</p>
      ) : salesOnly ? (
        salesOnly
      ) : packages.length === 0 ? (
        <EmptyState>Automatic top-up is not offered right now.</EmptyState>
      ) : (
        <Form method="post" aria-label="Automatic top-up settings">
          <input type="hidden" name="intent" value="auto-top-up" />
          <p>
            <label className="checkbox">
              <input type="checkbox" name="enabled" value="on" defaultChecked={settings?.enabled ?? false} />{' '}
              Top up automatically
            </label>
          </p>
          <Field
            label="When the balance falls below (credits)"
            name="threshold"
            inputMode="decimal"
            autoComplete="off"
            defaultValue={formatCredits(settings?.thresholdMilliCredits ?? defaultThresholdMilliCredits)}
            error={errors.threshold}
          />
          <SelectField
            label="Buy"
            name="creditPackageId"
            defaultValue={settings?.creditPackage.id ?? packages[0]!.id}
            error={errors.creditPackageId}
            options={packages.map((creditPackage) => ({
              value: creditPackage.id,
              label: `${formatCredits(creditPackage.milliCredits)} credits for ${formatMoney(creditPackage.price)}`,
            }))}
          />
          <p className="muted small">
            It charges the card on file: the one you paid with when you last bought credits or subscribed. No
            card yet? Buy a credit pack or subscribe to a plan first.
          </p>
          <button type="submit" className="button button-primary" disabled={saving}>
            Save automatic top-up
          </button>
        </Form>
      )}
    </Card>
  );
}

function AutoTopUpStatus({ settings }: { settings: AutoTopUpSettingsFragment | null }) {
  const { formatCredits, formatDateTime, formatMoney } = useFormat();
  if (!settings)
    return <p className="muted">Off. Turn it on so you never run out of credits in the middle of work.</p>;
  const { creditPackage } = settings;
  return (
    <>
      {settings.disabledReason ? (
        <Notice tone="warning">
          <strong>Automatic top-up switched itself off</strong> after {settings.consecutiveFailures} failed{' '}
          {settings.consecutiveFailures === 1 ? 'attempt' : 'attempts'}: {settings.disabledReason}. Check your
          card under Payment methods on the billing page, then turn it back on here.
        </Notice>
      ) : null}
      <p data-testid="auto-top-up-status">
        {settings.enabled ? (
          <>
            <span className="badge badge-good">On</span> When your balance falls below{' '}
            {formatCredits(settings.thresholdMilliCredits)} credits, we buy{' '}
            {formatCredits(creditPackage.milliCredits)} credits for {formatMoney(creditPackage.price)}.
          </>
        ) : (
          <>
            <span className="badge">Off</span> Your balance is not topped up automatically.
          </>
        )}
      </p>
      {settings.enabled && settings.consecutiveFailures > 0 ? (
        <p className="small negative">
          The last{' '}
          {settings.consecutiveFailures === 1 ? 'attempt' : `${settings.consecutiveFailures} attempts`}{' '}
          failed; after {FAILURES_BEFORE_SWITCHING_OFF} in a row it switches itself off.
        </p>
      ) : null}
      {settings.inFlight ? <p className="small">A top-up is being paid right now.</p> : null}
      {settings.lastAttemptAt ? (
        <p className="muted small">Last top-up attempt: {formatDateTime(settings.lastAttemptAt)}</p>
      ) : null}
    </>
  );
}
