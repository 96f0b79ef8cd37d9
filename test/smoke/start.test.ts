import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buyProAsDemoOwner } from '../support/serviceProcess';

/**
 * `npm start` on a machine with nothing configured: the real process, its embedded Postgres and its
 * Stripe emulator, all on free ports under a throwaway folder. A visitor sees the catalog, the demo
 * owner signs in, opens Checkout, pays with the test card, and the account becomes subscribed.
 */
const root = join(__dirname, '../..');
let directory: string;
let service: ChildProcess;
let output = '';

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'billing-start-'));
  // Run as root, Postgres runs as its own system user, which must be able to enter this folder.
  await chmod(directory, 0o755);
  // As `npm start` runs it: one Node process, which gets the signals itself.
  service = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'development',
      PORT: '0',
      // Info, for the line that says a Stripe event was handled: what the checkout below waits for.
      LOG_LEVEL: 'info',
      STRIPE_EMULATOR_PORT: '0',
      EMBEDDED_POSTGRES_DIR: join(directory, 'postgres'),
      STRIPE_EMULATOR_STATE_FILE: join(directory, 'stripe-emulator.json'),
      DEMO_CREDENTIALS_FILE: join(directory, 'demo-credentials.json'),
      SESSION_SECRET: 'smoke-test-session-secret-0123456789abcdef',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  service.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  service.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await printed(/Account owner:/);
}, 90_000);

afterAll(async () => {
  if (service.exitCode === null) {
    const exited = new Promise((resolve) => service.once('exit', resolve));
    service.kill('SIGTERM');
    await exited;
  }
  // Postgres may still be writing its last WAL as it stops after the service: retry until it is done.
  await rm(directory, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
});

/** Resolves when the service has printed what `pattern` matches, and fails at once if it exits first. */
function printed(pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!pattern.test(output)) return;
      stopListening();
      resolve();
    };
    const exited = () => {
      stopListening();
      reject(new Error(`the service exited early:\n${output}`));
    };
    const stopListening = () => {
      service.stdout!.off('data', check);
      service.stderr!.off('data', check);
      service.off('exit', exited);
    };
    // Registered after the listeners that collect the output, so `output` already holds each chunk.
    service.stdout!.on('data', check);
    service.stderr!.on('data', check);
    service.once('exit', exited);
    check();
  });
}

const shown = (label: string) => new RegExp(`${label}:\\s+(\\S+)`).exec(output)?.[1] ?? '';

async function graphql(query: string, variables: Record<string, unknown> = {}, cookie?: string) {
  const response = await fetch(`${shown('Billing service')}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return {
    body: (await response.json()) as { data?: any; errors?: unknown[] },
    cookie: response.headers.get('set-cookie')?.split(';')[0],
  };
}

describe('npm start with nothing configured', () => {
  it('is ready and serves the seeded catalog', async () => {
    expect((await fetch(`${shown('Billing service')}/readyz`)).status).toBe(200);
    const { body } = await graphql('{ plans { key } }');
    expect(body.data.plans).toHaveLength(8);
    expect(output).toMatch(/Stripe:\s+emulated at http:\/\/127\.0\.0\.1:\d+/);
  });

  it('serves the web app without a build step: the landing and pricing pages', async () => {
    const landing = await fetch(`${shown('Billing service')}/`);
    expect(landing.status).toBe(200);
    expect(await landing.text()).toContain('Pay for what you use');
    const pricing = await (await fetch(`${shown('Billing service')}/pricing`)).text();
    expect(pricing).toContain('Contact sales');
  });

  it('takes the demo owner from Checkout to a subscribed account through the emulator', async () => {
    const { cookie, accountId } = await buyProAsDemoOwner(graphql, output);
    await printed(/"type":"checkout\.session\.completed"[^\n]*"msg":"Stripe event"/);
    const { body } = await graphql(
      'query($id: ID) { account(id: $id) { subscription { plan { key } } } }',
      { id: accountId },
      cookie,
    );
    expect(body.data.account.subscription.plan.key).toBe('pro_monthly');
  });

  it('drains and exits 0 on SIGTERM, as a process manager expects', async () => {
    const exited = new Promise<number | null>((resolve) => service.once('exit', resolve));
    service.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('"msg":"stopped"');
  });
});
