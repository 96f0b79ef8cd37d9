import { Form } from '@remix-run/react';
import { ContractBadge, ContractTerms } from '~/components/ContractTerms';
import { Field, SelectField } from '~/components/forms';
import type { AdminAccountQuery } from '~/graphql/generated';
import { intervalLabel } from '~/lib/format';
import { useFormat } from '~/lib/formatContext';

type Plan = AdminAccountQuery['plans'][number];
type Contract = NonNullable<AdminAccountQuery['account']['contract']>;

/**
 * The account's custom contract, or the form that makes one: a published plan (contact-sales ones
 * included) at the account's own price, billed by card or by invoice with payment terms, until an end
 * date or renewing.
 */
export function ContractPanel({
  contract,
  plans,
  currency,
  idempotencyKey,
  errors,
  busy,
}: {
  contract: Contract | null;
  plans: Plan[];
  currency: string;
  idempotencyKey: string;
  errors: Record<string, string | undefined>;
  busy: boolean;
}) {
  const { formatMoney } = useFormat();
  if (contract)
    return (
      <>
        <p className="plan-name">
          {contract.plan.name} <ContractBadge />
        </p>
        <p className="muted small">
          <ContractTerms contract={contract} />
          {contract.limitOverrides.length > 0
            ? ` · ${contract.limitOverrides
                .map(
                  (override) =>
                    `${override.featureKey}: ${override.unlimited ? 'unlimited' : override.limit}`,
                )
                .join(', ')}`
            : ''}
        </p>
        {contract.status === 'ACTIVE' ? (
          <ContractTermForm contract={contract} error={errors.contractTermEndsAt} busy={busy} />
        ) : null}
      </>
    );
  const choices = plans
    .filter((plan) => plan.status === 'PUBLISHED')
    .map((plan) => ({
      value: plan.id,
      label: `${plan.name} v${plan.version} · ${formatMoney(plan.price)} per ${intervalLabel(plan.interval)}${
        plan.purchaseMode === 'CONTACT_SALES' ? ' · contact sales' : ''
      }`,
    }));
  return (
    <Form method="post" className="stack">
      <input type="hidden" name="intent" value="contract" />
      <input type="hidden" name="idempotencyKey" value={idempotencyKey} />
      <input type="hidden" name="currency" value={currency} />
      <SelectField
        label="Plan"
        name="planId"
        id="contract-plan"
        options={choices}
        error={errors.contractPlan}
      />
      <Field
        label={`Price (${currency.toUpperCase()})`}
        name="price"
        id="contract-price"
        inputMode="decimal"
        placeholder="e.g. 1,250.00"
        error={errors.contractPrice}
      />
      <SelectField
        label="Billed every"
        name="interval"
        id="contract-interval"
        options={[
          { value: '', label: 'The plan’s interval' },
          { value: 'MONTH', label: 'Month' },
          { value: 'YEAR', label: 'Year' },
        ]}
        error={errors.contractInterval}
      />
      <SelectField
        label="Billing"
        name="billing"
        id="contract-billing"
        options={[
          { value: 'INVOICE', label: 'By invoice, with payment terms' },
          { value: 'CARD', label: 'By card (the customer’s saved card)' },
        ]}
        error={errors.contractBilling}
      />
      <Field
        label="Days until due (invoices)"
        name="daysUntilDue"
        id="contract-days-until-due"
        type="number"
        min={1}
        max={365}
        defaultValue={30}
        error={errors.contractDaysUntilDue}
      />
      <Field
        label="Trial days"
        name="trialDays"
        id="contract-trial-days"
        type="number"
        min={0}
        max={730}
        defaultValue={0}
        hint="Days before the first charge or invoice."
        error={errors.contractTrialDays}
      />
      <Field
        label="End date"
        name="endsAt"
        id="contract-ends-at"
        type="date"
        hint="Leave empty for a contract that renews automatically."
        error={errors.contractEndsAt}
      />
      <button type="submit" className="button button-primary" disabled={busy}>
        Start contract
      </button>
    </Form>
  );
}

/** Gives the contract an end date, or makes it renew again. */
function ContractTermForm({ contract, error, busy }: { contract: Contract; error?: string; busy: boolean }) {
  return (
    <Form method="post" className="stack">
      <input type="hidden" name="intent" value="contract-term" />
      <input type="hidden" name="contractId" value={contract.id} />
      <Field
        label="End date"
        name="endsAt"
        id="contract-term-ends-at"
        type="date"
        defaultValue={contract.endsAt?.slice(0, 10)}
        error={error}
      />
      <div className="page-actions">
        <button type="submit" className="button" disabled={busy}>
          Set end date
        </button>
        {contract.endsAt ? (
          <button type="submit" name="renew" value="true" className="button" disabled={busy}>
            Renew automatically
          </button>
        ) : null}
      </div>
    </Form>
  );
}
