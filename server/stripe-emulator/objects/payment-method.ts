import type Stripe from 'stripe';
import type { TestCard } from '../payments/cards';
import { newId } from '../store/ids';

export interface PaymentMethodFields {
  card: TestCard;
  expMonth: number;
  expYear: number;
  billingName: string | null;
  billingEmail: string | null;
  metadata: Record<string, string>;
  created: number;
}

export function newCardPaymentMethod(fields: PaymentMethodFields): Stripe.PaymentMethod {
  return {
    id: newId('payment_method'),
    object: 'payment_method',
    allow_redisplay: 'unspecified',
    billing_details: {
      address: null,
      email: fields.billingEmail,
      name: fields.billingName,
      phone: null,
      tax_id: null,
    },
    card: {
      brand: fields.card.brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
      country: 'US',
      display_brand: fields.card.brand,
      exp_month: fields.expMonth,
      exp_year: fields.expYear,
      // Stripe's fingerprint identifies the card number; the test card's last4 and brand do here.
      fingerprint: `emu${fields.card.brand}${fields.card.last4}`,
      funding: fields.card.funding,
      generated_from: null,
      last4: fields.card.last4,
      networks: { available: [fields.card.brand], preferred: null },
      regulated_status: 'unregulated',
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created: fields.created,
    customer: null,
    customer_account: null,
    livemode: false,
    metadata: fields.metadata,
    type: 'card',
  };
}
