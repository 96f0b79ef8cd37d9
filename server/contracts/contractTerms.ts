import { z } from 'zod';
import type { Account } from '../accounts/Account';
import { Plan } from '../catalog/Plan';
import { PlanEntitlement } from '../catalog/PlanEntitlement';
import { now } from '../clock';
import { ValidationError } from '../errors';
import { checkPlanChoice, planChoiceInput, planField } from '../subscriptions/planChoice';
import type { CollectionMethod, LimitOverride } from './Contract';

const MAX_AMOUNT = 100_000_000_000;

export const contractInput = z
  .object({
    accountId: z.string().uuid('is not an account id'),
    ...planChoiceInput,
    unitAmount: z
      .number()
      .int('must be a whole number of minor units')
      .min(0, 'must not be negative')
      .max(MAX_AMOUNT, 'is too large'),
    currency: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z]{3}$/, 'is not a three-letter currency code')
      .nullish(),
    interval: z.enum(['month', 'year'], { message: 'must be MONTH or YEAR' }).nullish(),
    billing: z.enum(['card', 'invoice']),
    daysUntilDue: z.number().int('must be a whole number of days').nullish(),
    trialDays: z
      .number()
      .int('must be a whole number of days')
      .min(0, 'must not be negative')
      .max(730, 'is at most 730 days')
      .nullish(),
    endsAt: z.date().nullish(),
    autoRenew: z.boolean().nullish(),
    limitOverrides: z
      .array(
        z.object({
          featureKey: z.string().trim().min(1, 'is required').max(100, 'is at most 100 characters'),
          limit: z.number().int('must be a whole number').min(0, 'must not be negative').nullish(),
          unlimited: z.boolean().nullish(),
        }),
      )
      .max(50, 'has at most 50 entries')
      .nullish(),
  })
  .superRefine((input, context) => {
    checkPlanChoice(input, context);
    const problem = (path: string, message: string) =>
      context.addIssue({ code: 'custom', path: [path], message });
    if (input.billing === 'invoice') {
      if (input.daysUntilDue === null || input.daysUntilDue === undefined)
        problem('daysUntilDue', 'is required when billing by invoice');
      else if (input.daysUntilDue < 1 || input.daysUntilDue > 365)
        problem('daysUntilDue', 'must be between 1 and 365 days');
    } else if (input.daysUntilDue !== null && input.daysUntilDue !== undefined) {
      problem('daysUntilDue', 'applies only to billing by invoice');
    }
    if (input.endsAt && input.endsAt.getTime() <= now().getTime()) problem('endsAt', 'must be in the future');
    if (input.endsAt && input.autoRenew) problem('autoRenew', 'a contract with an end date does not renew');
    if (!input.endsAt && input.autoRenew === false)
      problem('endsAt', 'is required unless the contract renews');
    input.limitOverrides?.forEach((override, index) => {
      if (override.unlimited === true && override.limit !== null && override.limit !== undefined)
        problem(`limitOverrides.${index}.limit`, 'give a limit or unlimited, not both');
      if (!override.unlimited && (override.limit === null || override.limit === undefined))
        problem(`limitOverrides.${index}.limit`, 'is required unless unlimited');
    });
  });

export type ContractInput = z.output<typeof contractInput>;

/** The contract's terms as they are stored, once checked against the plan and the account. */
export interface CheckedTerms {
  plan: Plan;
  unitAmount: number;
  currency: string;
  billingInterval: 'month' | 'year';
  collectionMethod: CollectionMethod;
  daysUntilDue: number | null;
  trialDays: number;
  endsAt: Date | null;
  autoRenew: boolean;
  entitlementOverrides: LimitOverride[];
}

/**
 * Checks what the input says against the catalog and the account: a published plan version (a draft
 * may still change, an archived one is withdrawn), the account's currency (Stripe bills a customer in
 * one), and overrides only of limits the plan has. Every problem is reported
 * by field, and nothing is written.
 */
export async function checkContractTerms({
  input,
  account,
}: {
  input: ContractInput;
  account: Account;
}): Promise<CheckedTerms> {
  const problems: Record<string, string> = {};
  // By key, the version on sale now; by id, any published version (a grandfathered one included).
  const plan = input.planKey
    ? await Plan.query().findOne({ key: input.planKey, active: true })
    : await Plan.query().findById(input.planId!);
  const field = planField(input);
  if (!plan) problems[field] = input.planKey ? 'is not a plan on sale' : 'is not a plan';
  else if (plan.status !== 'published')
    problems[field] = `is ${plan.status === 'draft' ? 'a draft' : 'archived'}`;
  const currency = input.currency ?? account.currency;
  if (currency !== account.currency)
    problems.currency = `the account pays in ${account.currency.toUpperCase()}`;
  const interval = input.interval ?? (plan?.billingInterval === 'lifetime' ? null : plan?.billingInterval);
  if (plan && !interval) problems.interval = `is required: ${plan.name} has no billing interval`;
  const limits = plan
    ? new Set(
        (await PlanEntitlement.query().where({ planId: plan.id, kind: 'limit' })).map(
          (entitlement) => entitlement.featureKey,
        ),
      )
    : new Set<string>();
  input.limitOverrides?.forEach((override, index) => {
    if (plan && !limits.has(override.featureKey))
      problems[`limitOverrides.${index}.featureKey`] = `is not a limit of ${plan.name}`;
  });
  if (Object.keys(problems).length > 0 || !plan || !interval) throw ValidationError.forFields(problems);
  return {
    plan,
    unitAmount: input.unitAmount,
    currency,
    billingInterval: interval,
    collectionMethod: input.billing === 'invoice' ? 'send_invoice' : 'charge_automatically',
    daysUntilDue: input.billing === 'invoice' ? input.daysUntilDue! : null,
    trialDays: input.trialDays ?? 0,
    endsAt: input.endsAt ?? null,
    autoRenew: !input.endsAt,
    entitlementOverrides: (input.limitOverrides ?? []).map((override) => ({
      featureKey: override.featureKey,
      limit: override.unlimited ? null : override.limit!,
      unlimited: Boolean(override.unlimited),
    })),
  };
}
