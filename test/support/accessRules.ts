import { AccountInvitation } from '../../server/accounts/AccountInvitation';
import type { Permission } from '../../server/auth/authorization';
import type { ApiScope } from '../../server/auth/scopes';
import { addMember, createAccount, createUser } from '../factories';

/**
 * Who may call each GraphQL operation, as a table the tests check (test/graphql/accessRules.test.ts):
 * every root field and every Account field, for every kind of caller. An entry names the checks the
 * operation makes of its caller, in the order it makes them; the test works out from them, and from
 * PERMISSIONS in server/auth/authorization.ts, which callers get through and which refusal each of the
 * others gets. A field missing from this table fails the test, as it does in the isolation registry
 * next door (tenantIsolation.ts).
 */
export type AccessCheck =
  /** authorizeAccount / assertPermission on the target account, as PERMISSIONS says. */
  | { permission: Permission }
  /** requireAuthenticated: anyone but a visitor. */
  | 'signed in'
  /** requireUser: a person, not an API key. */
  | 'user'
  /** requirePlatformAdmin. */
  | 'platform admin'
  /** Platform admins, and API keys for every account (not bound to one) holding this scope. */
  | { platformWideScope: ApiScope };

/** What an operation is aimed at; built once per test file. */
export interface AccessFixture {
  accountId: string;
  externalId: string;
  /** A failed charge of the account: a payment that exists but cannot be refunded. */
  unrefundablePaymentId: string;
  /** A key bound to the account, made afresh for each call that revokes one. */
  newAccountApiKeyId(): Promise<string>;
  /** A key for every account, made afresh for each call that revokes one. */
  newPlatformApiKeyId(): Promise<string>;
  /** A login that may sign in, with its password. */
  login: { email: string; password: string };
  /** A fresh value for idempotency keys, emails and external ids. */
  unique(prefix: string): string;
  /** Now, by the product's clock. */
  now(): Date;
  /** Partner webhook endpoints: one platform-wide and one bound to the account, each with a delivery. */
  webhooks: {
    platformEndpointId: string;
    accountEndpointId: string;
    platformDeliveryId: string;
    accountDeliveryId: string;
    /** The event of `accountDeliveryId`: one the account's endpoint had. */
    accountEventId: string;
    /** An endpoint made afresh for each call that deletes one. */
    newEndpointId(options: { bound: boolean }): Promise<string>;
  };
}

export interface AccessRule {
  operation: string;
  variables?: (fixture: AccessFixture) => Record<string, unknown> | Promise<Record<string, unknown>>;
  checks: AccessCheck[];
  /**
   * What a caller who passes every check gets: success by default, or the error code of a check the
   * operation makes afterwards (proof that the caller got past authorization while the others did not).
   */
  outcome?: string;
  /** For an operation that reports a refusal in its payload rather than as an error (recordUsage). */
  payloadCode?: (data: Record<string, any>) => string | undefined;
}

const NOTHING = '00000000-0000-0000-0000-000000000000';
const byId = ({ accountId }: AccessFixture) => ({ id: accountId });
const accountRead: AccessCheck = { permission: 'account.read' };
const webhooksRead: AccessCheck = { platformWideScope: 'webhooks:read' };
const webhooksWrite: AccessCheck = { platformWideScope: 'webhooks:write' };
const webhooksAccountRead: AccessCheck = { permission: 'webhooks.read' };
const webhooksAccountWrite: AccessCheck = { permission: 'webhooks.manage' };

/**
 * An operation on one endpoint (its id in `$id`), as two rules: on a platform-wide endpoint, the
 * platform's alone, and on one bound to the account, which its owners and admins manage too.
 */
function endpointRules(
  name: string,
  operation: string,
  access: 'read' | 'write' = 'write',
): Record<string, AccessRule> {
  return {
    [name]: {
      operation,
      variables: (fixture) => ({ id: fixture.webhooks.platformEndpointId }),
      checks: [access === 'read' ? webhooksRead : webhooksWrite],
    },
    [`${name}(bound to the account)`]: {
      operation,
      variables: (fixture) => ({ id: fixture.webhooks.accountEndpointId }),
      checks: [access === 'read' ? webhooksAccountRead : webhooksAccountWrite],
    },
  };
}

