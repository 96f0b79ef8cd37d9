import type { ApiScope } from '../../server/auth/scopes';

/**
 * The registry of tenant isolation: every root field and every Account field must be listed here, either
 * as public (with the reason) or with an operation that touches another tenant's account. The test in
 * test/graphql/tenantIsolation.test.ts fails for any field that is missing, so a new field cannot ship
 * without saying how it keeps tenants apart, and, for an account's data, which scope a partner key needs
 * for it (the same test proves a key without that scope is refused). Who may call each field at all
 * (roles, scopes, platform admins) is the access table next door, accessRules.ts; the reasons below that
 * say “platform admins only” are tested there.
 */
export interface Target {
  accountId: string;
  externalId: string;
}

export interface IsolationCase {
  /** An operation that reaches the target account's data; a stranger must get FORBIDDEN or NOT_FOUND. */
  operation: string;
  variables: (target: Target) => Record<string, unknown>;
  /**
   * What the account's own owner gets: success by default, or the error code of a check that comes
   * after authorization (proof the owner got past it while a stranger did not), or FORBIDDEN for a field
   * only platform admins may read.
   */
  ownerOutcome?: 'BAD_USER_INPUT' | 'CONFLICT' | 'FORBIDDEN';
  /** Who proves the operation works on the target: its owner (default), or a partner key bound to it. */
  control?: 'owner' | 'partner key';
  /**
   * The scope a partner key bound to the account needs for it (with accounts:read to reach the account
   * through `account`); null for what no key may do. A key without it is refused with FORBIDDEN.
   */
  scope: ApiScope | null;
}

const byId = (target: Target) => ({ id: target.accountId });
const byExternalId = (target: Target) => ({ externalId: target.externalId });
/** A well-formed plan id that names no plan: checks after authorization refuse it. */
const NO_PLAN = '00000000-0000-0000-0000-000000000000';

