import { isObjectType } from 'graphql';
import type { User } from '../../server/auth/User';
import type { ApiScope } from '../../server/auth/scopes';
import { systemActor } from '../../server/auth/actor';
import { now } from '../../server/clock';
import { buildApiSchema } from '../../server/graphql/apiSchema';
import { sendTestWebhook } from '../../server/partnerWebhooks/deliveryLog';
import { newSigningSecret } from '../../server/partnerWebhooks/endpoints';
import { WebhookEndpoint } from '../../server/partnerWebhooks/models';
import {
  addMember,
  createAccount,
  createPartnerKey,
  createPayment,
  createUser,
  sessionCookieFor,
  TEST_PASSWORD,
  unique,
} from '../factories';
import { accessCases, type AccessCaller } from '../support/accessCallers';
import { ACCESS_RULES, type AccessFixture } from '../support/accessRules';
import { useBillingStack } from '../support/billingStack';
import { PUBLIC_FIELDS } from '../support/tenantIsolation';
import type { Caller } from '../support/testApp';

/**
 * Every operation of the API, tried by every kind of caller: those the access table (and PERMISSIONS
 * behind it) lets through are not refused, and every other is refused with the code the product gives
 * (UNAUTHENTICATED, FORBIDDEN, or NOT_FOUND for an account the caller cannot see).
 */
const stack = useBillingStack();
let fixture: AccessFixture;
const users = {} as Record<
  'member' | 'admin' | 'owner' | 'owner of another account' | 'platform admin',
  User
>;
let otherAccountId: string;

beforeAll(async () => {
  const externalId = unique('access');
  const account = await createAccount({ externalId });
  const failedCharge = await createPayment({ accountId: account.id, status: 'failed', completedAt: null });
  const loginUser = await createUser();
  fixture = {
    accountId: account.id,
    externalId,
    unrefundablePaymentId: failedCharge.id,
    newAccountApiKeyId: async () =>
      (await createPartnerKey({ scopes: ['usage:write'], accountId: account.id })).apiKey.id,
    newPlatformApiKeyId: async () => (await createPartnerKey({ scopes: ['usage:write'] })).apiKey.id,
    login: { email: loginUser.email, password: TEST_PASSWORD },
    unique,
    now,
    webhooks: await webhookFixture(account.id),
  };
  for (const role of ['member', 'admin', 'owner'] as const) {
    users[role] = await createUser();
    await addMember({ accountId: account.id, user: users[role], role });
  }
  const otherAccount = await createAccount();
  otherAccountId = otherAccount.id;
  users['owner of another account'] = await createUser();
  await addMember({ accountId: otherAccount.id, user: users['owner of another account'], role: 'owner' });
  users['platform admin'] = await createUser({ isPlatformAdmin: true });
});

/**
 * Endpoints the webhook rules act on, saved as they are (a receiver that refuses every connection, so a
 * test event fails at once), each with a test delivery already in its log.
 */
async function webhookFixture(accountId: string): Promise<AccessFixture['webhooks']> {
  const actor = systemActor('access rules');
  const newEndpointId = async ({ bound }: { bound: boolean }) =>
    (
      await WebhookEndpoint.query().insertAndFetch({
        accountId: bound ? accountId : null,
        url: 'http://127.0.0.1:9/hooks',
        description: '',
        eventTypes: ['invoice.paid'],
        enabled: true,
        secret: newSigningSecret(),
      })
    ).id;
  const platformEndpointId = await newEndpointId({ bound: false });
  const accountEndpointId = await newEndpointId({ bound: true });
  const platformDelivery = await sendTestWebhook({ actor, endpointId: platformEndpointId });
  const accountDelivery = await sendTestWebhook({ actor, endpointId: accountEndpointId });
  return {
    platformEndpointId,
    accountEndpointId,
    platformDeliveryId: platformDelivery.id,
    accountDeliveryId: accountDelivery.id,
    accountEventId: accountDelivery.eventId,
    newEndpointId,
  };
}

const keys = new Map<string, string>();

/** A caller's credentials: a fresh session for a person (signOut ends the one it is called with). */
async function credentialsOf(caller: AccessCaller): Promise<Caller> {
  switch (caller.kind) {
    case 'visitor':
      return {};
    case 'member':
      return { cookie: await sessionCookieFor(users[caller.role]) };
    case 'owner of another account':
    case 'platform admin':
      return { cookie: await sessionCookieFor(users[caller.kind]) };
    case 'API key': {
      const accountId = { 'the account': fixture.accountId, 'another account': otherAccountId }[
        caller.boundTo as 'the account' | 'another account'
      ];
      const name = `${caller.boundTo}: ${caller.scopes.join(' ')}`;
      if (!keys.has(name))
        keys.set(name, (await createPartnerKey({ scopes: caller.scopes as ApiScope[], accountId })).secret);
      return { apiKey: keys.get(name) };
    }
  }
}

describe('access rules', () => {
  const schema = buildApiSchema();
  const fields = ['Query', 'Mutation', 'Account'].flatMap((typeName) => {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) throw new Error(`${typeName} is not an object type`);
    return Object.keys(type.getFields()).map((field) => `${typeName}.${field}`);
  });
  const ruleField = (name: string) => name.replace(/\(.*\)$/, '');

  it('cover every root field and every Account field, and nothing that is not one', () => {
    const ruled = new Set(Object.keys(ACCESS_RULES).map(ruleField));
    expect(fields.filter((field) => !ruled.has(field))).toEqual([]);
    expect([...ruled].filter((field) => !fields.includes(field))).toEqual([]);
  });

  it('agree with the isolation registry: a field it calls “platform admins only” is tested as such', () => {
    const adminOnly = Object.entries(PUBLIC_FIELDS)
      .filter(([, reason]) => reason.startsWith('platform admins only'))
      .map(([field]) => field);
    expect(adminOnly.length).toBeGreaterThan(0);
    for (const field of adminOnly) {
      const rules = Object.entries(ACCESS_RULES).filter(([name]) => ruleField(name) === field);
      expect({ field, checks: rules.map(([, rule]) => rule.checks) }).toEqual({
        field,
        checks: rules.map(() => expect.arrayContaining(['platform admin'])),
      });
      expect(rules.length).toBeGreaterThan(0);
    }
  });

  describe.each(Object.entries(ACCESS_RULES))('%s', (_name, rule) => {
    it.each(accessCases(rule))('$label: $expected', async ({ caller, expected }) => {
      const variables = (await rule.variables?.(fixture)) ?? {};
      const { data, errors } = await stack.app.graphql(
        rule.operation,
        variables,
        await credentialsOf(caller),
      );
      const codes = [...new Set(errors?.map((error) => error.extensions.code))];
      const outcome = codes.length > 0 ? codes.join(', ') : (rule.payloadCode?.(data!) ?? 'OK');
      expect(outcome).toBe(expected);
    });
  });
});
