/**
 * Every event partners may hear of, in one place: endpoints subscribe to these names, and
 * docs/partner-webhooks.md shows an example of each.
 */
export const PARTNER_EVENT_TYPES = {
  'checkout.completed': 'A Checkout was paid: a subscription or a credit package was bought.',
  'checkout.expired':
    'A Checkout closed unpaid: it timed out, its delayed payment failed, or a new one replaced it.',
  'account.created': 'An account was made: by a sign-up, or by a partner through upsertAccount.',
  'account.updated':
    'An account’s name or billing email changed: through upsertAccount, or in Stripe’s billing portal.',
  'subscription.created':
    'A subscription began: the default plan of a new account (or one dropping back to it), a trial without a card, or one from Stripe.',
  'subscription.updated':
    'A subscription changed: its status, plan, seats, period or whether it ends at the period end.',
  'subscription.canceled': 'A subscription ended (canceled or expired).',
  'subscription.trial_started':
    'A subscription began trialing (beside its subscription.created or .updated).',
  'subscription.trial_ending':
    'A trial ends in a few days (Stripe’s warning, or ours for trials without a card); once per trial end.',
  'subscription.activated':
    'A subscription became ACTIVE: a trial converted, a first payment went through, a past-due one was paid, a paused one resumed.',
  'subscription.plan_changed': 'A subscription moved to another plan (with the plan it left).',
  'subscription.change_scheduled':
    'A change waits for the period end: a downgrade or fewer seats (scheduledChange), or the cancellation (cancelAtPeriodEnd).',
  'subscription.past_due': 'Collecting a subscription failed: it is PAST_DUE, in its grace period.',
  'subscription.resumed':
    'A subscription goes on: a cancellation at the period end was taken back, or a paused one resumed.',
  'invoice.created': 'An invoice was made in Stripe (usually a draft); once per invoice.',
  'invoice.finalized': 'An invoice was finalized: numbered and due (or paid at once); once per invoice.',
  'invoice.paid': 'An invoice was paid.',
  'invoice.voided': 'An invoice was voided: nothing is owed on it any more; once per invoice.',
  'invoice.payment_failed': 'Collecting an invoice failed (each failed attempt).',
  'payment.succeeded':
    'Money arrived: an invoice paid by card, a credit package, a lifetime plan, an automatic top-up; once per payment.',
  'payment.failed':
    'A charge failed: an invoice’s first failed attempt, or an automatic top-up declined; once per payment.',
  'payment.refunded':
    'Stripe refunded (part of) a payment, refunded here or in its dashboard; once per refund.',
  'payment.refund_failed': 'A refund failed or was canceled: the money stayed with us.',
  'credits.granted':
    'Credits were given: a purchase, a plan allowance, a promotion or an admin adjustment adding credits.',
  'credits.low_balance':
    'The balance fell below the low-balance threshold after consumptions (at most once a day, with the notice).',
  'credits.depleted': 'Consumptions took the balance to zero; once each time it is emptied.',
  'credits.auto_top_up_succeeded':
    'An automatic top-up was charged (after the credits.granted of its credits).',
  'credits.auto_top_up_failed': 'Charging an automatic top-up failed (each failed top-up).',
  'credits.auto_top_up_disabled':
    'Automatic top-up switched itself off after failing several times in a row.',
  'entitlement.soft_limit_reached':
    'Usage of a feature reached its plan’s soft-limit percentage (at most once a day per feature, with the notice).',
  'entitlement.limit_reached':
    'A check or a resource was refused because the feature’s limit is used up (at most once a day per feature).',
  'usage.threshold_crossed':
    'Usage of a meter reached 80 % or 100 % of what the plan includes in the period; once per threshold, meter and period.',
  'webhook.test': 'Sent by sendTestWebhook to one endpoint; never fanned out.',
} as const;

export type PartnerEventType = keyof typeof PARTNER_EVENT_TYPES;

/** The types an endpoint may subscribe to (test events go only where they are sent). */
export const SUBSCRIBABLE_EVENT_TYPES = (Object.keys(PARTNER_EVENT_TYPES) as PartnerEventType[]).filter(
  (type) => type !== 'webhook.test',
);

export function isSubscribableEventType(value: string): value is PartnerEventType {
  return (SUBSCRIBABLE_EVENT_TYPES as string[]).includes(value);
}

/** The types an endpoint may subscribe to, each with when it is sent. */
export function subscribableEventTypes(): Array<{ name: PartnerEventType; description: string }> {
  return SUBSCRIBABLE_EVENT_TYPES.map((name) => ({ name, description: PARTNER_EVENT_TYPES[name] }));
}
