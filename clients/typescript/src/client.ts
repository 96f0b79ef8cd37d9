import { BillingApiError, type GraphQLErrorEntry } from './errors';
import * as operations from './generated';
import type {
  AccountActionInput,
  AdvanceTestClockInput,
  AttachTestClockInput,
  CancelSubscriptionInput,
  ChangePlanInput,
  ChangeSeatsInput,
  ConsumeCreditsInput,
  CreateWebhookEndpointInput,
  CreditLedgerEntryType,
  OpenBillingPortalInput,
  RecordUsageInput,
  ResourceInput,
  StartCreditPackageCheckoutInput,
  StartSubscriptionCheckoutInput,
  StartTrialInput,
  TypedDocumentString,
  UpdateAutoTopUpInput,
  UpdateWebhookEndpointInput,
  UpsertAccountInput,
  UsageGranularity,
  WebhookDeliveryStatus,
} from './generated';

export interface BillingClientOptions {
  /** The service's GraphQL endpoint, e.g. https://billing.example.com/graphql. */
  url: string;
  /** A partner API key (`bsk_...`), sent as `Authorization: Bearer`. */
  apiKey: string;
  /** The Fetch implementation to use; the global `fetch` by default. */
  fetch?: typeof fetch;
  /** Headers added to every request (a request id, a user agent). */
  headers?: Record<string, string>;
}

/** An account, by our id or by the partner's own id (`upsertAccount`'s externalId), or both. */
export type AccountRef =
  { accountId: string; externalId?: string } | { accountId?: string; externalId: string };

/** A page of a list: how many, and the `endCursor` of the page before. */
export interface PageArgs {
  first?: number;
  after?: string;
}

/**
 * A client for the billing service's partner API. Every method is one GraphQL operation of
 * `src/operations/`, typed from the schema; it returns the operation's payload or throws a
 * BillingApiError. Mutations that change money or subscriptions take an `idempotencyKey` in their input:
 * a retry with the same key and input returns the first result instead of doing it again.
 */
