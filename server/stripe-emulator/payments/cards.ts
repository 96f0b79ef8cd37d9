import type { CardBehaviour } from '../store/types';

/** A test card as Stripe documents it: what it looks like and how it behaves when charged. */
export interface TestCard {
  brand: 'visa' | 'mastercard' | 'amex';
  last4: string;
  funding: 'credit' | 'debit';
  behaviour: CardBehaviour;
}

const VISA = (last4: string, behaviour: CardBehaviour): TestCard => ({
  brand: 'visa',
  last4,
  funding: 'credit',
  behaviour,
});

/** Card numbers a person can type into the hosted pages. */
const CARD_NUMBERS: Record<string, TestCard> = {
  '4242424242424242': VISA('4242', 'succeeds'),
  '4000056655665556': { brand: 'visa', last4: '5556', funding: 'debit', behaviour: 'succeeds' },
  '5555555555554444': { brand: 'mastercard', last4: '4444', funding: 'credit', behaviour: 'succeeds' },
  '378282246310005': { brand: 'amex', last4: '0005', funding: 'credit', behaviour: 'succeeds' },
  '4000000000000002': VISA('0002', 'generic_decline'),
  '4000000000009995': VISA('9995', 'insufficient_funds'),
  '4000000000000341': VISA('0341', 'attach_then_fail'),
  '4000002500003155': VISA('3155', 'requires_authentication'),
  '4000002760003184': VISA('3184', 'requires_authentication'),
  '4000000000005126': VISA('5126', 'refund_fails'),
  '4000000000000069': VISA('0069', 'expired_card'),
};

/** Test PaymentMethod tokens accepted by `payment_methods.create` and `payment_method=` parameters. */
const CARD_TOKENS: Record<string, TestCard> = {
  pm_card_visa: VISA('4242', 'succeeds'),
  pm_card_mastercard: CARD_NUMBERS['5555555555554444'],
  pm_card_amex: CARD_NUMBERS['378282246310005'],
  pm_card_visa_debit: CARD_NUMBERS['4000056655665556'],
  pm_card_chargeDeclined: VISA('0002', 'generic_decline'),
  pm_card_chargeDeclinedInsufficientFunds: VISA('9995', 'insufficient_funds'),
  pm_card_chargeCustomerFail: VISA('0341', 'attach_then_fail'),
  // The same cards under the names Stripe's testing guide gives them.
  pm_card_visa_chargeDeclined: VISA('0002', 'generic_decline'),
  pm_card_visa_chargeDeclinedInsufficientFunds: VISA('9995', 'insufficient_funds'),
  pm_card_threeDSecure2Required: VISA('3155', 'requires_authentication'),
  pm_card_authenticationRequired: VISA('3184', 'requires_authentication'),
  pm_card_refundFail: VISA('5126', 'refund_fails'),
  pm_card_chargeDeclinedExpiredCard: VISA('0069', 'expired_card'),
  pm_card_visa_chargeDeclinedExpiredCard: VISA('0069', 'expired_card'),
};

/** Legacy card tokens (`tok_visa`) map to the same cards. */
const TOKEN_ALIASES: Record<string, string> = {
  tok_visa: 'pm_card_visa',
  tok_mastercard: 'pm_card_mastercard',
  tok_amex: 'pm_card_amex',
  tok_chargeDeclined: 'pm_card_chargeDeclined',
  tok_chargeDeclinedInsufficientFunds: 'pm_card_chargeDeclinedInsufficientFunds',
  tok_chargeCustomerFail: 'pm_card_chargeCustomerFail',
  tok_threeDSecure2Required: 'pm_card_threeDSecure2Required',
  tok_refundFail: 'pm_card_refundFail',
  tok_chargeDeclinedExpiredCard: 'pm_card_chargeDeclinedExpiredCard',
};

export function cardForNumber(number: string): TestCard | undefined {
  return CARD_NUMBERS[number.replace(/[\s-]/g, '')];
}

export function cardForToken(token: string): TestCard | undefined {
  return CARD_TOKENS[TOKEN_ALIASES[token] ?? token];
}

export function isTestToken(value: string): boolean {
  return cardForToken(value) !== undefined;
}

/** The outcome of charging a card, as the card network would answer. */
export type ChargeOutcome =
  | { kind: 'succeeded' }
  | {
      kind: 'declined';
      declineCode: 'generic_decline' | 'insufficient_funds' | 'authentication_required' | 'expired_card';
      message: string;
    }
  | { kind: 'requires_action' };

/**
 * How a charge on this card goes. `offSession` charges (renewals, retries, top-ups) cannot show a 3-D
 * Secure challenge, so cards that require one decline with `authentication_required`.
 */
export function chargeOutcome(
  behaviour: CardBehaviour,
  offSession: boolean,
  authenticated = false,
): ChargeOutcome {
  switch (behaviour) {
    case 'succeeds':
    case 'refund_fails':
      return { kind: 'succeeded' };
    case 'generic_decline':
    case 'attach_then_fail':
      return { kind: 'declined', declineCode: 'generic_decline', message: 'Your card was declined.' };
    case 'insufficient_funds':
      return {
        kind: 'declined',
        declineCode: 'insufficient_funds',
        message: 'Your card has insufficient funds.',
      };
    case 'expired_card':
      return { kind: 'declined', declineCode: 'expired_card', message: 'Your card has expired.' };
    case 'requires_authentication':
      if (authenticated) return { kind: 'succeeded' };
      if (offSession) {
        return {
          kind: 'declined',
          declineCode: 'authentication_required',
          message: 'Your card was declined. This transaction requires authentication.',
        };
      }
      return { kind: 'requires_action' };
  }
}

/** Cards that fail when first saved, so Checkout and attach reject them (0341 attaches fine). */
export function failsOnAttach(behaviour: CardBehaviour): boolean {
  return (
    behaviour === 'generic_decline' || behaviour === 'insufficient_funds' || behaviour === 'expired_card'
  );
}

/**
 * The error code Stripe gives a decline: the decline code itself where Stripe has a dedicated error code
 * for it (`expired_card`, `authentication_required`), `card_declined` otherwise.
 */
export function declineErrorCode(declineCode: string): string {
  return declineCode === 'expired_card' || declineCode === 'authentication_required'
    ? declineCode
    : 'card_declined';
}

/**
 * What is wrong with a card's expiry date, as of `now`: a month that is not 1–12, or a date in the past
 * (a past year, or a past month of this year). A card is valid through the end of its expiry month.
 */
export function expiryProblem(
  expMonth: number,
  expYear: number,
  now: Date,
): 'invalid_expiry_month' | 'invalid_expiry_year' | null {
  if (expMonth < 1 || expMonth > 12) return 'invalid_expiry_month';
  if (expYear < now.getUTCFullYear()) return 'invalid_expiry_year';
  if (expYear === now.getUTCFullYear() && expMonth < now.getUTCMonth() + 1) return 'invalid_expiry_month';
  return null;
}
