import { z } from 'zod';
import { describeActor, type Actor } from '../auth/actor';
import { authorizeAccount } from '../auth/authorization';
import { Meter } from '../catalog/Meter';
import { ValidationError } from '../errors';
import { faultPoint } from '../faultPoints';
import { parseInput } from '../validation';
import type { CreditConsumptionResult } from './consumptionBatch';
import { triggerAutoTopUp } from './autoTopUp';
import { consumptionBatcher } from './consumptionBatcher';
import { creditAmount, MAX_CREDIT_AMOUNT } from './creditLimits';
import { MAX_USAGE_QUANTITY } from '../usage/usageEventInput';
import type { PricedMeter } from './meteredCharges';

export type { CreditConsumptionResult } from './consumptionBatch';

const consumeCreditsInput = z
  .object({
    accountId: z.string().nullish(),
    externalId: z.string().nullish(),
    idempotencyKey: z.string().min(1, 'is required').max(150, 'is at most 150 characters'),
    amount: creditAmount.nullish(),
    meterKey: z.string().trim().min(1, 'is required').nullish(),
    quantity: z
      .number()
      .int('must be a whole number')
      .positive('must be positive')
      .max(MAX_USAGE_QUANTITY, `is at most ${MAX_USAGE_QUANTITY}`)
      .nullish(),
    description: z.string().trim().max(500, 'is at most 500 characters').nullish(),
  })
  .superRefine((input, context) => {
    const byMeter = input.meterKey != null || input.quantity != null;
    if ((input.amount != null) === byMeter)
      context.addIssue({
        code: 'custom',
        path: ['amount'],
        message: 'give either an amount, or a meterKey and a quantity',
      });
    else if (byMeter && input.meterKey == null)
      context.addIssue({ code: 'custom', path: ['meterKey'], message: 'is required with a quantity' });
    else if (byMeter && input.quantity == null)
      context.addIssue({ code: 'custom', path: ['quantity'], message: 'is required with a meterKey' });
  });

/**
 * Spends an account's credits: an amount of milli-credits, or a quantity of a meter at its credit
 * weight, where the units the plan still includes this period are free and a usage event is recorded
 * under the same key. Atomic and idempotent by key; never takes the balance below zero: when credits
 * are short it fails with INSUFFICIENT_CREDITS and changes nothing.
 */
export async function consumeCredits({
  actor,
  ...input
}: { actor: Actor } & z.input<typeof consumeCreditsInput>): Promise<CreditConsumptionResult> {
  const request = parseInput(consumeCreditsInput, input);
  const account = await authorizeAccount({
    actor,
    accountId: request.accountId,
    externalId: request.externalId,
    permission: 'credits.consume',
  });
  const meter = request.meterKey ? await pricedMeter(request.meterKey) : null;
  if (meter && meter.creditCostPerUnit * request.quantity! > MAX_CREDIT_AMOUNT)
    throw ValidationError.forField(
      'quantity',
      `costs more than the ${MAX_CREDIT_AMOUNT} milli-credits one consumption may charge`,
    );

  const result = await consumptionBatcher.consume({
    accountId: account.id,
    idempotencyKey: request.idempotencyKey,
    amount: request.amount ?? null,
    meter,
    quantity: request.quantity ?? null,
    description: request.description ?? null,
    actor: describeActor(actor),
  });
  await faultPoint('consumption.afterCommit');
  // Top up at once rather than at the job's next run, a minute later. Not awaited: the caller's
  // consumption is done; a top-up that fails here is retried by that job (server/credits/autoTopUp.ts).
  if (result.autoTopUpDue) void triggerAutoTopUp({ accountId: account.id }).catch(() => undefined);
  return result;
}

async function pricedMeter(key: string): Promise<PricedMeter> {
  const meter = await Meter.query().findOne({ key, active: true });
  if (!meter) throw ValidationError.forField('meterKey', `${key} is not an active meter`);
  if (meter.creditCostPerUnit === null)
    throw ValidationError.forField(
      'meterKey',
      `${key} has no credit weight, so it cannot be paid for in credits`,
    );
  if (meter.aggregation !== 'sum')
    throw ValidationError.forField(
      'meterKey',
      `${key} does not add up quantities, so it cannot be paid for in credits`,
    );
  return {
    id: meter.id,
    key: meter.key,
    aggregation: meter.aggregation,
    creditCostPerUnit: meter.creditCostPerUnit,
  };
}