export function createBillingClient({ url, apiKey, fetch: fetchImpl, headers = {} }: BillingClientOptions) {
  // Called through globalThis at each request: browsers refuse a `fetch` detached from its window.
  const send: typeof fetch = fetchImpl ?? ((input, init) => globalThis.fetch(input, init));

  /** Runs any operation of the schema, typed by its document. */
  async function request<Result, Variables>(
    document: TypedDocumentString<Result, Variables>,
    // Variables come from the document alone: an operation without variables may be called without them.
    ...[variables]: Variables extends Record<string, never> ? [] | [NoInfer<Variables>] : [NoInfer<Variables>]
  ): Promise<Result> {
    const response = await send(url, {
      method: 'POST',
      headers: {
        ...headers,
        accept: 'application/json',
        'content-type': 'application/json',
        authorization: `Bearer ${apiKey}`,
      },
      body: JSON.stringify({ query: document.toString(), variables: variables ?? {} }),
    });
    const body = await readBody(response);
    if (body?.errors?.length) throw new BillingApiError({ errors: body.errors, status: response.status });
    if (!response.ok || !body?.data) throw new BillingApiError({ errors: [], status: response.status });
    return body.data as Result;
  }

  // Account fields name it `id`; operations that take the account as arguments name it `accountId`.
  const byAccount = ({ accountId, externalId }: AccountRef) => ({ id: accountId, externalId });
  const accountArguments = ({ accountId, externalId }: AccountRef) => ({ accountId, externalId });

  return {
    request,

    // The catalog (public).
    plans: async () => (await request(operations.PlansDocument)).plans,
    creditPackages: async () => (await request(operations.CreditPackagesDocument)).creditPackages,
    meters: async () => (await request(operations.MetersDocument)).meters,

    // Accounts (accounts:write on a platform-wide key to provision; accounts:read to read).
    /** Creates the account named by your externalId, or updates its name and billing email. Idempotent. */
    upsertAccount: async (input: UpsertAccountInput) =>
      (await request(operations.UpsertAccountDocument, { input })).upsertAccount,
    account: async (account: AccountRef) =>
      (await request(operations.AccountDocument, byAccount(account))).account,

    // Subscriptions and Checkout (billing:read, billing:write).
    subscription: async (account: AccountRef) =>
      (await request(operations.SubscriptionDocument, byAccount(account))).account.subscription,
    checkoutSession: async (account: AccountRef, checkoutSessionId: string) =>
      (
        await request(operations.CheckoutSessionDocument, {
          ...byAccount(account),
          checkoutSessionId,
        })
      ).account.checkoutSession,
    /** A Stripe Checkout URL for a paid plan; `successUrl` and `cancelUrl` return to your pages. */
    startSubscriptionCheckout: async (input: StartSubscriptionCheckoutInput) =>
      (await request(operations.StartSubscriptionCheckoutDocument, { input })).startSubscriptionCheckout,
    startCreditPackageCheckout: async (input: StartCreditPackageCheckoutInput) =>
      (await request(operations.StartCreditPackageCheckoutDocument, { input })).startCreditPackageCheckout,
    startTrial: async (input: StartTrialInput) =>
      (await request(operations.StartTrialDocument, { input })).startTrial,
    previewPlanChange: async ({
      planId,
      planKey,
      seats,
      ...account
    }: AccountRef & { planId?: string; planKey?: string; seats?: number }) =>
      (
        await request(operations.PreviewPlanChangeDocument, {
          ...accountArguments(account),
          planId,
          planKey,
          seats,
        })
      ).previewPlanChange,
    changePlan: async (input: ChangePlanInput) =>
      (await request(operations.ChangePlanDocument, { input })).changePlan,
    changeSeats: async (input: ChangeSeatsInput) =>
      (await request(operations.ChangeSeatsDocument, { input })).changeSeats,
    cancelScheduledPlanChange: async (input: AccountActionInput) =>
      (await request(operations.CancelScheduledPlanChangeDocument, { input })).cancelScheduledPlanChange,
    cancelSubscription: async (input: CancelSubscriptionInput) =>
      (await request(operations.CancelSubscriptionDocument, { input })).cancelSubscription,
    resumeSubscription: async (input: AccountActionInput) =>
      (await request(operations.ResumeSubscriptionDocument, { input })).resumeSubscription,
    openBillingPortal: async (input: OpenBillingPortalInput) =>
      (await request(operations.OpenBillingPortalDocument, { input })).openBillingPortal,

    // Entitlements (entitlements:read, entitlements:write).
    /** May this account do X? Allowed or not, with the limit, used and remaining. */
    checkEntitlement: async ({ featureKey, ...account }: AccountRef & { featureKey: string }) =>
      (await request(operations.EntitlementDocument, { ...accountArguments(account), featureKey }))
        .entitlement,
    entitlements: async (account: AccountRef) =>
      (await request(operations.EntitlementsDocument, byAccount(account))).account.entitlements,
    registerResource: async (input: ResourceInput) =>
      (await request(operations.RegisterResourceDocument, { input })).registerResource,
    releaseResource: async (input: ResourceInput) =>
      (await request(operations.ReleaseResourceDocument, { input })).releaseResource,

    // Usage (usage:write, usage:read).
    /** Records up to 1,000 events; each is accepted, a duplicate (by its idempotency key) or rejected. */
    recordUsage: async (input: RecordUsageInput) =>
      (await request(operations.RecordUsageDocument, { input })).recordUsage,
    usageSummary: async (account: AccountRef) =>
      (await request(operations.UsageSummaryDocument, byAccount(account))).account.usageSummary,
    usageSeries: async ({
      from,
      to,
      granularity,
      meterKeys,
      ...account
    }: AccountRef & { from: string; to: string; granularity: UsageGranularity; meterKeys?: string[] }) =>
      (
        await request(operations.UsageSeriesDocument, {
          ...byAccount(account),
          from,
          to,
          granularity,
          meterKeys,
        })
      ).account.usageSeries,

    // Credits (credits:write, credits:read; billing:write for automatic top-up).
    /** Spends credits, atomically and idempotently by key; INSUFFICIENT_CREDITS changes nothing. */
    consumeCredits: async (input: ConsumeCreditsInput) =>
      (await request(operations.ConsumeCreditsDocument, { input })).consumeCredits,
    creditBalance: async (account: AccountRef) =>
      (await request(operations.CreditBalanceDocument, byAccount(account))).account.creditBalance,
    creditLedger: async (
      account: AccountRef,
      filter: PageArgs & { entryTypes?: CreditLedgerEntryType[]; from?: string; to?: string } = {},
    ) =>
      (await request(operations.CreditLedgerDocument, { ...byAccount(account), ...filter })).account
        .creditLedger,
    creditGrants: async (account: AccountRef) =>
      (await request(operations.CreditGrantsDocument, byAccount(account))).account.creditGrants,
    updateAutoTopUp: async (input: UpdateAutoTopUpInput) =>
      (await request(operations.UpdateAutoTopUpDocument, { input })).updateAutoTopUp,

    // Invoices and payments (billing:read).
    invoices: async (account: AccountRef, page: PageArgs = {}) =>
      (await request(operations.InvoicesDocument, { ...byAccount(account), ...page })).account.invoices,
    upcomingInvoice: async (account: AccountRef) =>
      (await request(operations.UpcomingInvoiceDocument, byAccount(account))).account.upcomingInvoice,
    payments: async (account: AccountRef, page: PageArgs = {}) =>
      (await request(operations.PaymentsDocument, { ...byAccount(account), ...page })).account.payments,

    // Webhook endpoints (webhooks:write, webhooks:read).
    /** Creates an endpoint; the `whsec_` secret in the result is shown this once. */
    createWebhookEndpoint: async (input: CreateWebhookEndpointInput) =>
      (await request(operations.CreateWebhookEndpointDocument, { input })).createWebhookEndpoint,
    updateWebhookEndpoint: async (id: string, input: UpdateWebhookEndpointInput) =>
      (await request(operations.UpdateWebhookEndpointDocument, { id, input })).updateWebhookEndpoint,
    /** A new secret, shown once; the previous one keeps signing for 24 hours. */
    rotateWebhookEndpointSecret: async (id: string) =>
      (await request(operations.RotateWebhookEndpointSecretDocument, { id })).rotateWebhookEndpointSecret,
    deleteWebhookEndpoint: async (id: string) =>
      (await request(operations.DeleteWebhookEndpointDocument, { id })).deleteWebhookEndpoint,
    webhookEndpoints: async ({ accountId }: { accountId?: string } = {}) =>
      (await request(operations.WebhookEndpointsDocument, { accountId })).webhookEndpoints,
    webhookDeliveries: async ({
      endpointId,
      ...filter
    }: PageArgs & { endpointId: string; status?: WebhookDeliveryStatus }) =>
      (await request(operations.WebhookDeliveriesDocument, { endpointId, ...filter })).webhookDeliveries,
    retryWebhookDelivery: async (id: string) =>
      (await request(operations.RetryWebhookDeliveryDocument, { id })).retryWebhookDelivery,
    replayWebhookEvent: async ({ eventId, endpointId }: { eventId: string; endpointId?: string }) =>
      (await request(operations.ReplayWebhookEventDocument, { eventId, endpointId })).replayWebhookEvent,
    sendTestWebhook: async (endpointId: string) =>
      (await request(operations.SendTestWebhookDocument, { endpointId })).sendTestWebhook,

    // Test clocks (testing; development and Stripe test mode only).
    /** Puts a new account on a Stripe test clock, before its first checkout; its time then stands still. */
    attachTestClock: async (input: AttachTestClockInput) =>
      (await request(operations.AttachTestClockDocument, { input })).attachTestClock.account,
    /** Moves the account's clock forward; renewals, retries and grace periods on the way happen. */
    advanceTestClock: async (input: AdvanceTestClockInput) =>
      (await request(operations.AdvanceTestClockDocument, { input })).advanceTestClock.account,
  };
}

export type BillingClient = ReturnType<typeof createBillingClient>;

/** The response's JSON, or null for an answer that is not the service's (a proxy's error page). */
async function readBody(
  response: Response,
): Promise<{ data?: unknown; errors?: GraphQLErrorEntry[] } | null> {
  try {
    return (await response.json()) as { data?: unknown; errors?: GraphQLErrorEntry[] };
  } catch {
    return null;
  }
}
