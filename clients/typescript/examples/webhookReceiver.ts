/**
 * Receiving the service's events: verify each delivery's signature with the endpoint's secret and
 * handle each event id once (delivery is at least once). Run with
 * `BILLING_WEBHOOK_SECRET=whsec_... npx tsx clients/typescript/examples/webhookReceiver.ts`.
 * In your own project, import from '@billing/client'.
 */
import { createServer } from 'node:http';
import { verifyWebhook, type PartnerWebhookEvent } from '../src';

const secret = process.env.BILLING_WEBHOOK_SECRET ?? '';
const handled = new Set<string>(); // keep this in your database

function handle(event: PartnerWebhookEvent) {
  switch (event.type) {
    case 'checkout.completed':
      console.log(`${event.accountExternalId} bought`, event.data.plan?.key ?? event.data.creditPackage?.key);
      break;
    case 'subscription.updated':
      console.log(`${event.accountExternalId} is now ${event.data.status} on ${event.data.plan.key}`);
      break;
    case 'invoice.payment_failed':
      console.log(`Payment failed (attempt ${event.data.attemptCount}) for`, event.data.amountDue);
      break;
    default:
      console.log(event.type, event.sequence);
  }
}

createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    let event: PartnerWebhookEvent;
    try {
      // The raw body, exactly as received.
      event = verifyWebhook(Buffer.concat(chunks), request.headers, secret);
    } catch {
      response.writeHead(400).end();
      return;
    }
    if (!handled.has(event.id)) {
      handle(event);
      handled.add(event.id);
    }
    response.writeHead(204).end();
  });
}).listen(4000, () => console.log('Listening on http://127.0.0.1:4000'));