/** Fields that are not about any one account, and why that is safe. */
export const PUBLIC_FIELDS: Record<string, string> = {
  'Query.plans':
    'the catalog is public (drafts and inactive plans need a platform admin or a platform-wide key with catalog:write)',
  'Mutation.createPlanDraft':
    'the catalog belongs to no account: platform admins and platform-wide keys with catalog:write only',
  'Mutation.updatePlanDraft':
    'the catalog belongs to no account: platform admins and platform-wide keys with catalog:write only',
  'Mutation.publishPlan':
    'the catalog belongs to no account: platform admins and platform-wide keys with catalog:write only',
  'Mutation.archivePlan':
    'the catalog belongs to no account: platform admins and platform-wide keys with catalog:write only',
  'Mutation.saveMeter':
    'the catalog belongs to no account: platform admins and platform-wide keys with catalog:write only',
  'Mutation.archiveMeter':
    'the catalog belongs to no account: platform admins and platform-wide keys with catalog:write only',
  'Mutation.saveCreditPackage':
    'the catalog belongs to no account: platform admins and platform-wide keys with catalog:write only',
  'Mutation.withdrawCreditPackage':
    'the catalog belongs to no account: platform admins and platform-wide keys with catalog:write only',
  'Query.previewPlanVersionMigration':
    'platform admins and platform-wide keys with catalog:write only; lists every subscriber of a version',
  'Mutation.migratePlanVersionSubscribers':
    'platform admins and platform-wide keys with catalog:write only; moves every subscriber of a version',
  'Query.creditPackages': 'the catalog is public',
  'Query.meters': 'the catalog is public',
  'Query.viewer': "returns only the caller's own user and memberships",
  'Mutation.signIn': 'creates a session for the credentials given',
  'Mutation.signOut': "ends only the caller's own session",
  'Mutation.updateMyPreferences': "changes only the signed-in caller's own preferences",
  'Mutation.upsertAccount':
    'needs a platform-wide key; account-bound keys and members are refused (tested separately)',
  'Mutation.revokeApiKey': 'keyed by API key id; covered by a case below through the key of another account',
  'Query.stripeEvents': 'platform admins only (requirePlatformAdmin)',
  'Mutation.createContract': 'platform admins only (requirePlatformAdmin); sales-led terms for any account',
  'Mutation.updateContract': 'platform admins only (requirePlatformAdmin); sales-led terms for any account',
  'Query.notifications': 'platform admins only (requirePlatformAdmin)',
  'Query.reconciliation': 'platform admins only (requirePlatformAdmin); about the whole books',
  'Mutation.runReconciliation': 'platform admins only (requirePlatformAdmin); about the whole books',
  'Mutation.refundPayment': 'platform admins only (requirePlatformAdmin)',
  'Query.revenueMetrics': 'platform admins only (requirePlatformAdmin); about the whole business',
  'Query.featureFlags': 'platform admins only (requirePlatformAdmin); about the service, not any account',
  'Query.testClocksAvailable': 'whether the service allows test clocks; about the service, not any account',
  'Mutation.setFeatureFlag':
    'platform admins only (requirePlatformAdmin); about the service, not any account',
  'Query.featureFlag': 'platform admins only (requirePlatformAdmin); about the service, not any account',
  'Mutation.createFeatureFlag':
    'platform admins only (requirePlatformAdmin); about the service, not any account',
  'Mutation.updateFeatureFlag':
    'platform admins only (requirePlatformAdmin); about the service, not any account',
  'Mutation.deleteFeatureFlag':
    'platform admins only (requirePlatformAdmin); about the service, not any account',
  'Mutation.setFeatureFlagOverride': 'platform admins only (requirePlatformAdmin); any account by design',
  'Mutation.clearFeatureFlagOverride': 'platform admins only (requirePlatformAdmin); any account by design',
  'Mutation.replayStripeEvent': 'platform admins only (requirePlatformAdmin)',
  'Mutation.recordUsage':
    'partner keys only (usage:write); names accounts per event, and an account the key cannot see is refused as NOT_FOUND for that event (test/usage/recordUsage.test.ts)',
  'Mutation.consumeCredits':
    'partner keys only (credits:write); members are refused and a key bound to another account gets NOT_FOUND (test/credits/consumeCredits.test.ts)',
  'Mutation.consumeCreditsBatch':
    'partner keys only (credits:write); names accounts per consumption, and an account the key cannot see is refused as NOT_FOUND for that consumption (test/credits/consumeCreditsBatch.test.ts)',
  'Mutation.adjustCredits': 'platform admins only (requirePlatformAdmin)',
  'Mutation.signUp': 'creates nothing but a pending sign-up and an email to the address it names',
  'Mutation.confirmSignUp':
    'creates a new login and a new account of its own from its emailed link; reaches no existing account',
  'Mutation.requestPasswordReset':
    'answers the same for every email; the link goes only to that login’s own address',
  'Mutation.resetPassword': 'acts only on the login named by the secret token of its reset link',
  'Query.invitation': 'shows only the invitation named by the secret token of its link',
  'Mutation.acceptInvitation':
    'acts only on the invitation named by the secret token of its link, for the login of its own address (test/accounts/invitations.test.ts)',
  'Mutation.revokeInvitation':
    'keyed by invitation id; the owner of another account gets NOT_FOUND (test/accounts/invitations.test.ts)',
  'Query.adminAccounts': 'platform admins only (requirePlatformAdmin)',
  'Query.systemHealth': 'platform admins only; about the service, not any account',
  'Query.adminPayments': 'platform admins only (requirePlatformAdmin); every account’s payments',
  'Query.adminInvoices': 'platform admins only (requirePlatformAdmin); every account’s invoices',
  'Query.stripeEvent': 'platform admins only (requirePlatformAdmin)',
  'Query.revenueReports': 'platform admins only (requirePlatformAdmin); about the whole business',
  'Query.revenueReport': 'platform admins only (requirePlatformAdmin); about the whole business',
  'Mutation.generateRevenueReport': 'platform admins only (requirePlatformAdmin); about the whole business',
  ...Object.fromEntries(
    [
      'Query.webhookEndpoint',
      'Query.webhookDeliveries',
      'Mutation.createWebhookEndpoint',
      'Mutation.updateWebhookEndpoint',
      'Mutation.rotateWebhookEndpointSecret',
      'Mutation.deleteWebhookEndpoint',
      'Mutation.retryWebhookDelivery',
      'Mutation.replayWebhookEvent',
      'Mutation.sendTestWebhook',
    ].map((field) => [
      field,
      'partner webhooks, keyed by endpoint (or delivery) id: platform-wide endpoints are the platform admins’ and platform keys’ only; one bound to an account is also its owners’ and admins’ and its keys’, and another account’s owner or key gets NOT_FOUND (access table, rows “bound to the account”)',
    ]),
  ),
  'Query.webhookEndpoints':
    'partner webhooks: platform admins and keys for every account (webhooks:read) only; an account lists its own through Account.webhookEndpoints',
  'Query.webhookEventTypes': 'the catalogue of event types is public (docs/partner-webhooks.md)',
};

