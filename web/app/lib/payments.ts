import type { PaymentType } from '~/graphql/generated';

const PAYMENT_TYPES: Record<PaymentType, string> = {
  SUBSCRIPTION_PAYMENT: 'Subscription',
  // Stripe raises these for any change charged at once: a plan change, seats, a trial ended early.
  SUBSCRIPTION_UPGRADE: 'Subscription change',
  SUBSCRIPTION_DOWNGRADE: 'Plan downgrade',
  SUBSCRIPTION_CANCEL: 'Cancellation',
  CREDIT_TOP_UP: 'Credit purchase',
  REFUND: 'Refund',
};

/** What a payment was for, in words ("Automatic top-up" for credits bought off-session). */
export function paymentTypeLabel({ type, automatic }: { type: PaymentType; automatic: boolean }): string {
  return type === 'CREDIT_TOP_UP' && automatic ? 'Automatic top-up' : PAYMENT_TYPES[type];
}

/** What is left to refund of a charge, in minor units; 0 for refunds and charges that did not go through. */
export function refundableAmount(payment: {
  type: PaymentType;
  status: string;
  amount: { amount: number };
  amountRefunded: { amount: number };
}): number {
  if (payment.type === 'REFUND' || payment.status !== 'COMPLETED') return 0;
  return payment.amount.amount - payment.amountRefunded.amount;
}
