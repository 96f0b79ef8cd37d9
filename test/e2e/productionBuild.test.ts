import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, type Database } from '../../server/db/knex';
import { withDatabase } from '../support/connectionStrings';
import { startServiceProcess, stopServiceProcesses, type ServiceProcess } from '../support/serviceProcess';

/**
 * `npm run build` then `npm run start:prod`: the compiled server under plain Node, with every
 * development dependency (and tsx) refused as `npm ci --omit=dev` would leave them out. It serves the
 * built web app and the API, and on SIGTERM it drains: a request in flight when the signal arrives is
 * answered and committed, a job in flight (a partner webhook delivery) finishes and is recorded, new
 * connections are refused, and the process exits 0.
 */
const maintenanceUrl = process.env.TEST_DATABASE_URL!;
const guard = join(__dirname, 'support/refuseDevDependencies.cjs');
let admin: Database;
let directory: string;
let databaseName: string;
let databaseUrl: string;
let service: ServiceProcess;

beforeAll(async () => {
  admin = createDatabase({ connectionString: maintenanceUrl, poolMax: 1 });
  directory = await mkdtemp(join(tmpdir(), 'billing-production-build-'));
  databaseName = `billing_build_${randomBytes(4).toString('hex')}`;
  await admin.raw(`create database ${databaseName}`);
  databaseUrl = withDatabase(maintenanceUrl, databaseName);
  service = await startServiceProcess({
    databaseUrl,
    directory,
    nodeArguments: ['--require', guard, 'build/app/server/main.js'],
    env: { SHUTDOWN_GRACE_SECONDS: '20' },
  });
}, 120_000);

afterAll(async () => {
  await stopServiceProcesses();
  await admin.raw(`drop database if exists ${databaseName} with (force)`);
  await admin.destroy();
  await rm(directory, { recursive: true, force: true });
});