export const ACCOUNT_SCOPED_FIELDS: Record<string, IsolationCase> = {
  'Query.account': {
    scope: 'accounts:read',
    operation: 'query($id: ID) { account(id: $id) { id } }',
    variables: byId,
  },
  'Query.account(externalId)': {
    scope: 'accounts:read',
    operation: 'query($externalId: String) { account(externalId: $externalId) { id } }',
    variables: (target) => ({ externalId: target.externalId }),
  },
  'Account.id': {
    scope: 'accounts:read',
    operation: 'query($id: ID) { account(id: $id) { id } }',
    variables: byId,
  },
  'Account.name': {
    scope: 'accounts:read',
    operation: 'query($id: ID) { account(id: $id) { name } }',
    variables: byId,
  },
  'Account.externalId': {
    scope: 'accounts:read',
    operation: 'query($id: ID) { account(id: $id) { externalId } }',
    variables: byId,
  },
  'Account.billingEmail': {
    scope: 'accounts:read',
    operation: 'query($id: ID) { account(id: $id) { billingEmail } }',
    variables: byId,
  },
  'Account.currency': {
    scope: 'accounts:read',
    operation: 'query($id: ID) { account(id: $id) { currency } }',
    variables: byId,
  },
  'Account.timeZone': {
    scope: 'accounts:read',
    operation: 'query($id: ID) { account(id: $id) { timeZone } }',
    variables: byId,
  },
  'Account.locale': {
    scope: 'accounts:read',
    operation: 'query($id: ID) { account(id: $id) { locale } }',
    variables: byId,
  },
  'Account.createdAt': {
    scope: 'accounts:read',
    operation: 'query($id: ID) { account(id: $id) { createdAt } }',
    variables: byId,
  },
  'Account.subscription': {
    scope: 'billing:read',
    operation: 'query($id: ID) { account(id: $id) { subscription { id status } } }',
    variables: byId,
  },
  'Account.contract': {
    scope: 'billing:read',
    operation: 'query($id: ID) { account(id: $id) { contract { id } } }',
    variables: byId,
  },
  'Account.creditBalance': {
    scope: 'credits:read',
    operation: 'query($id: ID) { account(id: $id) { creditBalance { milliCredits } } }',
    variables: byId,
  },
  'Account.invoices': {
    scope: 'billing:read',
    operation: 'query($id: ID) { account(id: $id) { invoices { edges { node { id } } } } }',
    variables: byId,
  },
  'Account.usageSummary': {
    scope: 'usage:read',
    operation: 'query($id: ID) { account(id: $id) { usageSummary { quantity } } }',
    variables: byId,
  },
  'Account.webhookEndpoints': {
    scope: 'webhooks:read',
    operation: 'query($id: ID) { account(id: $id) { webhookEndpoints { id } } }',
    variables: byId,
  },
  'Account.apiKeys': {
    scope: 'accounts:write',
    operation: 'query($id: ID) { account(id: $id) { apiKeys { id } } }',
    variables: byId,
  },
  'Account.checkoutSession': {
    scope: 'billing:read',
    operation:
      'query($id: ID) { account(id: $id) { checkoutSession(id: "00000000-0000-0000-0000-000000000000") { id } } }',
    variables: byId,
  },
  'Mutation.startSubscriptionCheckout': {
    scope: 'billing:write',
    operation:
      'mutation($accountId: ID!) { startSubscriptionCheckout(input: { accountId: $accountId, planId: "00000000-0000-0000-0000-000000000000" }) { url } }',
    variables: (target) => ({ accountId: target.accountId }),
    ownerOutcome: 'BAD_USER_INPUT',
  },
  'Mutation.startSubscriptionCheckout(externalId)': {
    scope: 'billing:write',
    operation:
      'mutation($externalId: String) { startSubscriptionCheckout(input: { externalId: $externalId, planKey: "no_such_plan" }) { url } }',
    variables: byExternalId,
    ownerOutcome: 'BAD_USER_INPUT',
  },
  'Mutation.startSubscriptionCheckout(accountId, externalId)': {
    scope: 'billing:write',
    operation:
      'mutation($id: ID, $externalId: String) { startSubscriptionCheckout(input: { accountId: $id, externalId: $externalId, planKey: "no_such_plan" }) { url } }',
    variables: (target) => ({ id: target.accountId, externalId: target.externalId }),
    ownerOutcome: 'BAD_USER_INPUT',
  },
  'Mutation.startCreditPackageCheckout(externalId)': {
    scope: 'billing:write',
    operation:
      'mutation($externalId: String) { startCreditPackageCheckout(input: { externalId: $externalId, creditPackageKey: "no_such_package" }) { url } }',
    variables: byExternalId,
    ownerOutcome: 'BAD_USER_INPUT',
  },
  'Query.previewPlanChange(externalId)': {
    scope: 'billing:write',
    operation: `query($externalId: String) { previewPlanChange(externalId: $externalId, planKey: "pro_monthly") { kind } }`,
    variables: byExternalId,
    ownerOutcome: 'CONFLICT',
  },
  'Mutation.startTrial(externalId)': {
    scope: 'billing:write',
    operation: `mutation($externalId: String) { startTrial(input: { externalId: $externalId, planKey: "no_such_plan" }) { subscription { id } } }`,
    variables: byExternalId,
    ownerOutcome: 'BAD_USER_INPUT',
  },
  'Mutation.changePlan(externalId)': {
    scope: 'billing:write',
    operation: `mutation($externalId: String) { changePlan(input: { externalId: $externalId, planKey: "pro_monthly" }) { subscription { id } } }`,
    variables: byExternalId,
    ownerOutcome: 'CONFLICT',
  },
  'Mutation.cancelSubscription(externalId)': {
    scope: 'billing:write',
    operation:
      'mutation($externalId: String) { cancelSubscription(input: { externalId: $externalId }) { subscription { id } } }',
    variables: byExternalId,
    ownerOutcome: 'CONFLICT',
  },
  'Mutation.openBillingPortal(externalId)': {
    scope: 'billing:write',
    operation:
      'mutation($externalId: String) { openBillingPortal(input: { externalId: $externalId }) { url } }',
    variables: byExternalId,
  },
  'Account.usageSeries': {
    scope: 'usage:read',
    operation:
      'query($id: ID) { account(id: $id) { usageSeries(from: "2026-01-01T00:00:00Z", to: "2026-01-02T00:00:00Z", granularity: HOUR) { buckets { quantity } } } }',
    variables: byId,
  },
  'Account.creditLedger': {
    scope: 'credits:read',
    operation: 'query($id: ID) { account(id: $id) { creditLedger { edges { node { id } } } } }',
    variables: byId,
  },
  'Account.creditGrants': {
    scope: 'credits:read',
    operation: 'query($id: ID) { account(id: $id) { creditGrants { id } } }',
    variables: byId,
  },
  'Account.members': {
    scope: 'accounts:read',
    operation: 'query($id: ID) { account(id: $id) { members { role user { email } } } }',
    variables: byId,
  },
  'Account.invitations': {
    scope: 'accounts:write',
    operation: 'query($id: ID) { account(id: $id) { invitations { email } } }',
    variables: byId,
  },
  // Two succeed (the owner's and a key's), within the Free plan's three seats with the owner.
  'Mutation.inviteMember': {
    scope: 'accounts:write',
    operation: 'mutation($input: InviteMemberInput!) { inviteMember(input: $input) { id } }',
    variables: (target) => ({
      input: {
        accountId: target.accountId,
        email: `isolation-${Math.random().toString(36).slice(2)}@example.com`,
        role: 'MEMBER',
      },
    }),
  },
  'Mutation.changeMemberRole': {
    scope: 'accounts:write',
    operation: `mutation($id: ID!) { changeMemberRole(input: { accountId: $id, userId: "${NO_PLAN}", role: ADMIN }) { role } }`,
    variables: byId,
    ownerOutcome: 'BAD_USER_INPUT',
  },
  'Mutation.removeMember': {
    scope: 'accounts:write',
    operation: `mutation($id: ID!) { removeMember(input: { accountId: $id, userId: "${NO_PLAN}" }) }`,
    variables: byId,
    ownerOutcome: 'BAD_USER_INPUT',
  },
  'Mutation.leaveAccount': {
    scope: null,
    operation: 'mutation($id: ID!) { leaveAccount(accountId: $id) }',
    variables: byId,
    ownerOutcome: 'CONFLICT',
  },
  'Account.auditLog': {
    scope: null,
    operation: 'query($id: ID) { account(id: $id) { auditLog { edges { node { action } } } } }',
    variables: byId,
    ownerOutcome: 'FORBIDDEN',
  },
  'Query.entitlement': {
    scope: 'entitlements:read',
    operation: 'query($id: ID) { entitlement(accountId: $id, featureKey: "seats") { allowed } }',
    variables: byId,
  },
  'Query.entitlement(externalId)': {
    scope: 'entitlements:read',
    operation:
      'query($externalId: String) { entitlement(externalId: $externalId, featureKey: "seats") { allowed } }',
    variables: (target) => ({ externalId: target.externalId }),
  },
  'Account.entitlements': {
    scope: 'entitlements:read',
    operation: 'query($id: ID) { account(id: $id) { entitlements { featureKey } } }',
    variables: byId,
  },
  'Account.featureFlags': {
    scope: 'accounts:read',
    operation: 'query($id: ID) { account(id: $id) { featureFlags { key enabled } } }',
    variables: byId,
  },
  'Account.testClock': {
    scope: 'accounts:read',
    operation: 'query($id: ID) { account(id: $id) { testClock { frozenTime } } }',
    variables: byId,
  },
  // A key bound to the account gets past authorization and is refused: the shared accounts never go on
  // a clock. Its owner cannot move its time at all.
  'Mutation.attachTestClock': {
    scope: 'testing',
    control: 'partner key',
    operation:
      'mutation($id: ID!) { attachTestClock(input: { accountId: $id, startAt: "2000-01-01T00:00:00Z" }) { account { id } } }',
    variables: byId,
    ownerOutcome: 'BAD_USER_INPUT',
  },
  'Mutation.advanceTestClock': {
    scope: 'testing',
    control: 'partner key',
    operation:
      'mutation($id: ID!) { advanceTestClock(input: { accountId: $id, to: "2099-01-01T00:00:00Z" }) { account { id } } }',
    variables: byId,
    ownerOutcome: 'CONFLICT',
  },
  'Account.featureFlag': {
    scope: 'accounts:read',
    operation: 'query($id: ID) { account(id: $id) { featureFlag(key: "self_serve_billing") } }',
    variables: byId,
  },
  'Query.previewPlanChange': {
    scope: 'billing:write',
    operation: `query($id: ID!) { previewPlanChange(accountId: $id, planId: "${NO_PLAN}") { kind } }`,
    variables: byId,
    ownerOutcome: 'CONFLICT',
  },
  'Mutation.startTrial': {
    scope: 'billing:write',
    operation: `mutation($id: ID!) { startTrial(input: { accountId: $id, planId: "${NO_PLAN}" }) { subscription { id } } }`,
    variables: byId,
    ownerOutcome: 'BAD_USER_INPUT',
  },
  'Mutation.changePlan': {
    scope: 'billing:write',
    operation: `mutation($id: ID!) { changePlan(input: { accountId: $id, planId: "${NO_PLAN}" }) { subscription { id } } }`,
    variables: byId,
    ownerOutcome: 'CONFLICT',
  },
  'Mutation.cancelScheduledPlanChange': {
    scope: 'billing:write',
    operation:
      'mutation($id: ID!) { cancelScheduledPlanChange(input: { accountId: $id }) { subscription { id } } }',
    variables: byId,
  },
  'Mutation.changeSeats': {
    scope: 'billing:write',
    operation:
      'mutation($id: ID!) { changeSeats(input: { accountId: $id, seats: 2 }) { subscription { id } } }',
    variables: byId,
    ownerOutcome: 'CONFLICT',
  },
  'Mutation.cancelSubscription': {
    scope: 'billing:write',
    operation: 'mutation($id: ID!) { cancelSubscription(input: { accountId: $id }) { subscription { id } } }',
    variables: byId,
    ownerOutcome: 'CONFLICT',
  },
  'Mutation.resumeSubscription': {
    scope: 'billing:write',
    operation: 'mutation($id: ID!) { resumeSubscription(input: { accountId: $id }) { subscription { id } } }',
    variables: byId,
  },
  'Mutation.openBillingPortal': {
    scope: 'billing:write',
    operation: 'mutation($id: ID!) { openBillingPortal(input: { accountId: $id }) { url } }',
    variables: byId,
  },
  'Mutation.registerResource': {
    scope: 'entitlements:write',
    operation:
      'mutation($id: ID) { registerResource(input: { accountId: $id, featureKey: "projects", resourceId: "p-1" }) { created } }',
    variables: byId,
    control: 'partner key',
  },
  'Mutation.releaseResource': {
    scope: 'entitlements:write',
    operation:
      'mutation($id: ID) { releaseResource(input: { accountId: $id, featureKey: "projects", resourceId: "p-1" }) { used } }',
    variables: byId,
    control: 'partner key',
  },
  'Mutation.startCreditPackageCheckout': {
    scope: 'billing:write',
    operation: `mutation($id: ID!) { startCreditPackageCheckout(input: { accountId: $id, creditPackageId: "${NO_PLAN}" }) { url } }`,
    variables: byId,
    ownerOutcome: 'BAD_USER_INPUT',
  },
  'Account.payments': {
    scope: 'billing:read',
    operation: 'query($id: ID) { account(id: $id) { payments { edges { node { id } } } } }',
    variables: byId,
  },
  'Account.upcomingInvoice': {
    scope: 'billing:read',
    operation: 'query($id: ID) { account(id: $id) { upcomingInvoice { total { amount } } } }',
    variables: byId,
  },
  'Account.cardOnFile': {
    scope: 'billing:read',
    operation: 'query($id: ID) { account(id: $id) { cardOnFile { last4 } } }',
    variables: byId,
  },
  'Account.autoTopUp': {
    scope: 'credits:read',
    operation: 'query($id: ID) { account(id: $id) { autoTopUp { enabled } } }',
    variables: byId,
  },
  'Mutation.updateAutoTopUp': {
    scope: 'billing:write',
    operation: `mutation($id: ID!) { updateAutoTopUp(input: { accountId: $id, enabled: true, thresholdMilliCredits: 1000, creditPackageId: "${NO_PLAN}" }) { enabled } }`,
    variables: byId,
    ownerOutcome: 'BAD_USER_INPUT',
  },
  'Mutation.updateAccountSettings': {
    scope: 'accounts:write',
    operation:
      'mutation($id: ID) { updateAccountSettings(input: { accountId: $id, timeZone: "Europe/Berlin" }) { id } }',
    variables: byId,
  },
  'Mutation.updateAccountSettings(externalId)': {
    scope: 'accounts:write',
    operation:
      'mutation($externalId: String) { updateAccountSettings(input: { externalId: $externalId, timeZone: "Europe/Berlin" }) { id } }',
    variables: byExternalId,
  },
  'Mutation.createApiKey': {
    scope: null,
    operation:
      'mutation($accountId: ID) { createApiKey(input: { name: "x", scopes: [BILLING_READ], accountId: $accountId }) { secret } }',
    variables: (target) => ({ accountId: target.accountId }),
  },
  'Mutation.createApiKey(externalId)': {
    scope: null,
    operation:
      'mutation($externalId: String) { createApiKey(input: { name: "x", scopes: [BILLING_READ], externalId: $externalId }) { secret } }',
    variables: byExternalId,
  },
  'Mutation.updateAutoTopUp(externalId)': {
    scope: 'billing:write',
    operation: `mutation($externalId: String) { updateAutoTopUp(input: { externalId: $externalId, enabled: true, thresholdMilliCredits: 1000, creditPackageId: "${NO_PLAN}" }) { enabled } }`,
    variables: byExternalId,
    ownerOutcome: 'BAD_USER_INPUT',
  },
};
