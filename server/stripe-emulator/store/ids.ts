import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Random base62 characters, the alphabet Stripe uses for the random part of its ids. */
export function randomToken(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  // 62 does not divide 256, so this is very slightly biased; ids only need to be unique, not uniform.
  for (let i = 0; i < length; i += 1) out += ALPHABET[bytes[i] % ALPHABET.length];
  return out;
}

/**
 * Stripe ids are `<prefix>_<random>`. Lengths follow what Stripe issues (customers and products are short,
 * most other objects 24 characters) so code that validates ids against real Stripe accepts ours too.
 */
export const ID_PREFIXES = {
  customer: ['cus', 14],
  product: ['prod', 14],
  price: ['price', 24],
  payment_method: ['pm', 24],
  subscription: ['sub', 24],
  subscription_item: ['si', 14],
  invoice: ['in', 24],
  invoice_line_item: ['il', 24],
  invoiceitem: ['ii', 24],
  invoice_payment: ['inpay', 24],
  payment_intent: ['pi', 24],
  charge: ['ch', 24],
  refund: ['re', 24],
  balance_transaction: ['txn', 24],
  setup_intent: ['seti', 24],
  'checkout.session': ['cs_test', 58],
  checkout_line_item: ['li', 24],
  'billing_portal.session': ['bps', 24],
  'billing_portal.configuration': ['bpc', 24],
  event: ['evt', 24],
  webhook_endpoint: ['we', 24],
  'test_helpers.test_clock': ['clock', 24],
  request: ['req', 14],
} as const satisfies Record<string, readonly [string, number]>;

export type IdKind = keyof typeof ID_PREFIXES;

export function newId(kind: IdKind): string {
  const [prefix, length] = ID_PREFIXES[kind];
  return `${prefix}_${randomToken(length)}`;
}

/** Secrets carry no meaning; they only need to be unguessable. */
export function newSecret(prefix: string, length = 32): string {
  return `${prefix}_${randomToken(length)}`;
}