/** `as`: a session cookie, or `Bearer <API key>`. */
async function graphql(query: string, variables = {}, as?: string) {
  const credentials: Record<string, string> = as?.startsWith('Bearer ')
    ? { authorization: as }
    : as
      ? { cookie: as }
      : {};
  const response = await fetch(`${service.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...credentials },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: response.status,
    body: (await response.json()) as { data?: any; errors?: Array<{ message: string }> },
    cookie: response.headers.get('set-cookie')?.split(';')[0],
  };
}

async function signIn(label: 'Platform admin' | 'Account owner'): Promise<string> {
  const [, email, password] = new RegExp(`${label}:\\s+(\\S+) / (\\S+)`).exec(service.output())!;
  const { body, cookie } = await graphql(
    'mutation($input: SignInInput!) { signIn(input: $input) { user { email } } }',
    { input: { email, password } },
  );
  expect(body.errors).toBeUndefined();
  return cookie!;
}

it('serves the built web app and the API from compiled code, loading no development dependency', async () => {
  const landing = await fetch(`${service.url}/`);
  expect(landing.status).toBe(200);
  expect(await landing.text()).toContain('Pay for what you use');
  expect(await (await fetch(`${service.url}/pricing`)).text()).toContain('Contact sales');
  expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
  const { body } = await graphql('{ plans { key } }');
  expect(body.data.plans.map((plan: { key: string }) => plan.key)).toContain('pro_monthly');
  expect(service.output()).not.toContain('the production build loaded');
});

it('on SIGTERM finishes the request and the job in flight, refuses new connections, and exits 0', async () => {
  const owner = await signIn('Account owner');
  const { body: viewer } = await graphql('{ viewer { memberships { account { id } } } }', {}, owner);
  const accountId = viewer.data.viewer.memberships[0].account.id as string;
  const { body: granted } = await graphql(
    `
      mutation ($input: AdjustCreditsInput!) {
        adjustCredits(input: $input) {
          ledgerEntry {
            amountMilliCredits
          }
        }
      }
    `,
    { input: { accountId, amountMilliCredits: 5000, reason: 'drain test', idempotencyKey: 'drain-grant' } },
    await signIn('Platform admin'),
  );
  expect(granted.errors).toBeUndefined();

  // A partner's endpoint that answers only when the test lets it: the delivery job is in flight.
  const partner = `Bearer ${/Partner API key:\s+(\S+)/.exec(service.output())![1]}`;
  const receiver = await holdingReceiver();
  const { body: endpoint } = await graphql(
    'mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { id } } }',
    { input: { url: receiver.url, eventTypes: ['account.created'] } },
    partner,
  );
  expect(endpoint.errors).toBeUndefined();
  const { body: upserted } = await graphql(
    'mutation($input: UpsertAccountInput!) { upsertAccount(input: $input) { account { id } } }',
    { input: { externalId: 'org_drain', name: 'Drain Ltd' } },
    partner,
  );
  expect(upserted.errors).toBeUndefined();
  await receiver.requested;

  // Hold the account's balance row, so that the consumption below is in flight when the signal comes.
  // Two connections: one holds the lock, the other watches the service wait for it.
  const database = createDatabase({ connectionString: databaseUrl, poolMax: 2 });
  const holder = await database.transaction();
  let consumption: ReturnType<typeof graphql> | undefined;
  try {
    await holder.raw('select 1 from credit_balances where account_id = ? for update', [accountId]);
    consumption = graphql(
      `
        mutation ($input: ConsumeCreditsInput!) {
          consumeCredits(input: $input) {
            balanceAfterMilliCredits
          }
        }
      `,
      { input: { accountId, amountMilliCredits: 2000, idempotencyKey: 'drain-consume' } },
      partner,
    );
    await waitUntilWaitingOnLock(database, databaseName);
    service.signal('SIGTERM');
    await waitFor(() => service.output().includes('shutting down: finishing in-flight work'));
    await expect(fetch(`${service.url}/readyz`)).rejects.toThrow();
  } finally {
    await holder.commit();
    receiver.answer();
  }
  const answered = await consumption!;
  expect(answered.status).toBe(200);
  expect(answered.body.errors).toBeUndefined();
  expect(answered.body.data.consumeCredits.balanceAfterMilliCredits).toBe(3000);
  expect(await service.exited).toBe(0);
  const [{ balance }] = await database('creditBalances').where({ accountId }).select('balance');
  // The job finished before the process exited: the delivery is recorded as made, not left to retry.
  const deliveries = await database('webhookDeliveries')
    .where({ endpointId: endpoint.data.createWebhookEndpoint.endpoint.id })
    .select('status', 'attemptCount', 'accountId');
  await database.destroy();
  await receiver.close();
  expect(balance).toBe(3000);
  // The delivery in flight (the new account's event) was made once; nothing is left to retry. (Events
  // raised just before the endpoint existed may be delivered to it too, when not yet fanned out.)
  expect(
    deliveries.filter(
      (delivery: { accountId: string }) => delivery.accountId === upserted.data.upsertAccount.account.id,
    ),
  ).toEqual([{ status: 'succeeded', attemptCount: 1, accountId: upserted.data.upsertAccount.account.id }]);
  expect(deliveries.every((delivery: { status: string }) => delivery.status === 'succeeded')).toBe(true);
});

/** An endpoint that records the first delivery's arrival and answers it 200 only when told to. */
async function holdingReceiver() {
  let arrived!: () => void;
  const requested = new Promise<void>((resolve) => (arrived = resolve));
  let answer!: () => void;
  const answered = new Promise<void>((resolve) => (answer = resolve));
  const server = createServer((request, response) => {
    request.resume();
    arrived();
    void answered.then(() => response.writeHead(200).end('ok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    requested,
    answer,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Resolves once a query of the service's waits on a lock (the consumption reached the held row). */
async function waitUntilWaitingOnLock(database: Database, name: string): Promise<void> {
  await waitFor(async () => {
    const { rows } = await database.raw<{ rows: unknown[] }>(
      `select 1 from pg_stat_activity where datname = ? and wait_event_type = 'Lock'`,
      [name],
    );
    return rows.length > 0;
  });
}

async function waitFor(condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('timed out waiting');
}
