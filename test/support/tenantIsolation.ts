/**
 * The registry of tenant isolation: every root field and every Account field must be listed here, either
 * as public (with the reason) or with an operation that touches another tenant's account. The test in
 * test/graphql/tenantIsolation.test.ts fails for any field that is missing, so a new field cannot ship
 * without saying how it keeps tenants apart.
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
   * after authorization (proof the owner got past it while a stranger did not).
   */
  ownerOutcome?: 'BAD_USER_INPUT';
}

const byId = (target: Target) => ({ id: target.accountId });

/** Fields that are not about any one account, and why that is safe. */
export const PUBLIC_FIELDS: Record<string, string> = {
  'Query.plans': 'the catalog is public (inactive plans need a platform admin)',
  'Query.creditPackages': 'the catalog is public',
  'Query.meters': 'the catalog is public',
  'Query.viewer': "returns only the caller's own user and memberships",
  'Mutation.signIn': 'creates a session for the credentials given',
  'Mutation.signOut': "ends only the caller's own session",
  'Mutation.upsertAccount': 'needs a platform-wide key; account-bound keys and members are refused (tested separately)',
  'Mutation.revokeApiKey': 'keyed by API key id; covered by a case below through the key of another account',
  'Query.stripeEvents': 'platform admins only (requirePlatformAdmin)',
  'Mutation.replayStripeEvent': 'platform admins only (requirePlatformAdmin)',
};

export const ACCOUNT_SCOPED_FIELDS: Record<string, IsolationCase> = {
  'Query.account': { operation: 'query($id: ID) { account(id: $id) { id } }', variables: byId },
  'Query.account(externalId)': {
    operation: 'query($externalId: String) { account(externalId: $externalId) { id } }',
    variables: (target) => ({ externalId: target.externalId }),
  },
  'Account.id': { operation: 'query($id: ID) { account(id: $id) { id } }', variables: byId },
  'Account.name': { operation: 'query($id: ID) { account(id: $id) { name } }', variables: byId },
  'Account.externalId': { operation: 'query($id: ID) { account(id: $id) { externalId } }', variables: byId },
  'Account.billingEmail': { operation: 'query($id: ID) { account(id: $id) { billingEmail } }', variables: byId },
  'Account.currency': { operation: 'query($id: ID) { account(id: $id) { currency } }', variables: byId },
  'Account.createdAt': { operation: 'query($id: ID) { account(id: $id) { createdAt } }', variables: byId },
  'Account.subscription': { operation: 'query($id: ID) { account(id: $id) { subscription { id status } } }', variables: byId },
  'Account.creditBalance': { operation: 'query($id: ID) { account(id: $id) { creditBalance { milliCredits } } }', variables: byId },
  'Account.invoices': { operation: 'query($id: ID) { account(id: $id) { invoices { edges { node { id } } } } }', variables: byId },
  'Account.usageSummary': { operation: 'query($id: ID) { account(id: $id) { usageSummary { quantity } } }', variables: byId },
  'Account.apiKeys': { operation: 'query($id: ID) { account(id: $id) { apiKeys { id } } }', variables: byId },
  'Account.checkoutSession': {
    operation: 'query($id: ID) { account(id: $id) { checkoutSession(id: "00000000-0000-0000-0000-000000000000") { id } } }',
    variables: byId,
  },
  'Mutation.startSubscriptionCheckout': {
    operation: 'mutation($accountId: ID!) { startSubscriptionCheckout(input: { accountId: $accountId, planId: "00000000-0000-0000-0000-000000000000" }) { url } }',
    variables: (target) => ({ accountId: target.accountId }),
    ownerOutcome: 'BAD_USER_INPUT',
  },
  'Mutation.createApiKey': {
    operation: 'mutation($accountId: ID) { createApiKey(input: { name: "x", scopes: [USAGE_WRITE], accountId: $accountId }) { secret } }',
    variables: (target) => ({ accountId: target.accountId }),
  },
};
