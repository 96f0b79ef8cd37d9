import type Stripe from 'stripe';

/**
 * Helpers for tests that drive the emulator the way a person or Stripe would. They only use public
 * surfaces (the hosted page forms and the API), so they work against any running emulator.
 */

export const TEST_CARDS = {
  succeeds: '4242 4242 4242 4242',
  declined: '4000 0000 0000 0002',
  insufficientFunds: '4000 0000 0000 9995',
  attachesThenFails: '4000 0000 0000 0341',
  requiresAuthentication: '4000 0025 0000 3155',
  refundFails: '4000 0000 0000 5126',
  expired: '4000 0000 0000 0069',
} as const;

export interface CheckoutFormInput {
  card?: string;
  email?: string;
  name?: string;
  expiry?: string;
  cvc?: string;
  /** For 3-D Secure cards: press "Complete" (default) or "Fail" on the authentication page. */
  threeDSecure?: 'complete' | 'fail';
}

export interface CheckoutFormResult {
  /** 303 on success, 402 on a decline, 200 for the 3-D Secure page. */
  status: number;
  /** The success URL (with `{CHECKOUT_SESSION_ID}` filled in) after a 303. */
  location: string | null;
  html: string;
}

async function post(url: string, fields: Record<string, string>): Promise<CheckoutFormResult> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
  return { status: response.status, location: response.headers.get('location'), html: await response.text() };
}

/** Fills in and submits the hosted Checkout page at `session.url`, including its 3-D Secure step. */
export async function submitCheckoutForm(
  sessionUrl: string,
  input: CheckoutFormInput = {},
): Promise<CheckoutFormResult> {
  const fields: Record<string, string> = {
    card_number: input.card ?? TEST_CARDS.succeeds,
    card_expiry: input.expiry ?? '12 / 40',
    card_cvc: input.cvc ?? '123',
    name: input.name ?? 'Test Payer',
  };
  if (input.email !== undefined) fields.email = input.email;
  else fields.email = 'payer@example.com';
  const first = await post(sessionUrl, fields);
  if (first.status !== 200 || !first.html.includes(`${new URL(sessionUrl).pathname}/3ds`)) return first;
  return post(`${sessionUrl}/3ds`, { ...fields, action: input.threeDSecure ?? 'complete' });
}

/** Saves a new card in the billing portal at `portal session.url`, as a customer fixing a payment would. */
export async function submitPortalCardForm(
  portalUrl: string,
  input: Pick<CheckoutFormInput, 'card' | 'expiry' | 'cvc' | 'name'> = {},
): Promise<CheckoutFormResult> {
  const { origin, pathname } = new URL(portalUrl);
  return post(`${origin}${pathname}/payment-method`, {
    card_number: input.card ?? TEST_CARDS.succeeds,
    card_expiry: input.expiry ?? '12 / 40',
    card_cvc: input.cvc ?? '123',
    name: input.name ?? 'Test Payer',
  });
}

/** Advances a test clock and waits until the emulator has processed everything due (status `ready`). */
export async function advanceTestClock(
  stripe: Stripe,
  clockId: string,
  frozenTime: number,
): Promise<Stripe.TestHelpers.TestClock> {
  await stripe.testHelpers.testClocks.advance(clockId, { frozen_time: frozenTime });
  // Bounded by time, not by attempts: on a loaded machine a thousand polls can outlast any test.
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const clock = await stripe.testHelpers.testClocks.retrieve(clockId);
    if (clock.status === 'ready') return clock;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`Test clock ${clockId} did not become ready within 10 s`);
}
