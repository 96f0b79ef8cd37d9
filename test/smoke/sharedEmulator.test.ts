import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, type Database } from '../../server/db/knex';
import { startStripeEmulator, type StripeEmulator } from '../../server/stripe-emulator';
import { submitCheckoutForm } from '../../server/stripe-emulator/testing';
import { withDatabase } from '../support/connectionStrings';
import {
  ServiceExitedError,
  startServiceProcess,
  stopServiceProcesses,
  type ServiceProcess,
} from '../support/serviceProcess';

/**
 * Two copies of the service in development, on one database, pointed with STRIPE_EMULATOR_URL at one
 * running emulator (as `npm run stripe-emulator` runs it, forwarding its webhooks to one of them): a
 * subscription bought through one copy is known to the other, which can show its next invoice and
 * cancel it.
 */
const maintenanceUrl = process.env.TEST_DATABASE_URL!;
const webhookSecret = `whsec_${randomBytes(16).toString('hex')}`;
let admin: Database;
let directory: string;
let databaseName: string;
let emulator: StripeEmulator;
let first: ServiceProcess;
let second: ServiceProcess;

beforeAll(async () => {
  admin = createDatabase({ connectionString: maintenanceUrl, poolMax: 1 });
  directory = await mkdtemp(join(tmpdir(), 'billing-shared-emulator-'));
  databaseName = `billing_shared_${randomBytes(4).toString('hex')}`;
  await admin.raw(`create database ${databaseName}`);
  emulator = await startStripeEmulator({ host: '127.0.0.1', port: 0 });
  const databaseUrl = withDatabase(maintenanceUrl, databaseName);
  const shared = { STRIPE_EMULATOR_URL: emulator.url, STRIPE_WEBHOOK_SECRET: webhookSecret };
  first = await startServiceProcess({ databaseUrl, directory, env: shared });
  second = await startServiceProcess({ databaseUrl, directory, env: shared });
  // What STRIPE_EMULATOR_WEBHOOK_URL does for `npm run stripe-emulator`: deliver to one copy.
  emulator.addWebhookEndpoint({ url: `${first.url}/webhooks/stripe`, secret: webhookSecret });
}, 120_000);

afterAll(async () => {
  await stopServiceProcesses();
  await emulator?.stop();
  await admin.raw(`drop database if exists ${databaseName} with (force)`);
  await admin.destroy();
  await rm(directory, { recursive: true, force: true });
});

async function graphql(service: ServiceProcess, query: string, variables = {}, cookie?: string) {
  const response = await fetch(`${service.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return {
    body: (await response.json()) as { data?: any; errors?: Array<{ message: string }> },
    cookie: response.headers.get('set-cookie')?.split(';')[0],
  };
}

async function signInDemoOwner(service: ServiceProcess): Promise<string> {
  const output = first.output() + second.output();
  const email = /Account owner:\s+(\S+)/.exec(output)![1]!;
  const password = new RegExp(`${email} / (\\S+)`).exec(output)![1];
  const { body, cookie } = await graphql(
    service,
    'mutation($input: SignInInput!) { signIn(input: $input) { user { email } } }',
    { input: { email, password } },
  );
  expect(body.errors).toBeUndefined();
  return cookie!;
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    const value = await read();
    if (done(value) || attempt === 100) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

it('both copies use the shared emulator instead of starting their own', () => {
  for (const copy of [first, second]) {
    expect(copy.output()).toContain('using the shared Stripe emulator at STRIPE_EMULATOR_URL');
    expect(copy.output()).not.toContain('using the built-in Stripe emulator');
    // Its hosted pages, where customers are sent, at the address it gives as public.
    expect(copy.output()).toContain(`Stripe:          emulated at ${emulator.url}`);
  }
});

it('a subscription bought through one copy is shown and canceled through the other', async () => {
  const buyer = await signInDemoOwner(first);
  const { body: viewer } = await graphql(first, '{ viewer { memberships { account { id } } } }', {}, buyer);
  const accountId = viewer.data.viewer.memberships[0].account.id;
  const { body: catalog } = await graphql(first, '{ plans { id key } }');
  const planId = catalog.data.plans.find((plan: { key: string }) => plan.key === 'pro_monthly').id;
  const { body: started } = await graphql(
    first,
    'mutation($input: StartSubscriptionCheckoutInput!) { startSubscriptionCheckout(input: $input) { url } }',
    { input: { accountId, planId } },
    buyer,
  );
  expect(started.errors).toBeUndefined();
  expect((await submitCheckoutForm(started.data.startSubscriptionCheckout.url)).status).toBe(303);

  const canceler = await signInDemoOwner(second);
  const ACCOUNT = `query($id: ID) { account(id: $id) {
    subscription { plan { key } cancelAtPeriodEnd }
    upcomingInvoice { total { amount currency } }
  } }`;
  const subscribed = await eventually(
    () => graphql(second, ACCOUNT, { id: accountId }, canceler),
    ({ body }) => body.data?.account.subscription?.plan.key === 'pro_monthly',
  );
  expect(subscribed.body.errors).toBeUndefined();
  expect(subscribed.body.data.account.subscription.plan.key).toBe('pro_monthly');
  expect(subscribed.body.data.account.upcomingInvoice.total.amount).toBeGreaterThan(0);

  const { body: canceled } = await graphql(
    second,
    'mutation($input: CancelSubscriptionInput!) { cancelSubscription(input: $input) { subscription { cancelAtPeriodEnd } } }',
    { input: { accountId } },
    canceler,
  );
  expect(canceled.errors).toBeUndefined();
  expect(canceled.data.cancelSubscription.subscription.cancelAtPeriodEnd).toBe(true);
  const { body: after } = await graphql(first, ACCOUNT, { id: accountId }, buyer);
  expect(after.data.account.subscription.cancelAtPeriodEnd).toBe(true);
  expect(after.data.account.upcomingInvoice).toBeNull();
}, 60_000);

it('a copy pointed at an emulator that is not running stops at once and says how to start it', async () => {
  const unreachable = await startServiceProcess({
    databaseUrl: withDatabase(maintenanceUrl, databaseName),
    directory,
    env: { STRIPE_EMULATOR_URL: 'http://127.0.0.1:9', STRIPE_WEBHOOK_SECRET: webhookSecret },
  }).catch((error: unknown) => error);
  expect(unreachable).toBeInstanceOf(ServiceExitedError);
  expect((unreachable as ServiceExitedError).code).not.toBe(0);
  expect((unreachable as ServiceExitedError).output).toContain(
    'STRIPE_EMULATOR_URL=http://127.0.0.1:9 does not answer /_emulator/health: start it first with `npm run stripe-emulator`',
  );
}, 60_000);
