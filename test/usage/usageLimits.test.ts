import { MAX_USAGE_QUANTITY } from '../../server/usage/usageEventInput';
import { createDemoCatalog, createMember, createPartnerKey, unique } from '../factories';
import { useTestDatabase } from '../support/database';
import { startTestApp, type Caller, type TestApp } from '../support/testApp';

const db = useTestDatabase();
let app: TestApp;
let partner: Caller;

beforeAll(async () => {
  await createDemoCatalog(db.knex);
  app = await startTestApp({ database: db.knex });
  partner = {
    apiKey: (
      await createPartnerKey({ scopes: ['accounts:read', 'usage:write', 'usage:read', 'entitlements:read'] })
    ).secret,
  };
});
afterAll(() => app.close());

const RECORD = `mutation($input: RecordUsageInput!) {
  recordUsage(input: $input) { accepted duplicates rejected errors { index code field message } } }`;
const READS = `query($id: ID!, $from: DateTime!, $to: DateTime!) {
  account(id: $id) {
    usageSummary { meter { key } quantity }
    usageSeries(from: $from, to: $to, granularity: DAY, meterKeys: ["api_calls"]) { buckets { start quantity } }
  }
  entitlement(accountId: $id, featureKey: "api_calls") { allowed used remaining }
}`;

const DAY = 24 * 60 * 60 * 1000;
const event = (accountId: string, fields: Record<string, unknown>) => ({
  accountId,
  meterKey: 'api_calls',
  quantity: 1,
  occurredAt: new Date().toISOString(),
  idempotencyKey: unique('evt'),
  ...fields,
});

async function readUsage(accountId: string) {
  const today = new Date(Math.floor(Date.now() / DAY) * DAY);
  const result = await app.graphql(
    READS,
    { id: accountId, from: today.toISOString(), to: new Date(today.getTime() + DAY).toISOString() },
    partner,
  );
  expect(result.errors).toBeUndefined();
  return {
    summary: result.data!.account.usageSummary.find((usage: any) => usage.meter.key === 'api_calls').quantity,
    series: result.data!.account.usageSeries[0].buckets.map((bucket: any) => bucket.quantity),
    used: result.data!.entitlement.used,
  };
}

describe('the quantity of a usage event', () => {
  it('is at most a billion: a larger one is refused by its index, and the account stays readable', async () => {
    const { account } = await createMember();
    const { data } = await app.graphql(
      RECORD,
      {
        input: {
          events: [
            event(account.id, { quantity: Number.MAX_SAFE_INTEGER }),
            event(account.id, { quantity: MAX_USAGE_QUANTITY }),
            event(account.id, { quantity: MAX_USAGE_QUANTITY + 1 }),
            event(account.id, { quantity: MAX_USAGE_QUANTITY }),
          ],
        },
      },
      partner,
    );
    expect(data!.recordUsage).toEqual({
      accepted: 2,
      duplicates: 0,
      rejected: 2,
      errors: [0, 2].map((index) => ({
        index,
        code: 'BAD_USER_INPUT',
        field: 'quantity',
        message: 'quantity: is at most 1000000000',
      })),
    });
    expect(await readUsage(account.id)).toEqual({
      summary: 2 * MAX_USAGE_QUANTITY,
      series: [2 * MAX_USAGE_QUANTITY],
      used: 2 * MAX_USAGE_QUANTITY,
    });
  });

  it('must be 1 on a meter that counts events, rather than be counted as one event silently', async () => {
    const { account } = await createMember();
    const { data } = await app.graphql(
      RECORD,
      {
        input: {
          events: [
            event(account.id, { meterKey: 'executions', quantity: 10_001 }),
            event(account.id, { meterKey: 'executions', quantity: 0 }),
            event(account.id, { meterKey: 'executions', quantity: 1 }),
          ],
        },
      },
      partner,
    );
    expect(data!.recordUsage).toMatchObject({ accepted: 1, rejected: 2 });
    expect(data!.recordUsage.errors).toEqual(
      [0, 1].map((index) => ({
        index,
        code: 'BAD_USER_INPUT',
        field: 'quantity',
        message: 'quantity: must be 1: executions counts events, so send one event per occurrence',
      })),
    );
    expect(await db.knex('usage_events').where({ accountId: account.id })).toEqual([
      expect.objectContaining({ quantity: 1 }),
    ]);
  });
});

describe('usage read back', () => {
  it('saturates at the largest exact integer instead of failing, whatever was written before the limits', async () => {
    const { account } = await createMember();
    const meter = await db.knex('meters').where({ key: 'api_calls' }).first();
    // Rollups written before quantities were capped: each bucket alone near 2^53, together beyond it.
    const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
    const day = new Date(Math.floor(Date.now() / DAY) * DAY);
    await db.knex('usage_rollups').insert(
      [
        { granularity: 'hour', bucketStart: hour },
        { granularity: 'hour', bucketStart: new Date(hour.getTime() - 3_600_000) },
        { granularity: 'day', bucketStart: day },
      ].map((bucket) => ({
        accountId: account.id,
        meterId: meter.id,
        ...bucket,
        eventCount: 1,
        sumQuantity: Number.MAX_SAFE_INTEGER,
        maxQuantity: Number.MAX_SAFE_INTEGER,
        latestQuantity: Number.MAX_SAFE_INTEGER,
        latestOccurredAt: hour,
      })),
    );
    expect(await readUsage(account.id)).toEqual({
      summary: Number.MAX_SAFE_INTEGER,
      series: [Number.MAX_SAFE_INTEGER],
      used: Number.MAX_SAFE_INTEGER,
    });
    const more = await app.graphql(RECORD, { input: { events: [event(account.id, {})] } }, partner);
    expect(more.data!.recordUsage.accepted).toBe(1);
    expect((await readUsage(account.id)).summary).toBe(Number.MAX_SAFE_INTEGER);
  });
});
