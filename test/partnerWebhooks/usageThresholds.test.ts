import { tellUsageThresholdsCrossed } from '../../server/usage/usageThresholds';
import { createAccount, createPartnerKey, unique } from '../factories';
import { useBillingStack } from '../support/billingStack';
import { expectInSequence, usePartnerReceiver } from '../support/partnerReceiver';
import type { Caller } from '../support/testApp';

/**
 * A partner hears when one of its customers has used 80 % and then all of a meter's allowance for the
 * period: recorded through the API as a partner records it, told by the job, once per threshold however
 * often (and on however many processes) the job runs.
 */
const stack = useBillingStack();
const partner = usePartnerReceiver();
let usageKey: Caller;

beforeAll(async () => {
  usageKey = { apiKey: (await createPartnerKey({ scopes: ['usage:write'] })).secret };
});

const RECORD = `mutation($input: RecordUsageInput!) { recordUsage(input: $input) { accepted rejected } }`;

async function recordUsage(externalId: string, meterKey: string, quantity: number) {
  const { data, errors } = await stack.app.graphql(
    RECORD,
    {
      input: {
        events: [
          {
            externalId,
            meterKey,
            quantity,
            occurredAt: new Date().toISOString(),
            idempotencyKey: unique('evt'),
          },
        ],
      },
    },
    usageKey,
  );
  expect(errors).toBeUndefined();
  expect(data!.recordUsage).toEqual({ accepted: 1, rejected: 0 });
}

async function thresholdEvents(accountId: string) {
  return stack
    .knex('partnerEvents')
    .where({ accountId, type: 'usage.threshold_crossed' })
    .orderBy('sequence')
    .select('payload');
}

async function includedOnFreePlan(meterKey: string): Promise<number> {
  const row = await stack
    .knex('planEntitlements as e')
    .join('plans as p', 'p.id', 'e.planId')
    .where({ 'p.key': 'free', 'p.active': true, 'e.featureKey': meterKey, 'e.kind': 'metered' })
    .first('e.includedQuantity');
  return Number(row.includedQuantity);
}

describe('usage.threshold_crossed', () => {
  it('tells 80 % and 100 % of an allowance once each, in the account’s sequence', async () => {
    const account = await createAccount();
    const included = await includedOnFreePlan('api_calls');
    const eighty = (included * 80) / 100;

    await recordUsage(account.externalId, 'api_calls', eighty - 1);
    await tellUsageThresholdsCrossed();
    expect(await thresholdEvents(account.id)).toEqual([]);

    await recordUsage(account.externalId, 'api_calls', 1);
    await Promise.all([tellUsageThresholdsCrossed(), tellUsageThresholdsCrossed()]);
    await tellUsageThresholdsCrossed();
    const atEighty = await thresholdEvents(account.id);
    expect(atEighty.map(({ payload }) => payload)).toEqual([
      expect.objectContaining({
        meter: expect.objectContaining({ key: 'api_calls' }),
        thresholdPercent: 80,
        includedQuantity: included,
        usedQuantity: eighty,
        plan: expect.objectContaining({ key: 'free' }),
        periodStart: expect.any(String),
      }),
    ]);

    await recordUsage(account.externalId, 'api_calls', included - eighty);
    await tellUsageThresholdsCrossed();
    await tellUsageThresholdsCrossed();
    const all = await thresholdEvents(account.id);
    expect(all.map(({ payload }) => [payload.thresholdPercent, payload.usedQuantity])).toEqual([
      [80, eighty],
      [100, included],
    ]);

    await partner.run();
    const received = partner.receivedBy(account.id);
    expectInSequence(received);
    expect(
      received
        .filter((event) => event.type === 'usage.threshold_crossed')
        .map((event) => (event.data as { thresholdPercent: number }).thresholdPercent),
    ).toEqual([80, 100]);
  });

  it('tells both thresholds at once when one batch crosses them, and nothing to an account on no plan', async () => {
    const account = await createAccount();
    const included = await includedOnFreePlan('agent_action.small');
    await recordUsage(account.externalId, 'agent_action.small', included);
    await tellUsageThresholdsCrossed();
    expect(
      (await thresholdEvents(account.id)).map(({ payload }) => [payload.meter.key, payload.thresholdPercent]),
    ).toEqual([
      ['agent_action.small', 80],
      ['agent_action.small', 100],
    ]);

    // Nothing is included without a plan, so there is no share of it to tell.
    const quiet = await createAccount();
    await stack.knex('subscriptions').where({ accountId: quiet.id }).delete();
    await recordUsage(quiet.externalId, 'agent_action.small', included);
    await tellUsageThresholdsCrossed();
    expect(await thresholdEvents(quiet.id)).toEqual([]);
  });
});
