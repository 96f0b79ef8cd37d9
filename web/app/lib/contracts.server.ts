import type { AppLoadContext } from '@remix-run/node';
import { randomUUID } from 'node:crypto';
import {
  CreateContractDocument,
  UpdateContractDocument,
  type BillingInterval,
  type ContractBilling,
} from '~/graphql/generated';
import { field, invalid, mutate } from '~/lib/api.server';
import { parseMoney } from '~/lib/format';
import { safeRedirect } from '~/lib/redirects.server';

/** Where each of the API's fields shows its problem on the contract form. */
const FORM_FIELD_OF: Record<string, string> = {
  planId: 'contractPlan',
  unitAmount: 'contractPrice',
  currency: 'contractPrice',
  interval: 'contractInterval',
  billing: 'contractBilling',
  daysUntilDue: 'contractDaysUntilDue',
  trialDays: 'contractTrialDays',
  endsAt: 'contractEndsAt',
  autoRenew: 'contractEndsAt',
};

/**
 * The admin console's "Custom contract" form: the price is typed in major units (1,250.00) and sent in
 * minor units; an empty end date means the contract renews. The API checks everything else, and its
 * problems come back next to the fields they concern.
 */
export async function createContractFromForm({
  request,
  context,
  accountId,
  currency,
  form,
}: {
  request: Request;
  context: AppLoadContext;
  accountId: string;
  currency: string;
  form: FormData;
}) {
  const unitAmount = parseMoney(field(form, 'price'), currency, { allowZero: true });
  const endsOn = field(form, 'endsAt');
  const endsAt = endsOn ? new Date(`${endsOn}T00:00:00Z`) : null;
  const problems: Record<string, string> = {};
  if (!field(form, 'planId')) problems.contractPlan = 'Choose a plan.';
  if (unitAmount === null) problems.contractPrice = 'Enter a price such as 1250 or 1,250.00.';
  if (endsAt && Number.isNaN(endsAt.getTime())) problems.contractEndsAt = 'Enter a date, or leave it empty.';
  if (Object.keys(problems).length > 0) return invalid(problems);
  const billing = (field(form, 'billing') === 'INVOICE' ? 'INVOICE' : 'CARD') as ContractBilling;
  const interval = field(form, 'interval');
  const outcome = await mutate(context, request, CreateContractDocument, {
    input: {
      accountId,
      planId: field(form, 'planId'),
      unitAmount: unitAmount!,
      billing,
      ...(interval === 'MONTH' || interval === 'YEAR' ? { interval: interval as BillingInterval } : {}),
      ...(billing === 'INVOICE' ? { daysUntilDue: Number(field(form, 'daysUntilDue')) } : {}),
      ...(field(form, 'trialDays') ? { trialDays: Number(field(form, 'trialDays')) } : {}),
      ...(endsAt ? { endsAt: endsAt.toISOString(), autoRenew: false } : { autoRenew: true }),
      idempotencyKey: field(form, 'idempotencyKey') || randomUUID(),
    },
  });
  if (outcome.ok) return safeRedirect(`/admin/accounts/${accountId}?done=contract`);
  const fieldErrors: Record<string, string> = {};
  for (const [apiField, problem] of Object.entries(outcome.fieldErrors)) {
    const formField = FORM_FIELD_OF[apiField];
    if (formField) fieldErrors[formField] ??= problem;
  }
  return { ...outcome, fieldErrors };
}

/** The contract's term from the admin console: an end date, or renewing again (`renew`). */
export async function changeContractTermFromForm({
  request,
  context,
  accountId,
  form,
}: {
  request: Request;
  context: AppLoadContext;
  accountId: string;
  form: FormData;
}) {
  const contractId = field(form, 'contractId');
  const renew = field(form, 'renew') === 'true';
  const endsOn = field(form, 'endsAt');
  const endsAt = endsOn ? new Date(`${endsOn}T00:00:00Z`) : null;
  if (!renew && (!endsAt || Number.isNaN(endsAt.getTime())))
    return invalid({ contractTermEndsAt: 'Enter the date the contract ends.' });
  const outcome = await mutate(context, request, UpdateContractDocument, {
    input: renew ? { contractId, autoRenew: true } : { contractId, endsAt: endsAt!.toISOString() },
  });
  if (outcome.ok) return safeRedirect(`/admin/accounts/${accountId}?done=contract-term`);
  return { ...outcome, fieldErrors: { contractTermEndsAt: outcome.fieldErrors.endsAt } };
}
