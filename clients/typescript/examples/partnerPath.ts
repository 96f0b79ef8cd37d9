/**
 * A partner's whole path with the client: provision a customer, sell it a plan through Checkout with
 * your own return pages, then meter, check and charge what it does. Run with
 * `BILLING_URL=... BILLING_API_KEY=... npx tsx clients/typescript/examples/partnerPath.ts`.
 * In your own project, import from '@billing/client'.
 */
import { createBillingClient, isBillingApiError } from '../src';

const billing = createBillingClient({
  url: process.env.BILLING_URL ?? 'http://127.0.0.1:3000/graphql',
  apiKey: process.env.BILLING_API_KEY ?? '',
});

async function main() {
  // 1. Provision the customer under your own id; calling it again only updates the name and email.
  const { account, created } = await billing.upsertAccount({
    externalId: 'org_42',
    name: 'Acme',
    billingEmail: 'billing@acme.example',
    currency: 'usd',
  });
  console.log(created ? 'created' : 'updated', account.id);

  // 2. Sell it a plan: send the customer to the Checkout URL; Stripe returns them to your pages.
  const checkout = await billing.startSubscriptionCheckout({
    externalId: 'org_42',
    planKey: 'pro_monthly',
    successUrl: 'https://app.partner.example/billing/done?session={CHECKOUT_SESSION_ID}',
    cancelUrl: 'https://app.partner.example/pricing',
    idempotencyKey: 'upgrade-org_42-2026-03',
  });
  console.log('Checkout:', checkout.url);

  // 3. Record what the customer did; resending the same batch is safe (idempotency keys).
  const recorded = await billing.recordUsage({
    events: [
      {
        externalId: 'org_42',
        meterKey: 'api_calls',
        quantity: 3,
        occurredAt: new Date().toISOString(),
        idempotencyKey: 'req_81723',
      },
    ],
  });
  console.log(recorded.accepted, 'accepted,', recorded.duplicates, 'duplicates,', recorded.errors);

  // 4. Before doing work: may it?
  const projects = await billing.checkEntitlement({ externalId: 'org_42', featureKey: 'projects' });
  if (!projects.allowed) console.log('Upgrade to create more projects');

  // 5. Spend credits, atomically; a retry with the same key returns the first result.
  try {
    const spent = await billing.consumeCredits({
      externalId: 'org_42',
      idempotencyKey: 'run_991',
      amountMilliCredits: 2_500,
      description: 'Agent run 991',
    });
    console.log('Balance now', spent.balanceAfterMilliCredits / 1000, 'credits');
  } catch (error) {
    if (isBillingApiError(error, 'INSUFFICIENT_CREDITS'))
      console.log('Short of credits:', error.extensions.balance, 'of', error.extensions.required);
    else throw error;
  }

  // 6. Invoices, newest first.
  const invoices = await billing.invoices({ externalId: 'org_42' }, { first: 10 });
  for (const { node } of invoices.edges) console.log(node.number, node.status, node.total);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
