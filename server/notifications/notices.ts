/**
 * Every notice the service sends and the data its template receives. The wording lives in the
 * templates (server/notifications/templates/<language>/<kind>.hbs), which operators may override;
 * this list is what the code promises them. Amounts are integer minor units with their currency,
 * credits integer milli-credits, dates Dates shown in the account's time zone.
 */
export interface NoticeData {
  // Subscriptions
  trial_ending: { planName: string; trialEnd: Date | null; billingUrl: string };
  payment_failed: { planName: string; accessUntil: Date | null; billingUrl: string };
  subscription_canceled: { planName: string; billingUrl: string };
  plan_changed: { planName: string; billingUrl: string };
  plan_change_scheduled: {
    planName: string;
    /** The renewal it takes effect at; null for a lifetime plan's (never). */
    changesOn: Date | null;
    amount: number;
    currency: string;
    interval: string;
    billingUrl: string;
  };
  duplicate_subscription_canceled: {
    planName: string;
    refunded: number;
    currency: string;
    billingUrl: string;
  };
  'subscription.cancellation_scheduled': { planName: string; endsOn: Date | null; billingUrl: string };
  'subscription.ending_soon': { planName: string; endsOn: Date | null; billingUrl: string };
  'subscription.renewal_reminder': {
    planName: string;
    renewsOn: Date | null;
    amount: number;
    currency: string;
    interval: string;
    billingUrl: string;
  };
  // Payments
  'payment.receipt': {
    description: string;
    amount: number;
    currency: string;
    paidAt: Date;
    invoiceNumber: string | null;
    invoiceUrl: string | null;
    billingUrl: string;
  };
  // Credits
  'credits.low_balance': { balance: number; threshold: number; creditsUrl: string };
  'credits.purchased': {
    credits: number;
    amount: number;
    currency: string;
    automatic: boolean;
    creditsUrl: string;
  };
  'credits.expiring': { credits: number; expiresOn: Date; creditsUrl: string };
  'credits.auto_top_up_failed': { reason: string; creditsUrl: string };
  'credits.auto_top_up_disabled': { reason: string; failures: number; creditsUrl: string };
  // Limits
  soft_limit_reached: {
    planName: string;
    feature: string;
    /** Null when the limit is counted elsewhere and only the limit is known. */
    used: number | null;
    limit: number | null;
    scope: { resourceType: string; key: string } | null;
    billingUrl: string;
  };
  // Partner webhooks
  webhook_endpoint_disabled: { url: string; days: number };
  // Members
  'account.invitation': {
    /** Null when no person sent it (a partner's API key). */
    inviterName: string | null;
    email: string;
    accountName: string;
    role: 'owner' | 'admin' | 'member';
    link: string;
    days: number;
  };
  // Logins
  'auth.password_reset': { link: string };
  'auth.sign_up_confirmation': { email: string; accountName: string; link: string };
  'auth.sign_up_existing_login': { signInUrl: string; resetUrl: string };
  // Platform admins
  'admin.stripe_events_failing': {
    failures: number;
    lastEventType: string;
    lastError: string;
    eventsUrl: string;
  };
  'admin.revenue_report': {
    /** The month's first day (UTC). */
    month: Date;
    /** One row per currency; empty when no money moved. */
    figures: Array<{
      currency: string;
      grossCollected: number;
      refunded: number;
      net: number;
      mrrAtMonthEnd: number;
      newSubscriptions: number;
      cancellations: number;
      failedPayments: number;
      failedAmount: number;
      /** Milli-credits. */
      creditsSold: number;
    }>;
    reportUrl: string;
  };
  'admin.revenue_drop': {
    currency: string;
    day: Date;
    collected: number;
    previousDay: Date;
    previouslyCollected: number;
    dropPercent: number;
    revenueUrl: string;
  };
}

export type NoticeKind = keyof NoticeData;

/** One notice with its data, as the outbox takes it. */
export type Notice = { [Kind in NoticeKind]: { kind: Kind; data: NoticeData[Kind] } }[NoticeKind];
