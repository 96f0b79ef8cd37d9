import { z } from 'zod';
import { describeActor, type Actor } from '../auth/actor';
import type { Account } from '../accounts/Account';
import { authorizeAccount, requireAuthenticated } from '../auth/authorization';
import { Meter } from '../catalog/Meter';
import { ValidationError } from '../errors';
import { faultPoint } from '../faultPoints';
import { parseInput } from '../validation';
import type { ConsumptionRequest, CreditConsumptionResult } from './consumptionBatch';
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
}: { actor: Actor } & ConsumeCreditsInput): Promise<CreditConsumptionResult> {
  const request = await prepareConsumption(new ConsumptionLookups(actor), input);
  const result = await consumptionBatcher.consume(request);
  await faultPoint('consumption.afterCommit');
  topUpWhereDue([{ request, result }]);
  return result;
}

export type ConsumeCreditsInput = z.input<typeof consumeCreditsInput>;

/** The most consumptions one `consumeCreditsBatch` call takes: one group of the batcher. */
export const MAX_CONSUMPTIONS_PER_BATCH = 500;

/** One consumption of a batch: its result, or why it failed. */
export type BatchConsumptionOutcome =
  | { index: number; result: CreditConsumptionResult; error: null }
  | { index: number; result: null; error: unknown };

export interface ConsumptionBatchResult {
  /** One per consumption, in the order given. */
  results: BatchConsumptionOutcome[];
}

/**
 * `consumeCredits` for many consumptions at once, of one account or many: what a partner serving many
 * customers sends. Each consumption stands alone, exactly as if sent by itself (its own validation,
 * authorization, idempotency key and result or error), and they are handed to the batcher together, so
 * they share transactions with each other and with concurrent callers. Answered once every one of them
 * is settled, in the order given.
 */
export async function consumeCreditsBatch({
  actor,
  consumptions,
}: {
  actor: Actor;
  consumptions: ConsumeCreditsInput[];
}): Promise<ConsumptionBatchResult> {
  requireAuthenticated(actor);
  if (consumptions.length === 0 || consumptions.length > MAX_CONSUMPTIONS_PER_BATCH)
    throw ValidationError.forField(
      'consumptions',
      `must hold between 1 and ${MAX_CONSUMPTIONS_PER_BATCH} consumptions; got ${consumptions.length}`,
    );
  const lookups = new ConsumptionLookups(actor);
  const prepared = await Promise.allSettled(consumptions.map((input) => prepareConsumption(lookups, input)));
  // Handed over in one turn of the event loop, so that they go into the same transaction.
  const settled = await Promise.allSettled(
    prepared.map(async (preparation) => {
      if (preparation.status === 'rejected') throw preparation.reason;
      return { request: preparation.value, result: await consumptionBatcher.consume(preparation.value) };
    }),
  );
  await faultPoint('consumption.afterCommit');
  topUpWhereDue(settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : [])));
  return {
    results: settled.map((outcome, index) =>
      outcome.status === 'fulfilled'
        ? { index, result: outcome.value.result, error: null }
        : { index, result: null, error: outcome.reason },
    ),
  };
}

/** Validates and authorizes one consumption, and prices its meter: the request for the batcher. */
async function prepareConsumption(
  lookups: ConsumptionLookups,
  input: ConsumeCreditsInput,
): Promise<ConsumptionRequest> {
  const request = parseInput(consumeCreditsInput, input);
  const account = await lookups.account(request);
  const meter = request.meterKey ? await lookups.meter(request.meterKey) : null;
  if (meter && meter.creditCostPerUnit * request.quantity! > MAX_CREDIT_AMOUNT)
    throw ValidationError.forField(
      'quantity',
      `costs more than the ${MAX_CREDIT_AMOUNT} milli-credits one consumption may charge`,
    );
  return {
    accountId: account.id,
    idempotencyKey: request.idempotencyKey,
    amount: request.amount ?? null,
    meter,
    quantity: request.quantity ?? null,
    description: request.description ?? null,
    actor: describeActor(lookups.actor),
  };
}

/**
 * The accounts and meters one call's consumptions name, each looked up and authorized once however many
 * consumptions name it.
 */
class ConsumptionLookups {
  private readonly accounts = new Map<string, Promise<Account>>();
  private readonly meters = new Map<string, Promise<PricedMeter>>();

  constructor(readonly actor: Actor) {}

  account({ accountId, externalId }: { accountId?: string | null; externalId?: string | null }) {
    const key = JSON.stringify([accountId ?? null, externalId ?? null]);
    let account = this.accounts.get(key);
    if (!account) {
      account = authorizeAccount({ actor: this.actor, accountId, externalId, permission: 'credits.consume' });
      this.accounts.set(key, account);
    }
    return account;
  }

  meter(key: string) {
    let meter = this.meters.get(key);
    if (!meter) {
      meter = pricedMeter(key);
      this.meters.set(key, meter);
    }
    return meter;
  }
}

/**
 * Top up at once rather than at the job's next run, a minute later. Not awaited: the caller's
 * consumption is done; a top-up that fails here is retried by that job (server/credits/autoTopUp.ts).
 */
function topUpWhereDue(consumed: Array<{ request: ConsumptionRequest; result: CreditConsumptionResult }>) {
  const due = new Set(
    consumed.filter(({ result }) => result.autoTopUpDue).map(({ request }) => request.accountId),
  );
  for (const accountId of due) void triggerAutoTopUp({ accountId }).catch(() => undefined);
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
