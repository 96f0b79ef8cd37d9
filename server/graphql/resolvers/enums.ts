import type { Resolvers } from '../generated/resolvers';

/** GraphQL enum values (UPPER_CASE) ↔ the lower-case values the database and services use. */
export const enumResolvers: Resolvers = {
  BillingInterval: { MONTH: 'month', YEAR: 'year', LIFETIME: 'lifetime' },
  PurchaseMode: { SELF_SERVE: 'self_serve', CONTACT_SALES: 'contact_sales' },
  EntitlementKind: { BOOLEAN: 'boolean', LIMIT: 'limit', METERED: 'metered', CREDITS: 'credits' },
  MeterAggregation: { SUM: 'sum', COUNT: 'count', MAX: 'max', UNIQUE_COUNT: 'unique_count', LATEST: 'latest' },
  MembershipRole: { OWNER: 'owner', ADMIN: 'admin', MEMBER: 'member' },
  SubscriptionStatus: {
    TRIALING: 'trialing',
    ACTIVE: 'active',
    PAST_DUE: 'past_due',
    CANCELED: 'canceled',
    EXPIRED: 'expired',
    INCOMPLETE: 'incomplete',
    PAUSED: 'paused',
  },
  InvoiceStatus: { DRAFT: 'draft', OPEN: 'open', PAID: 'paid', VOID: 'void', UNCOLLECTIBLE: 'uncollectible' },
  InvoiceLineKind: {
    SUBSCRIPTION: 'subscription',
    PRORATION: 'proration',
    USAGE_OVERAGE: 'usage_overage',
    CREDIT_PACKAGE: 'credit_package',
    OTHER: 'other',
  },
  CheckoutStatus: { OPEN: 'open', COMPLETED: 'completed', EXPIRED: 'expired' },
  CheckoutPurpose: { SUBSCRIPTION: 'subscription', CREDIT_TOP_UP: 'credit_top_up' },
  StripeEventStatus: { RECEIVED: 'received', PROCESSED: 'processed', FAILED: 'failed', IGNORED: 'ignored' },
  ApiScope: {
    ACCOUNTS_READ: 'accounts:read',
    ACCOUNTS_WRITE: 'accounts:write',
    BILLING_READ: 'billing:read',
    BILLING_WRITE: 'billing:write',
    USAGE_READ: 'usage:read',
    USAGE_WRITE: 'usage:write',
    CREDITS_READ: 'credits:read',
    CREDITS_WRITE: 'credits:write',
    ENTITLEMENTS_READ: 'entitlements:read',
  },
};
