import { forgetHandledWarnings } from '../../server/entitlements/softLimits';
import { addMember, createAccount, createPartnerKey, createUser, unique } from '../factories';
import { useBillingStack } from '../support/billingStack';
import { subscribeOnTestClock, useFollowingClock } from '../support/subscribedAccount';

const stack = useBillingStack();
const time = useFollowingClock();

const CHECK = `query($externalId: String, $feature: String!) {
  entitlement(externalId: $externalId, featureKey: $feature) { featureKey kind allowed unlimited limit used remaining softLimitReached softLimitPercent overageAllowed plan { key } }
}`;
const REGISTER = `mutation($input: ResourceInput!) { registerResource(input: $input) { created check { used remaining allowed } } }`;
const RELEASE = `mutation($input: ResourceInput!) { releaseResource(input: $input) { used remaining allowed } }`;

let partner: string;
beforeAll(async () => {
  partner = (await createPartnerKey({ scopes: ['entitlements:read', 'entitlements:write', 'usage:write'] }))
    .secret;
});

async function freeAccount() {
  const externalId = unique('org');
  const account = await createAccount({ externalId, billingEmail: `${externalId}@customer.test` });
  return { account, externalId };
}

const check = async (externalId: string, feature: string) => {
  const { data, errors } = await stack.app.graphql(CHECK, { externalId, feature }, { apiKey: partner });
  expect(errors).toBeUndefined();
  return data!.entitlement;
};

