import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import {
  startStripeEmulator,
  type StripeEmulator,
  type StripeEmulatorOptions,
} from '../../server/stripe-emulator';

export const WEBHOOK_SECRET = 'whsec_test_emulator_contract';

/** A webhook endpoint that verifies every delivery with the SDK and records the events it accepted. */
export class WebhookReceiver {
  readonly events: Stripe.Event[] = [];
  readonly rejected: string[] = [];
  /** Status to answer for the next deliveries (then 200). */
  failNext: number[] = [];
  private server!: Server;
  private waiting: Array<{ type: string; accept: (event: Stripe.Event) => void }> = [];
  url = '';

  constructor(
    private readonly verifier: Stripe,
    /** The secret deliveries must be signed with. */
    public secret = WEBHOOK_SECRET,
  ) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        const failure = this.failNext.shift();
        if (failure) {
          res.writeHead(failure).end();
          return;
        }
        try {
          const event = this.verifier.webhooks.constructEvent(
            body,
            String(req.headers['stripe-signature']),
            this.secret,
          );
          this.events.push(event);
          for (const waiter of this.waiting.filter(({ type }) => type === event.type)) {
            this.waiting.splice(this.waiting.indexOf(waiter), 1);
            waiter.accept(event);
          }
          res.writeHead(200).end('{}');
        } catch (error) {
          this.rejected.push(String(error));
          res.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/webhooks`;
  }

  /** The next event of this type to be delivered: a wait on Stripe's own signal, not on time. */
  next(type: string): Promise<Stripe.Event> {
    return new Promise((accept) => this.waiting.push({ type, accept }));
  }

  types(): string[] {
    return this.events.map((event) => event.type);
  }

  clear(): void {
    this.events.length = 0;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

export interface Harness {
  emulator: StripeEmulator;
  stripe: Stripe;
  webhooks: WebhookReceiver;
  stop(): Promise<void>;
}

export async function startHarness(options: StripeEmulatorOptions = {}): Promise<Harness> {
  const webhooks = new WebhookReceiver(new Stripe('sk_test_verifier'));
  await webhooks.start();
  const emulator = await startStripeEmulator({
    realTimeTickMs: 0,
    delivery: { retrySchedule: [10, 20, 40] },
    ...options,
    webhookEndpoints: [{ url: webhooks.url, secret: WEBHOOK_SECRET }, ...(options.webhookEndpoints ?? [])],
  });
  const stripe = new Stripe('sk_test_contract', { ...emulator.sdkOptions(), maxNetworkRetries: 0 });
  return {
    emulator,
    stripe,
    webhooks,
    async stop() {
      await emulator.stop();
      await webhooks.stop();
    },
  };
}

export async function monthlyPrice(
  stripe: Stripe,
  unitAmount = 2000,
  interval: 'month' | 'year' = 'month',
): Promise<Stripe.Price> {
  return stripe.prices.create({
    currency: 'usd',
    unit_amount: unitAmount,
    recurring: { interval },
    product_data: { name: `Plan ${unitAmount}` },
  });
}

/** A customer on a fresh test clock, without any payment method. */
export async function cardlessClockCustomer(stripe: Stripe, frozenTime = Date.UTC(2030, 0, 15, 12) / 1000) {
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: frozenTime });
  const customer = await stripe.customers.create({ email: 'clock@example.com', test_clock: clock.id });
  return { clock, customer };
}

/** A customer on a fresh test clock with a saved card as its default payment method. */
export async function clockCustomer(
  stripe: Stripe,
  card = 'pm_card_visa',
  frozenTime = Date.UTC(2030, 0, 15, 12) / 1000,
) {
  const { clock, customer } = await cardlessClockCustomer(stripe, frozenTime);
  const method = await stripe.paymentMethods.attach(card, { customer: customer.id });
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: method.id } });
  return { clock, customer, method };
}

export function sequenceIn(types: string[], expected: string[]): boolean {
  let position = 0;
  for (const type of types) if (type === expected[position]) position += 1;
  return position === expected.length;
}

/** The Stripe error a call is refused with (fails the test if it is not refused). */
export async function rejection(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  const error = await promise.catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(Stripe.errors.StripeError);
  return error as Stripe.errors.StripeError;
}

/** The types of the events delivered so far about one object, in order, once deliveries are idle. */
export async function deliveredTypesFor(harness: Harness, objectId: string): Promise<string[]> {
  await harness.emulator.webhooksIdle();
  return harness.webhooks.events
    .filter((event) => (event.data.object as { id?: string }).id === objectId)
    .map((event) => event.type);
}

/**
 * The events about one subscription, read back through the API (oldest first): those on the
 * subscription itself and on its invoices.
 */
export async function subscriptionEvents(stripe: Stripe, subscriptionId: string): Promise<Stripe.Event[]> {
  const found: Stripe.Event[] = [];
  for await (const event of stripe.events.list({ limit: 100 })) {
    const object = event.data.object as { id: string; parent?: Stripe.Invoice.Parent | null };
    if (object.id === subscriptionId || object.parent?.subscription_details?.subscription === subscriptionId)
      found.push(event);
  }
  return found.reverse();
}