/** An Account field read through `account(id)`: that needs account.read first, then the field's own checks. */
/** A fresh member of the account, for an operation that changes or removes one. */
async function newMember(accountId: string): Promise<string> {
  const user = await createUser();
  await addMember({ accountId, user, role: 'member' });
  return user.id;
}

const accountField = (selection: string, ...checks: AccessCheck[]): AccessRule => ({
  operation: `query($id: ID) { account(id: $id) { ${selection} } }`,
  variables: byId,
  checks: [accountRead, ...checks],
});

export const ACCESS_RULES: Record<string, AccessRule> = {
  'Query.plans': { operation: '{ plans { key } }', checks: [] },
  'Query.plans(includeInactive)': {
    operation: '{ plans(includeInactive: true) { key } }',
    checks: [{ platformWideScope: 'catalog:write' }],
  },
  'Query.plans(subscriberCount)': {
    operation: '{ plans { subscriberCount } }',
    checks: [{ platformWideScope: 'catalog:write' }],
  },
  'Query.creditPackages': { operation: '{ creditPackages { key } }', checks: [] },
  'Query.creditPackages(includeInactive)': {
    operation: '{ creditPackages(includeInactive: true) { key } }',
    checks: [{ platformWideScope: 'catalog:write' }],
  },
  'Query.meters': { operation: '{ meters { key } }', checks: [] },
  'Query.meters(includeInactive)': {
    operation: '{ meters(includeInactive: true) { key } }',
    checks: [{ platformWideScope: 'catalog:write' }],
  },
  'Query.viewer': { operation: '{ viewer { user { id } } }', checks: [] },
  'Query.account': {
    operation: 'query($id: ID) { account(id: $id) { id } }',
    variables: byId,
    checks: [accountRead],
  },
  'Query.account(externalId)': {
    operation: 'query($externalId: String) { account(externalId: $externalId) { id } }',
    variables: ({ externalId }) => ({ externalId }),
    checks: [accountRead],
  },
  'Query.stripeEvents': {
    operation: '{ stripeEvents { edges { node { id } } } }',
    checks: ['platform admin'],
  },
  'Query.adminAccounts': { operation: '{ adminAccounts { totalCount } }', checks: ['platform admin'] },
  'Query.systemHealth': { operation: '{ systemHealth { checkedAt } }', checks: ['platform admin'] },
  'Query.adminPayments': {
    operation: '{ adminPayments { edges { node { id } account { id } } } }',
    checks: ['platform admin'],
  },
  'Query.adminInvoices': {
    operation: '{ adminInvoices { edges { node { id } account { id } } } }',
    checks: ['platform admin'],
  },
  'Query.stripeEvent': {
    operation: '{ stripeEvent(id: "evt_no_such_event") { payloadJson } }',
    checks: ['platform admin'],
  },
  'Query.revenueReports': { operation: '{ revenueReports { month } }', checks: ['platform admin'] },
  'Query.revenueReport': {
    operation: '{ revenueReport(month: "2000-01") { month } }',
    checks: ['platform admin'],
  },
  'Query.entitlement': {
    operation: 'query($id: ID) { entitlement(accountId: $id, featureKey: "projects") { allowed } }',
    variables: byId,
    checks: [{ permission: 'entitlements.read' }],
  },
  'Query.entitlement(externalId)': {
    operation:
      'query($externalId: String) { entitlement(externalId: $externalId, featureKey: "projects") { allowed } }',
    variables: ({ externalId }) => ({ externalId }),
    checks: [{ permission: 'entitlements.read' }],
  },
  'Query.previewPlanChange': {
    operation: `query($id: ID!) { previewPlanChange(accountId: $id, planId: "${NOTHING}") { kind } }`,
    variables: byId,
    checks: [{ permission: 'billing.manage' }],
    outcome: 'CONFLICT',
  },
  'Query.featureFlags': { operation: '{ featureFlags { key } }', checks: ['platform admin'] },
  'Query.testClocksAvailable': { operation: '{ testClocksAvailable }', checks: [] },
  'Query.featureFlag': {
    operation: '{ featureFlag(key: "self_serve_billing") { key } }',
    checks: ['platform admin'],
  },
  'Query.revenueMetrics': {
    operation:
      '{ revenueMetrics(from: "2026-01-01T00:00:00Z", to: "2026-01-08T00:00:00Z", granularity: DAY) { mrr } }',
    checks: ['platform admin'],
  },
  'Query.reconciliation': { operation: '{ reconciliation { balanced } }', checks: ['platform admin'] },
  'Query.notifications': {
    operation: '{ notifications { edges { node { id } } } }',
    checks: ['platform admin'],
  },

  'Mutation.upsertAccount': {
    operation: 'mutation($input: UpsertAccountInput!) { upsertAccount(input: $input) { created } }',
    variables: () => ({ input: { externalId: 'provisioned-by-access-test', name: 'Provisioned' } }),
    checks: [{ platformWideScope: 'accounts:write' }],
  },
  'Mutation.createPlanDraft': {
    operation: 'mutation($input: PlanDraftInput!) { createPlanDraft(input: $input) { status } }',
    variables: ({ unique }) => ({
      input: {
        key: unique('access'),
        name: 'Access',
        tier: 'access',
        tierRank: 9,
        interval: 'MONTH',
        priceAmount: 1500,
        currency: 'usd',
      },
    }),
    checks: [{ platformWideScope: 'catalog:write' }],
  },
  'Mutation.updatePlanDraft': {
    operation: `mutation { updatePlanDraft(id: "${NOTHING}", input: { key: "access", name: "Access", tier: "access",
      tierRank: 9, interval: MONTH, priceAmount: 1500, currency: "usd" }) { status } }`,
    checks: [{ platformWideScope: 'catalog:write' }],
    outcome: 'NOT_FOUND',
  },
  'Mutation.publishPlan': {
    operation: `mutation { publishPlan(id: "${NOTHING}") { status } }`,
    checks: [{ platformWideScope: 'catalog:write' }],
    outcome: 'NOT_FOUND',
  },
  'Mutation.archivePlan': {
    operation: `mutation { archivePlan(id: "${NOTHING}") { status } }`,
    checks: [{ platformWideScope: 'catalog:write' }],
    outcome: 'NOT_FOUND',
  },
  'Mutation.saveMeter': {
    operation: 'mutation($input: MeterInput!) { saveMeter(input: $input) { key } }',
    variables: ({ unique }) => ({
      input: { key: unique('access').toLowerCase(), name: 'Access', aggregation: 'SUM' },
    }),
    checks: [{ platformWideScope: 'catalog:write' }],
  },
  'Mutation.archiveMeter': {
    operation: 'mutation { archiveMeter(key: "no_such_meter") { key } }',
    checks: [{ platformWideScope: 'catalog:write' }],
    outcome: 'NOT_FOUND',
  },
  'Mutation.saveCreditPackage': {
    operation: 'mutation($input: CreditPackageInput!) { saveCreditPackage(input: $input) { key } }',
    variables: ({ unique }) => ({
      input: {
        key: unique('access').toLowerCase(),
        name: 'Access credits',
        milliCredits: 1000,
        priceAmount: 100,
        currency: 'usd',
      },
    }),
    checks: [{ platformWideScope: 'catalog:write' }],
  },
  'Mutation.withdrawCreditPackage': {
    operation: 'mutation { withdrawCreditPackage(key: "no_such_package") { key } }',
    checks: [{ platformWideScope: 'catalog:write' }],
    outcome: 'NOT_FOUND',
  },
  'Query.previewPlanVersionMigration': {
    operation: `{ previewPlanVersionMigration(fromPlanId: "${NOTHING}", toPlanId: "${NOTHING}") { movedCount } }`,
    checks: [{ platformWideScope: 'catalog:write' }],
    outcome: 'BAD_USER_INPUT',
  },
  'Mutation.migratePlanVersionSubscribers': {
    operation: `mutation { migratePlanVersionSubscribers(input: { fromPlanId: "${NOTHING}", toPlanId: "${NOTHING}" }) { movedCount } }`,
    checks: [{ platformWideScope: 'catalog:write' }],
    outcome: 'BAD_USER_INPUT',
  },
  'Mutation.signIn': {
    operation: 'mutation($input: SignInInput!) { signIn(input: $input) { user { id } } }',
    variables: ({ login }) => ({ input: login }),
    checks: [],
  },
  'Mutation.signOut': { operation: 'mutation { signOut }', checks: [] },
  'Mutation.updateMyPreferences': {
    operation: 'mutation { updateMyPreferences(input: { locale: "de-DE" }) { locale } }',
    checks: ['user'],
  },
  'Mutation.updateAccountSettings': {
    operation:
      'mutation($id: ID) { updateAccountSettings(input: { accountId: $id, timeZone: "Europe/Berlin" }) { id } }',
    variables: byId,
    checks: [{ permission: 'account.manage' }],
  },
  'Mutation.createApiKey': {
    operation:
      'mutation($id: ID) { createApiKey(input: { name: "access", scopes: [BILLING_READ], accountId: $id }) { secret } }',
    variables: byId,
    checks: ['user', { permission: 'account.manage' }],
  },
  'Mutation.createApiKey(platform-wide)': {
    operation: 'mutation { createApiKey(input: { name: "access", scopes: [USAGE_WRITE] }) { secret } }',
    checks: ['user', 'platform admin'],
  },
  'Mutation.revokeApiKey': {
    operation: 'mutation($id: ID!) { revokeApiKey(id: $id) { id } }',
    variables: async (fixture) => ({ id: await fixture.newAccountApiKeyId() }),
    checks: ['user', { permission: 'account.manage' }],
  },
  'Mutation.revokeApiKey(platform-wide)': {
    operation: 'mutation($id: ID!) { revokeApiKey(id: $id) { id } }',
    variables: async (fixture) => ({ id: await fixture.newPlatformApiKeyId() }),
    checks: ['user', 'platform admin'],
  },
  'Mutation.startSubscriptionCheckout': {
    operation: `mutation($id: ID!) { startSubscriptionCheckout(input: { accountId: $id, planId: "${NOTHING}" }) { url } }`,
    variables: byId,
    checks: [{ permission: 'billing.manage' }],
    outcome: 'BAD_USER_INPUT',
  },
  'Mutation.generateRevenueReport': {
    operation: 'mutation { generateRevenueReport(month: "2000-01") { month } }',
    checks: ['platform admin'],
  },
  'Mutation.replayStripeEvent': {
    operation: 'mutation { replayStripeEvent(id: "evt_no_such_event") { id } }',
    checks: ['platform admin'],
    outcome: 'NOT_FOUND',
  },
  // Partner webhooks: platform admins and keys for every account with the webhooks scopes manage every
  // endpoint; an endpoint bound to the account is also its owners' and admins' (and its keys').
  'Query.webhookEndpoints': { operation: '{ webhookEndpoints { id } }', checks: [webhooksRead] },
  ...endpointRules('Query.webhookEndpoint', 'query($id: ID!) { webhookEndpoint(id: $id) { id } }', 'read'),
  'Query.webhookEventTypes': { operation: '{ webhookEventTypes { name } }', checks: [] },
  ...endpointRules(
    'Query.webhookDeliveries',
    'query($id: ID!) { webhookDeliveries(endpointId: $id) { edges { node { id } } } }',
    'read',
  ),
  'Mutation.createWebhookEndpoint': {
    operation: 'mutation { createWebhookEndpoint(input: { url: "ftp://partner.test/hooks" }) { secret } }',
    checks: [webhooksWrite],
    outcome: 'BAD_USER_INPUT',
  },
  'Mutation.createWebhookEndpoint(bound to the account)': {
    operation:
      'mutation($id: ID) { createWebhookEndpoint(input: { url: "ftp://partner.test/hooks", accountId: $id }) { secret } }',
    variables: byId,
    checks: [webhooksAccountWrite],
    outcome: 'BAD_USER_INPUT',
  },
  ...endpointRules(
    'Mutation.updateWebhookEndpoint',
    'mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: { description: "x" }) { id } }',
  ),
  ...endpointRules(
    'Mutation.rotateWebhookEndpointSecret',
    'mutation($id: ID!) { rotateWebhookEndpointSecret(id: $id) { secret } }',
  ),
  'Mutation.deleteWebhookEndpoint': {
    operation: 'mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { id } }',
    variables: async (fixture) => ({ id: await fixture.webhooks.newEndpointId({ bound: false }) }),
    checks: [webhooksWrite],
  },
  'Mutation.deleteWebhookEndpoint(bound to the account)': {
    operation: 'mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { id } }',
    variables: async (fixture) => ({ id: await fixture.webhooks.newEndpointId({ bound: true }) }),
    checks: [webhooksAccountWrite],
  },
  'Mutation.retryWebhookDelivery': {
    operation: 'mutation($id: ID!) { retryWebhookDelivery(id: $id) { id } }',
    variables: (fixture) => ({ id: fixture.webhooks.platformDeliveryId }),
    checks: [webhooksWrite],
  },
  'Mutation.retryWebhookDelivery(bound to the account)': {
    operation: 'mutation($id: ID!) { retryWebhookDelivery(id: $id) { id } }',
    variables: (fixture) => ({ id: fixture.webhooks.accountDeliveryId }),
    checks: [webhooksAccountWrite],
  },
  'Mutation.replayWebhookEvent': {
    operation: `mutation { replayWebhookEvent(eventId: "${NOTHING}") { id } }`,
    checks: [webhooksWrite],
    outcome: 'NOT_FOUND',
  },
  'Mutation.replayWebhookEvent(to an endpoint bound to the account)': {
    operation:
      'mutation($eventId: ID!, $id: ID) { replayWebhookEvent(eventId: $eventId, endpointId: $id) { id } }',
    variables: (fixture) => ({
      eventId: fixture.webhooks.accountEventId,
      id: fixture.webhooks.accountEndpointId,
    }),
    checks: [webhooksAccountWrite],
  },
  ...endpointRules(
    'Mutation.sendTestWebhook',
    'mutation($id: ID!) { sendTestWebhook(endpointId: $id) { id } }',
  ),
  'Mutation.recordUsage': {
    operation:
      'mutation($input: RecordUsageInput!) { recordUsage(input: $input) { accepted errors { code } } }',
    variables: (fixture) => ({
      input: {
        events: [
          {
            accountId: fixture.accountId,
            meterKey: 'api_calls',
            quantity: 1,
            occurredAt: fixture.now().toISOString(),
            idempotencyKey: fixture.unique('usage'),
          },
        ],
      },
    }),
    checks: ['signed in', { permission: 'usage.record' }],
    // An account the caller cannot see is refused per event, so the rest of a batch still counts.
    payloadCode: (data) => data.recordUsage.errors[0]?.code,
  },
  'Mutation.consumeCredits': {
    operation:
      'mutation($id: ID, $key: String!) { consumeCredits(input: { accountId: $id, idempotencyKey: $key, amountMilliCredits: 1 }) { chargedMilliCredits } }',
    variables: (fixture) => ({ id: fixture.accountId, key: fixture.unique('consume') }),
    checks: [{ permission: 'credits.consume' }],
    // The account never holds credits in this test: getting this far is what is being checked.
    outcome: 'INSUFFICIENT_CREDITS',
  },
  'Mutation.consumeCreditsBatch': {
    operation:
      'mutation($id: ID, $key: String!) { consumeCreditsBatch(input: { consumptions: [{ accountId: $id, idempotencyKey: $key, amountMilliCredits: 1 }] }) { results { error { code } } } }',
    variables: (fixture) => ({ id: fixture.accountId, key: fixture.unique('consume') }),
    checks: [{ permission: 'credits.consume' }],
    outcome: 'INSUFFICIENT_CREDITS',
    // Each consumption is refused on its own, so the rest of a batch still goes through.
    payloadCode: (data) => data.consumeCreditsBatch.results[0].error?.code,
  },
  'Mutation.adjustCredits': {
    operation:
      'mutation($id: ID!, $key: String!) { adjustCredits(input: { accountId: $id, amountMilliCredits: -1, reason: "access", idempotencyKey: $key }) { ledgerEntry { id } } }',
    variables: (fixture) => ({ id: fixture.accountId, key: fixture.unique('adjust') }),
    checks: ['platform admin', { permission: 'account.manage' }],
    outcome: 'INSUFFICIENT_CREDITS',
  },
  'Mutation.signUp': {
    operation: 'mutation($input: SignUpInput!) { signUp(input: $input) }',
    variables: (fixture) => ({
      input: {
        email: `${fixture.unique('signup')}@example.com`,
        password: 'a long enough password',
        name: 'New',
        accountName: 'New account',
      },
    }),
    checks: [],
  },
  'Mutation.confirmSignUp': {
    operation: 'mutation { confirmSignUp(token: "no-such-token") { user { id } } }',
    checks: [],
    outcome: 'BAD_USER_INPUT',
  },
  // The account's three members fill the Free plan's three seats: getting past authorization, an
  // invitation is refused for want of a seat.
  'Mutation.inviteMember': {
    operation: 'mutation($input: InviteMemberInput!) { inviteMember(input: $input) { id } }',
    variables: ({ accountId, unique }) => ({
      input: { accountId, email: `${unique('invitee')}@example.com`, role: 'MEMBER' },
    }),
    checks: [{ permission: 'account.manage' }],
    outcome: 'LIMIT_EXCEEDED',
  },
  'Mutation.revokeInvitation': {
    operation: 'mutation($id: ID!) { revokeInvitation(id: $id) { revokedAt } }',
    variables: async ({ accountId, unique, now }) => ({
      id: (
        await AccountInvitation.query().insertAndFetch({
          accountId,
          email: `${unique('invitee')}@example.com`,
          role: 'member',
          expiresAt: new Date(now().getTime() + 86_400_000),
        })
      ).id,
    }),
    checks: [{ permission: 'account.manage' }],
  },
  'Query.invitation': {
    operation: '{ invitation(token: "no-such-token") { email } }',
    checks: [],
    outcome: 'BAD_USER_INPUT',
  },
  'Mutation.acceptInvitation': {
    operation: 'mutation { acceptInvitation(input: { token: "no-such-token" }) { role } }',
    checks: [],
    outcome: 'BAD_USER_INPUT',
  },
  'Mutation.changeMemberRole': {
    operation: 'mutation($input: ChangeMemberRoleInput!) { changeMemberRole(input: $input) { role } }',
    variables: async ({ accountId }) => ({
      input: { accountId, userId: await newMember(accountId), role: 'ADMIN' },
    }),
    checks: [{ permission: 'account.manage' }],
  },
  'Mutation.removeMember': {
    operation: 'mutation($input: MemberInput!) { removeMember(input: $input) }',
    variables: async ({ accountId }) => ({ input: { accountId, userId: await newMember(accountId) } }),
    checks: [{ permission: 'account.manage' }],
  },
  // Leaving an account of which nobody calling is a member: people get past the checks and are told
  // they are not members (which leaving their own account would make them; test/accounts/members.test.ts).
  'Mutation.leaveAccount': {
    operation: 'mutation($id: ID!) { leaveAccount(accountId: $id) }',
    variables: async () => ({ id: (await createAccount()).id }),
    checks: ['user'],
    outcome: 'NOT_FOUND',
  },
  'Mutation.requestPasswordReset': {
    operation: 'mutation($email: String!) { requestPasswordReset(email: $email) }',
    variables: (fixture) => ({ email: `${fixture.unique('nobody')}@example.com` }),
    checks: [],
  },
  'Mutation.resetPassword': {
    operation:
      'mutation { resetPassword(input: { token: "no-such-token", password: "a long enough password" }) }',
    checks: [],
    outcome: 'BAD_USER_INPUT',
  },
  'Mutation.createContract': {
    operation: `mutation($id: ID!) { createContract(input: { accountId: $id, planId: "${NOTHING}", unitAmount: 100,
      billing: INVOICE, daysUntilDue: 30 }) { id } }`,
    variables: byId,
    checks: ['platform admin'],
    outcome: 'BAD_USER_INPUT',
  },
  'Mutation.updateContract': {
    operation: `mutation { updateContract(input: { contractId: "${NOTHING}", autoRenew: true }) { id } }`,
    checks: ['platform admin'],
    outcome: 'NOT_FOUND',
  },
  'Mutation.startTrial': {
    operation: `mutation($id: ID!) { startTrial(input: { accountId: $id, planId: "${NOTHING}" }) { subscription { id } } }`,
    variables: byId,
    checks: [{ permission: 'billing.manage' }],
    outcome: 'BAD_USER_INPUT',
  },
  'Mutation.changePlan': {
    operation: `mutation($id: ID!) { changePlan(input: { accountId: $id, planId: "${NOTHING}" }) { subscription { id } } }`,
    variables: byId,
    checks: [{ permission: 'billing.manage' }],
    outcome: 'CONFLICT',
  },
  'Mutation.cancelScheduledPlanChange': {
    operation:
      'mutation($id: ID!) { cancelScheduledPlanChange(input: { accountId: $id }) { subscription { id } } }',
    variables: byId,
    checks: [{ permission: 'billing.manage' }],
  },
  'Mutation.changeSeats': {
    operation:
      'mutation($id: ID!) { changeSeats(input: { accountId: $id, seats: 2 }) { subscription { id } } }',
    variables: byId,
    checks: [{ permission: 'billing.manage' }],
    outcome: 'CONFLICT',
  },
  'Mutation.cancelSubscription': {
    operation: 'mutation($id: ID!) { cancelSubscription(input: { accountId: $id }) { subscription { id } } }',
    variables: byId,
    checks: [{ permission: 'billing.manage' }],
    outcome: 'CONFLICT',
  },
  'Mutation.cancelSubscription(now)': {
    operation:
      'mutation($id: ID!) { cancelSubscription(input: { accountId: $id, atPeriodEnd: false }) { subscription { id } } }',
    variables: byId,
    checks: ['platform admin', { permission: 'billing.manage' }],
    outcome: 'CONFLICT',
  },
  'Mutation.resumeSubscription': {
    operation: 'mutation($id: ID!) { resumeSubscription(input: { accountId: $id }) { subscription { id } } }',
    variables: byId,
    checks: [{ permission: 'billing.manage' }],
  },
  'Mutation.openBillingPortal': {
    operation: 'mutation($id: ID!) { openBillingPortal(input: { accountId: $id }) { url } }',
    variables: byId,
    checks: [{ permission: 'billing.manage' }],
  },
  'Mutation.registerResource': {
    operation:
      'mutation($id: ID) { registerResource(input: { accountId: $id, featureKey: "projects", resourceId: "p-1" }) { created } }',
    variables: byId,
    checks: [{ permission: 'entitlements.manage' }],
  },
  'Mutation.releaseResource': {
    operation:
      'mutation($id: ID) { releaseResource(input: { accountId: $id, featureKey: "projects", resourceId: "p-1" }) { used } }',
    variables: byId,
    checks: [{ permission: 'entitlements.manage' }],
  },
  'Mutation.createFeatureFlag': {
    operation:
      'mutation { createFeatureFlag(input: { key: "self_serve_billing", description: "Probe", enabled: false }) { key } }',
    checks: ['platform admin'],
    outcome: 'BAD_USER_INPUT',
  },
  'Mutation.updateFeatureFlag': {
    operation: 'mutation { updateFeatureFlag(input: { key: "self_serve_billing", enabled: true }) { key } }',
    checks: ['platform admin'],
  },
  'Mutation.deleteFeatureFlag': {
    operation: 'mutation { deleteFeatureFlag(key: "self_serve_billing") { key } }',
    checks: ['platform admin'],
    outcome: 'CONFLICT',
  },
  // Past authorization each is refused, so the shared account never goes on a clock: a start too far
  // back, and an account that is not on one.
  'Mutation.attachTestClock': {
    operation:
      'mutation($id: ID!) { attachTestClock(input: { accountId: $id, startAt: "2000-01-01T00:00:00Z" }) { account { id } } }',
    variables: byId,
    checks: [{ permission: 'testing.clock' }],
    outcome: 'BAD_USER_INPUT',
  },
  'Mutation.advanceTestClock': {
    operation:
      'mutation($id: ID!) { advanceTestClock(input: { accountId: $id, to: "2099-01-01T00:00:00Z" }) { account { id } } }',
    variables: byId,
    checks: [{ permission: 'testing.clock' }],
    outcome: 'CONFLICT',
  },
  'Mutation.setFeatureFlagOverride': {
    operation:
      'mutation($id: ID!) { setFeatureFlagOverride(input: { key: "self_serve_billing", accountId: $id, enabled: true }) { enabled } }',
    variables: byId,
    checks: ['platform admin'],
  },
  'Mutation.clearFeatureFlagOverride': {
    operation: `mutation { clearFeatureFlagOverride(key: "self_serve_billing", accountId: "${NOTHING}") { enabled } }`,
    checks: ['platform admin'],
    outcome: 'NOT_FOUND',
  },
  'Mutation.setFeatureFlag': {
    operation: 'mutation { setFeatureFlag(key: "self_serve_billing", enabled: true) { key } }',
    checks: ['platform admin'],
  },
  'Mutation.startCreditPackageCheckout': {
    operation: `mutation($id: ID!) { startCreditPackageCheckout(input: { accountId: $id, creditPackageId: "${NOTHING}" }) { url } }`,
    variables: byId,
    checks: [{ permission: 'billing.manage' }],
    outcome: 'BAD_USER_INPUT',
  },
  'Mutation.updateAutoTopUp': {
    operation: `mutation($id: ID!) { updateAutoTopUp(input: { accountId: $id, enabled: true, thresholdMilliCredits: 1000, creditPackageId: "${NOTHING}" }) { enabled } }`,
    variables: byId,
    checks: [{ permission: 'billing.manage' }],
    outcome: 'BAD_USER_INPUT',
  },
  'Mutation.refundPayment': {
    operation: 'mutation($id: ID!) { refundPayment(input: { paymentId: $id, reason: "access" }) { id } }',
    variables: ({ unrefundablePaymentId }) => ({ id: unrefundablePaymentId }),
    checks: ['platform admin'],
    outcome: 'CONFLICT',
  },
  'Mutation.runReconciliation': {
    operation: 'mutation { runReconciliation { balanced } }',
    checks: ['platform admin'],
  },

  'Account.id': accountField('id'),
  'Account.name': accountField('name'),
  'Account.externalId': accountField('externalId'),
  'Account.billingEmail': accountField('billingEmail'),
  'Account.currency': accountField('currency'),
  'Account.timeZone': accountField('timeZone'),
  'Account.locale': accountField('locale'),
  'Account.createdAt': accountField('createdAt'),
  'Account.subscription': accountField('subscription { status }', { permission: 'billing.read' }),
  'Account.contract': accountField('contract { id }', { permission: 'billing.read' }),
  'Account.members': accountField('members { role }'),
  'Account.invitations': accountField('invitations { id }', { permission: 'account.manage' }),
  'Account.creditBalance': accountField('creditBalance { milliCredits }', { permission: 'credits.read' }),
  'Account.creditLedger': accountField('creditLedger { edges { node { id } } }', {
    permission: 'credits.read',
  }),
  'Account.creditGrants': accountField('creditGrants { id }', { permission: 'credits.read' }),
  'Account.autoTopUp': accountField('autoTopUp { enabled }', { permission: 'credits.read' }),
  'Account.invoices': accountField('invoices { edges { node { id } } }', { permission: 'billing.read' }),
  'Account.payments': accountField('payments { edges { node { id } } }', { permission: 'billing.read' }),
  'Account.upcomingInvoice': accountField('upcomingInvoice { total { amount } }', {
    permission: 'billing.read',
  }),
  'Account.cardOnFile': accountField('cardOnFile { last4 }', { permission: 'billing.read' }),
  'Account.checkoutSession': accountField(`checkoutSession(id: "${NOTHING}") { id }`, {
    permission: 'billing.read',
  }),
  'Account.usageSummary': accountField('usageSummary { quantity }', { permission: 'usage.read' }),
  'Account.usageSeries': accountField(
    'usageSeries(from: "2026-01-01T00:00:00Z", to: "2026-01-02T00:00:00Z", granularity: HOUR) { buckets { quantity } }',
    { permission: 'usage.read' },
  ),
  'Account.entitlements': accountField('entitlements { featureKey }', { permission: 'entitlements.read' }),
  'Account.featureFlags': accountField('featureFlags { key enabled reason }'),
  'Account.featureFlag': accountField('featureFlag(key: "self_serve_billing")'),
  'Account.testClock': accountField('testClock { frozenTime }'),
  'Account.webhookEndpoints': accountField('webhookEndpoints { id }', webhooksAccountRead),
  'Account.apiKeys': accountField('apiKeys { id }', { permission: 'account.manage' }),
  'Account.auditLog': accountField('auditLog { edges { node { action } } }', 'platform admin'),
};
