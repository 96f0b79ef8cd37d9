import { systemActor } from '../../server/auth/actor';
import { ManualClock, now, useClock } from '../../server/clock';
import { recordUsage } from '../../server/usage/recordUsage';
import { createDemoCatalog, createMember, createPartnerKey, unique } from '../factories';
import { useTestDatabase } from '../support/database';
import { startTestApp, type TestApp } from '../support/testApp';

const db = useTestDatabase();
let app: TestApp;

/**
 * A fixed now, on the first of a month at half past noon: the day series then spans the month's end
 * whatever the date the tests run, and recorded usage falls in the middle of an hour.
 */
const NOW = new Date(Date.UTC(2026, 2, 1, 12, 30));
let restoreClock: () => void;

beforeAll(async () => {
  restoreClock = useClock(new ManualClock(NOW));
  await createDemoCatalog(db.knex);
  app = await startTestApp({ database: db.knex });
});
afterAll(async () => {
  await app.close();
  restoreClock();
});

const SERIES = `query($id: ID, $from: DateTime!, $to: DateTime!, $granularity: UsageGranularity!, $meterKeys: [String!]) {
  account(id: $id) { usageSeries(from: $from, to: $to, granularity: $granularity, meterKeys: $meterKeys) { meter { key } granularity buckets { start quantity } } }
}`;
const SUMMARY = `query($id: ID) { account(id: $id) { usageSummary { meter { key } quantity included remaining unlimited } } }`;

const DAY = 24 * 60 * 60 * 1000;
const startOfToday = () => new Date(Math.floor(now().getTime() / DAY) * DAY);

async function record(
  accountId: string,
  events: Array<{ meterKey: string; quantity: number; occurredAt: Date; userId?: string }>,
) {
  const result = await recordUsage({
    actor: systemActor('test'),
    events: events.map(({ userId, ...event }) => ({
      ...event,
      accountId,
      idempotencyKey: unique('evt'),
      properties: userId ? { user_id: userId } : {},
    })),
  });
  expect(result.rejected).toBe(0);
}

describe('usage series for charts', () => {
  it('gives every whole bucket overlapping the range, empty ones included', async () => {
    const { account, cookie } = await createMember({ role: 'member' });
    const today = startOfToday();
    const yesterday = new Date(today.getTime() - DAY);
    await record(account.id, [
      { meterKey: 'api_calls', quantity: 5, occurredAt: new Date(yesterday.getTime() + 3_600_000) },
      { meterKey: 'api_calls', quantity: 7, occurredAt: new Date(yesterday.getTime() + 7_200_000) },
      {
        meterKey: 'active_users',
        quantity: 1,
        occurredAt: new Date(yesterday.getTime() + 60_000),
        userId: 'ann',
      },
      {
        meterKey: 'active_users',
        quantity: 1,
        occurredAt: new Date(today.getTime() + 60_000),
        userId: 'ann',
      },
      {
        meterKey: 'active_users',
        quantity: 1,
        occurredAt: new Date(today.getTime() + 120_000),
        userId: 'bob',
      },
    ]);
    const from = new Date(yesterday.getTime() - DAY + 5_000);
    const { data, errors } = await app.graphql(
      SERIES,
      {
        id: account.id,
        from,
        to: new Date(today.getTime() + 1),
        granularity: 'DAY',
        meterKeys: ['api_calls', 'active_users'],
      },
      { cookie },
    );
    expect(errors).toBeUndefined();
    const days = [yesterday.getTime() - DAY, yesterday.getTime(), today.getTime()].map((time) =>
      new Date(time).toISOString(),
    );
    expect(data!.account.usageSeries).toEqual([
      {
        meter: { key: 'active_users' },
        granularity: 'DAY',
        buckets: [
          { start: days[0], quantity: 0 },
          { start: days[1], quantity: 1 },
          { start: days[2], quantity: 2 },
        ],
      },
      {
        meter: { key: 'api_calls' },
        granularity: 'DAY',
        buckets: [
          { start: days[0], quantity: 0 },
          { start: days[1], quantity: 12 },
          { start: days[2], quantity: 0 },
        ],
      },
    ]);

    const month = await app.graphql(
      SERIES,
      {
        id: account.id,
        from: yesterday,
        to: new Date(today.getTime() + 1),
        granularity: 'MONTH',
        meterKeys: ['active_users'],
      },
      { cookie },
    );
    // Yesterday was the last day of February: Ann counts in both months, Bob only in March.
    expect(
      month.data!.account.usageSeries[0].buckets.map((bucket: { quantity: number }) => bucket.quantity),
    ).toEqual([1, 2]);
  });

  it('refuses unknown meters, reversed ranges and too many buckets', async () => {
    const { account, cookie } = await createMember();
    const today = startOfToday();
    const ask = (variables: Record<string, unknown>) =>
      app.graphql(
        SERIES,
        {
          id: account.id,
          from: today,
          to: new Date(today.getTime() + DAY),
          granularity: 'HOUR',
          ...variables,
        },
        { cookie },
      );
    expect((await ask({ meterKeys: ['nope'] })).errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { meterKeys: 'nope is not a meter' },
    });
    expect((await ask({ to: today })).errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { to: 'must be after from' },
    });
    expect((await ask({ to: new Date(today.getTime() + 42 * DAY) })).errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { to: expect.stringContaining('1000 buckets') },
    });
  });
});

describe('usage against the plan’s allowance', () => {
  it('shows the current period’s usage, what the plan includes and what remains', async () => {
    const { account, cookie } = await createMember();
    await record(account.id, [
      { meterKey: 'api_calls', quantity: 400, occurredAt: now() },
      { meterKey: 'api_calls', quantity: 900, occurredAt: now() },
      { meterKey: 'agent_action.small', quantity: 4, occurredAt: now() },
    ]);
    const { data } = await app.graphql(SUMMARY, { id: account.id }, { cookie });
    const byKey = Object.fromEntries(
      data!.account.usageSummary.map((usage: any) => [usage.meter.key, usage]),
    );
    expect(byKey['api_calls']).toEqual({
      meter: { key: 'api_calls' },
      quantity: 1300,
      included: 1000,
      remaining: 0,
      unlimited: false,
    });
    expect(byKey['agent_action.small']).toMatchObject({ quantity: 4, included: 10, remaining: 6 });
    expect(byKey['storage_gb']).toMatchObject({ quantity: 0, included: null, remaining: null });
  });
});

describe('who may read usage', () => {
  it('needs usage:read for partner keys', async () => {
    const { account } = await createMember();
    const reader = {
      apiKey: (await createPartnerKey({ scopes: ['accounts:read', 'usage:read'], accountId: account.id }))
        .secret,
    };
    const other = {
      apiKey: (
        await createPartnerKey({
          scopes: ['accounts:read', 'credits:read', 'usage:write'],
          accountId: account.id,
        })
      ).secret,
    };
    const variables = { id: account.id, from: startOfToday(), to: now(), granularity: 'HOUR' };
    expect((await app.graphql(SERIES, variables, reader)).errors).toBeUndefined();
    expect((await app.graphql(SUMMARY, { id: account.id }, reader)).errors).toBeUndefined();
    expect((await app.graphql(SERIES, variables, other)).errors?.[0]).toMatchObject({
      extensions: { code: 'FORBIDDEN' },
      message: expect.stringContaining('usage:read'),
    });
    expect((await app.graphql(SUMMARY, { id: account.id }, other)).errors?.[0]?.extensions.code).toBe(
      'FORBIDDEN',
    );
  });
});