describe('entitlement checks for partners', () => {
  it('answers for boolean features, and a feature the plan lacks is not allowed', async () => {
    const { externalId } = await freeAccount();
    expect(await check(externalId, 'api_access')).toMatchObject({
      kind: null,
      allowed: false,
      plan: { key: 'free' },
    });
    const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: 'pro_monthly' });
    expect(await check(subscribed.account.externalId!, 'api_access')).toMatchObject({
      kind: 'BOOLEAN',
      allowed: true,
      plan: { key: 'pro_monthly' },
    });
  });

  it('counts countable resources against the limit and refuses one beyond it, changing nothing', async () => {
    const { account, externalId } = await freeAccount();
    const input = (resourceId: string) => ({ input: { externalId, featureKey: 'projects', resourceId } });
    for (const id of ['p1', 'p2'])
      expect(
        (await stack.app.graphql(REGISTER, input(id), { apiKey: partner })).data!.registerResource.created,
      ).toBe(true);
    expect(
      (await stack.app.graphql(REGISTER, input('p1'), { apiKey: partner })).data!.registerResource,
    ).toEqual({ created: false, check: { used: 2, remaining: 1, allowed: true } });
    expect(
      (await stack.app.graphql(REGISTER, input('p3'), { apiKey: partner })).data!.registerResource.check,
    ).toEqual({ used: 3, remaining: 0, allowed: false });
    expect(await check(externalId, 'projects')).toMatchObject({
      kind: 'LIMIT',
      allowed: false,
      limit: 3,
      used: 3,
      remaining: 0,
      softLimitReached: true,
    });

    const before = await stack
      .knex('entitled_resources')
      .where({ accountId: account.id })
      .orderBy('resourceId');
    const refused = await stack.app.graphql(REGISTER, input('p4'), { apiKey: partner });
    expect(refused.errors?.[0]).toMatchObject({
      extensions: { code: 'LIMIT_EXCEEDED', featureKey: 'projects', limit: 3, used: 3, requested: 1 },
    });
    expect(
      await stack.knex('entitled_resources').where({ accountId: account.id }).orderBy('resourceId'),
    ).toEqual(before);

    expect(
      (await stack.app.graphql(RELEASE, input('p2'), { apiKey: partner })).data!.releaseResource,
    ).toEqual({ used: 2, remaining: 1, allowed: true });
    expect(
      (await stack.app.graphql(REGISTER, input('p4'), { apiKey: partner })).data!.registerResource.created,
    ).toBe(true);
  });

  it('does not act again on a retried call with the same key: a late retry of a register does not undo a release', async () => {
    const { account, externalId } = await freeAccount();
    // A key that may register and release, but not read entitlements: a replay needs no more than the call.
    const writer = { apiKey: (await createPartnerKey({ scopes: ['entitlements:write'] })).secret };
    const keyed = (resourceId: string, idempotencyKey: string) => ({
      input: { externalId, featureKey: 'projects', resourceId, idempotencyKey },
    });
    const first = await stack.app.graphql(REGISTER, keyed('r1', 'register-r1'), writer);
    expect(first.data!.registerResource).toEqual({
      created: true,
      check: { used: 1, remaining: 2, allowed: true },
    });
    expect(
      (await stack.app.graphql(RELEASE, keyed('r1', 'release-r1'), writer)).data!.releaseResource.used,
    ).toBe(0);

    const lateRetry = await stack.app.graphql(REGISTER, keyed('r1', 'register-r1'), writer);
    expect(lateRetry.errors).toBeUndefined();
    expect(lateRetry.data!.registerResource).toEqual({
      created: true,
      check: { used: 0, remaining: 3, allowed: true },
    });
    expect(await stack.knex('entitled_resources').where({ accountId: account.id })).toEqual([]);
    expect(
      (await stack.app.graphql(RELEASE, keyed('r1', 'release-r1'), writer)).data!.releaseResource.used,
    ).toBe(0);

    const reused = await stack.app.graphql(REGISTER, keyed('r2', 'register-r1'), writer);
    expect(reused.errors?.[0]?.extensions.code).toBe('CONFLICT');
  });

  it('refuses registering what is not a countable resource of the plan', async () => {
    const { externalId } = await freeAccount();
    const { errors } = await stack.app.graphql(
      REGISTER,
      { input: { externalId, featureKey: 'api_access', resourceId: 'x' } },
      { apiKey: partner },
    );
    expect(errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { featureKey: expect.stringContaining('not a countable resource') },
    });
    const readOnly = (await createPartnerKey({ scopes: ['entitlements:read'] })).secret;
    const noScope = await stack.app.graphql(
      REGISTER,
      { input: { externalId, featureKey: 'projects', resourceId: 'x' } },
      { apiKey: readOnly },
    );
    expect(noScope.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
  });

  it('counts members and registered seats, capped by the seats bought on per-seat plans', async () => {
    const subscribed = await subscribeOnTestClock({
      stack,
      clock: time.clock,
      planKey: 'team_monthly',
      seats: 4,
      members: 1,
    });
    const externalId = subscribed.account.externalId!;
    expect(await check(externalId, 'seats')).toMatchObject({
      kind: 'LIMIT',
      limit: 4,
      used: 2,
      remaining: 2,
      allowed: true,
    });
    await stack.app.graphql(
      REGISTER,
      { input: { externalId, featureKey: 'seats', resourceId: 'partner-user-1' } },
      { apiKey: partner },
    );
    await addMember({ accountId: subscribed.account.id, user: await createUser(), role: 'member' });
    expect(await check(externalId, 'seats')).toMatchObject({ used: 4, remaining: 0, allowed: false });
    const fifth = await stack.app.graphql(
      REGISTER,
      { input: { externalId, featureKey: 'seats', resourceId: 'partner-user-2' } },
      { apiKey: partner },
    );
    expect(fifth.errors?.[0]?.extensions.code).toBe('LIMIT_EXCEEDED');
  });

  it('measures metered allowances over the current period, with overage where the plan prices it', async () => {
    const { externalId } = await freeAccount();
    // `executions` counts events; a batch holds at most 1,000 of them.
    const record = async (count: number, key: string) => {
      for (let batch = 0; batch * 1000 < count; batch += 1) {
        const events = Array.from({ length: Math.min(1000, count - batch * 1000) }, (_, index) => ({
          externalId,
          meterKey: 'executions',
          quantity: 1,
          occurredAt: time.clock.now().toISOString(),
          idempotencyKey: `${key}-${batch}-${index}`,
        }));
        const { data, errors } = await stack.app.graphql(
          'mutation($input: RecordUsageInput!) { recordUsage(input: $input) { accepted } }',
          { input: { events } },
          { apiKey: partner },
        );
        expect(errors).toBeUndefined();
        expect(data!.recordUsage.accepted).toBe(events.length);
      }
    };
    await record(8_000, 'a');
    expect(await check(externalId, 'executions')).toMatchObject({
      kind: 'METERED',
      limit: 10_000,
      used: 8_000,
      remaining: 2_000,
      softLimitReached: true,
      allowed: true,
      overageAllowed: false,
    });
    await record(1_000, 'b');
    await record(1_000, 'c');
    expect(await check(externalId, 'executions')).toMatchObject({
      used: 10_000,
      remaining: 0,
      allowed: false,
      overageAllowed: false,
    });

    const pro = await subscribeOnTestClock({ stack, clock: time.clock, planKey: 'pro_monthly' });
    expect(await check(pro.account.externalId!, 'executions')).toMatchObject({
      limit: 100_000,
      used: 0,
      overageAllowed: true,
      allowed: true,
    });
    expect(await check(pro.account.externalId!, 'api_calls')).toMatchObject({
      unlimited: false,
      limit: 1_000_000,
    });
  });

  it('sends a soft-limit warning once per cooldown, however often the limit is checked', async () => {
    forgetHandledWarnings();
    const { account, externalId } = await freeAccount();
    for (const id of ['a', 'b', 'c'])
      await stack.app.graphql(
        REGISTER,
        { input: { externalId, featureKey: 'rooms', resourceId: id } },
        { apiKey: partner },
      );
    await Promise.all(Array.from({ length: 5 }, () => check(externalId, 'rooms')));
    const warnings = () =>
      stack.knex('notifications').where({ accountId: account.id, kind: 'soft_limit_reached' });
    expect(await warnings()).toHaveLength(1);
    time.clock.set(new Date(time.clock.now().getTime() + 23 * 3_600_000));
    await check(externalId, 'rooms');
    expect(await warnings()).toHaveLength(1);
    time.clock.set(new Date(time.clock.now().getTime() + 2 * 3_600_000));
    await check(externalId, 'rooms');
    expect(await warnings()).toHaveLength(2);
  });

  it('reflects a plan change at once, in every process that caches entitlements', async () => {
    const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: 'starter_monthly' });
    const externalId = subscribed.account.externalId!;
    expect(await check(externalId, 'agents')).toMatchObject({ limit: 25 });
    const maxId = (await stack.knex('plans').where({ key: 'max_monthly' }).first()).id;
    const upgraded = await stack.app.graphql(
      'mutation($input: ChangePlanInput!) { changePlan(input: $input) { kind } }',
      { input: { accountId: subscribed.account.id, planId: maxId } },
      { cookie: subscribed.cookie },
    );
    expect(upgraded.errors).toBeUndefined();
    expect(await check(externalId, 'agents')).toMatchObject({ limit: 1000, plan: { key: 'max_monthly' } });
  });

  it('is refused for accounts the key cannot see', async () => {
    const { account } = await freeAccount();
    const bound = (
      await createPartnerKey({ scopes: ['entitlements:read'], accountId: (await createAccount()).id })
    ).secret;
    const { errors } = await stack.app.graphql(
      'query($id: ID) { entitlement(accountId: $id, featureKey: "seats") { allowed } }',
      { id: account.id },
      { apiKey: bound },
    );
    expect(errors?.[0]?.extensions.code).toBe('NOT_FOUND');
  });
});

describe('entitlements of a member', () => {
  it('lists every feature of the plan with usage against each cap', async () => {
    const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: 'pro_monthly' });
    const { data } = await stack.app.graphql(
      'query($id: ID) { account(id: $id) { entitlements { featureKey kind allowed } } }',
      { id: subscribed.account.id },
      { cookie: subscribed.cookie },
    );
    const byKey = Object.fromEntries(
      data!.account.entitlements.map((entitlement: any) => [entitlement.featureKey, entitlement]),
    );
    expect(byKey).toMatchObject({
      priority_support: { kind: 'BOOLEAN', allowed: true },
      projects: { kind: 'LIMIT' },
      executions: { kind: 'METERED' },
      credits: { kind: 'CREDITS' },
    });
  });
});
