import type Stripe from 'stripe';
import { newId, randomToken } from '../store/ids';

export interface PaymentIntentFields {
  amount: number;
  currency: string;
  customer: string | null;
  paymentMethod: string | null;
  description: string | null;
  metadata: Record<string, string>;
  setupFutureUsage: 'on_session' | 'off_session' | null;
  receiptEmail: string | null;
  captureMethod: 'automatic' | 'automatic_async' | 'manual';
  created: number;
  shipping?: Stripe.PaymentIntent.Shipping | null;
  statementDescriptor?: string | null;
  statementDescriptorSuffix?: string | null;
  transferGroup?: string | null;
}

export function newPaymentIntent(fields: PaymentIntentFields): Stripe.PaymentIntent {
  const id = newId('payment_intent');
  return {
    id,
    object: 'payment_intent',
    allowed_payment_method_types: null,
    amount: fields.amount,
    amount_capturable: 0,
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: fields.captureMethod,
    client_secret: `${id}_secret_${randomToken(25)}`,
    confirmation_method: 'automatic',
    created: fields.created,
    currency: fields.currency,
    customer: fields.customer,
    customer_account: null,
    description: fields.description,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    managed_payments: null,
    metadata: fields.metadata,
    next_action: null,
    on_behalf_of: null,
    payment_method: fields.paymentMethod,
    payment_method_configuration_details: null,
    payment_method_options: {
      card: { installments: null, mandate_options: null, network: null, request_three_d_secure: 'automatic' },
    },
    payment_method_types: ['card'],
    payment_record: null,
    processing: null,
    receipt_email: fields.receiptEmail,
    review: null,
    setup_future_usage: fields.setupFutureUsage,
    shipping: fields.shipping ?? null,
    source: null,
    statement_descriptor: fields.statementDescriptor ?? null,
    statement_descriptor_suffix: fields.statementDescriptorSuffix ?? null,
    status: fields.paymentMethod ? 'requires_confirmation' : 'requires_payment_method',
    transfer_data: null,
    transfer_group: fields.transferGroup ?? null,
  };
}

export interface ChargeFields {
  paymentIntent: Stripe.PaymentIntent;
  paymentMethod: Stripe.PaymentMethod;
  failure: { code: string; declineCode: string; message: string } | null;
  /** False for an authorization (`capture_method: manual`): the money is held, not taken, until capture. */
  captured: boolean;
  created: number;
  receiptUrl: string;
}

export function newCharge(fields: ChargeFields): Stripe.Charge {
  const { paymentIntent: intent, paymentMethod: method, failure } = fields;
  const card = method.card;
  const succeeded = failure === null;
  const captured = succeeded && fields.captured;
  return {
    id: newId('charge'),
    object: 'charge',
    amount: intent.amount,
    amount_captured: captured ? intent.amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: null,
    billing_details: method.billing_details,
    calculated_statement_descriptor: 'STRIPE EMULATOR',
    captured,
    created: fields.created,
    currency: intent.currency,
    customer: intent.customer,
    description: intent.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: failure?.code ?? null,
    failure_message: failure?.message ?? null,
    fraud_details: {},
    livemode: false,
    metadata: { ...intent.metadata },
    on_behalf_of: null,
    outcome: {
      advice_code: null,
      network_advice_code: null,
      network_decline_code: null,
      network_status: succeeded ? 'approved_by_network' : 'declined_by_network',
      reason: failure?.declineCode ?? null,
      risk_level: 'normal',
      seller_message: succeeded
        ? 'Payment complete.'
        : 'The bank did not return any further details with this decline.',
      type: succeeded ? 'authorized' : 'issuer_declined',
    },
    paid: succeeded,
    payment_intent: intent.id,
    payment_method: method.id,
    payment_method_details: {
      type: 'card',
      card: card
        ? {
            amount_authorized: succeeded ? intent.amount : null,
            authorization_code: succeeded ? '123456' : null,
            brand: card.brand,
            checks: card.checks,
            country: card.country,
            exp_month: card.exp_month,
            exp_year: card.exp_year,
            fingerprint: card.fingerprint,
            funding: card.funding,
            installments: null,
            last4: card.last4,
            mandate: null,
            network: card.brand,
            network_transaction_id: null,
            regulated_status: 'unregulated',
            three_d_secure: null,
            transaction_link_id: null,
            electronic_commerce_indicator: null,
            wallet: null,
          }
        : undefined,
    },
    receipt_email: intent.receipt_email,
    receipt_number: null,
    receipt_url: succeeded ? fields.receiptUrl : null,
    refunded: false,
    review: null,
    shipping: intent.shipping,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: succeeded ? 'succeeded' : 'failed',
    transfer_data: null,
    transfer_group: null,
  };
}

export interface RefundFields {
  charge: Stripe.Charge;
  amount: number;
  reason: Stripe.Refund.Reason | null;
  metadata: Record<string, string>;
  created: number;
}

export function newRefund(fields: RefundFields): Stripe.Refund {
  const { charge } = fields;
  return {
    id: newId('refund'),
    object: 'refund',
    amount: fields.amount,
    balance_transaction: null,
    charge: charge.id,
    created: fields.created,
    currency: charge.currency,
    customer: charge.customer,
    customer_account: null,
    destination_details: {
      type: 'card',
      card: { reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'refund' },
    },
    metadata: fields.metadata,
    payment_intent: charge.payment_intent,
    payment_method: charge.payment_method,
    reason: fields.reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status: 'succeeded',
    transfer_reversal: null,
  };
}

export interface BalanceTransactionFields {
  type: 'charge' | 'refund';
  /** Positive for money coming in (a charge), negative for money going out (a refund). */
  amount: number;
  fee: number;
  currency: string;
  description: string | null;
  source: string;
  created: number;
  availableOn: number;
}

export function newBalanceTransaction(fields: BalanceTransactionFields): Stripe.BalanceTransaction {
  return {
    id: newId('balance_transaction'),
    object: 'balance_transaction',
    amount: fields.amount,
    available_on: fields.availableOn,
    balance_type: 'payments',
    created: fields.created,
    currency: fields.currency,
    description: fields.description,
    exchange_rate: null,
    fee: fields.fee,
    fee_details:
      fields.fee === 0
        ? []
        : [
            {
              amount: fields.fee,
              application: null,
              currency: fields.currency,
              description: 'Stripe processing fees',
              type: 'stripe_fee',
            },
          ],
    net: fields.amount - fields.fee,
    reporting_category: fields.type,
    source: fields.source,
    status: fields.availableOn <= fields.created ? 'available' : 'pending',
    type: fields.type,
  };
}
