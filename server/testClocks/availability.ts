/**
 * Test clocks exist with the emulator (no key) and with Stripe test keys; a live key has no test clocks
 * in Stripe, and moving an account's time against real money would be meaningless.
 */
export function testClocksAllowed(stripeSecretKey: string | undefined): boolean {
  return !stripeSecretKey || /^(sk|rk)_test_/.test(stripeSecretKey);
}
