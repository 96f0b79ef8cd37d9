import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, type Database } from '../../server/db/knex';
import { submitCheckoutForm } from '../../server/stripe-emulator/testing';
import { withDatabase } from './connectionStrings';

/**
 * The real service process (`server/main.ts`, as `npm start` runs it) on a database the test made, on a
 * free port, with the environment a developer's machine would give it. Tests use it where what they
 * check is the process itself: how copies start together, what they share.
 */
const root = join(__dirname, '../..');

/** Every process started and not yet stopped, whether or not it came up, for `stopServiceProcesses`. */
const started = new Set<ChildProcess>();

export interface ServiceProcess {
  url: string;
  pid: number;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  signal(signal: NodeJS.Signals): void;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

/** How `npm start` runs the service: TypeScript through tsx. */
export const FROM_SOURCE = ['--import', 'tsx', 'server/main.ts'];

export function startServiceProcess({
  databaseUrl,
  directory,
  env = {},
  nodeArguments = FROM_SOURCE,
}: {
  databaseUrl: string;
  /** Where the process may write its files (emulator state, demo credentials). */
  directory: string;
  env?: Record<string, string>;
  nodeArguments?: string[];
}): Promise<ServiceProcess> {
  const unique = randomBytes(4).toString('hex');
  const child = spawn(process.execPath, nodeArguments, {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'development',
      DATABASE_URL: databaseUrl,
      PORT: '0',
      LOG_LEVEL: 'info',
      STRIPE_EMULATOR_PORT: '0',
      STRIPE_EMULATOR_STATE_FILE: join(directory, `stripe-${unique}.json`),
      DEMO_CREDENTIALS_FILE: join(directory, `demo-${unique}.json`),
      SESSION_SECRET: 'service-process-session-secret-0123456789',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      started.delete(child);
      resolve(code);
    }),
  );
  let output = '';
  return new Promise((resolve, reject) => {
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /Billing service:\s+(\S+)/.exec(output)?.[1];
      if (url)
        resolve({
          url,
          pid: child.pid!,
          exited,
          signal: (signal) => child.kill(signal),
          output: () => output,
          stop: () => stopProcess(child),
        });
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    child.once('exit', (code) => reject(new ServiceExitedError(code, output)));
  });
}

export class ServiceExitedError extends Error {
  constructor(
    readonly code: number | null,
    readonly output: string,
  ) {
    super(`the service exited with ${code} before serving:\n${output}`);
  }
}

/** Stops every process this module started, including any still starting; for `afterEach`. */
export async function stopServiceProcesses(): Promise<void> {
  await Promise.all([...started].map(stopProcess));
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** A GraphQL call to a service process as a browser makes it: the answer, and the cookie it set. */
export type ServiceGraphQL = (
  query: string,
  variables?: Record<string, unknown>,
  cookie?: string,
) => Promise<{ body: { data?: any; errors?: unknown[] }; cookie?: string }>;

/**
 * Signs in the demo account owner whose credentials the welcome printed, and buys the Pro plan through
 * Checkout on the emulator's hosted page. Resolves once Checkout redirected back; the subscription
 * arrives with the webhooks.
 */
export async function buyProAsDemoOwner(
  graphql: ServiceGraphQL,
  output: string,
): Promise<{ cookie: string; accountId: string; email: string }> {
  const email = /Account owner:\s+(\S+)/.exec(output)![1]!;
  const password = new RegExp(`${email} / (\\S+)`).exec(output)![1];
  const signIn = await graphql(
    'mutation($input: SignInInput!) { signIn(input: $input) { user { email } } }',
    { input: { email, password } },
  );
  expect(signIn.body.errors).toBeUndefined();
  const cookie = signIn.cookie!;
  const { body: viewer } = await graphql('{ viewer { memberships { account { id } } } }', {}, cookie);
  const accountId = viewer.data.viewer.memberships[0].account.id;
  const { body: catalog } = await graphql('{ plans { id key } }');
  const planId = catalog.data.plans.find((plan: { key: string }) => plan.key === 'pro_monthly').id;
  const { body: started } = await graphql(
    'mutation($input: StartSubscriptionCheckoutInput!) { startSubscriptionCheckout(input: $input) { url } }',
    { input: { accountId, planId } },
    cookie,
  );
  expect(started.errors).toBeUndefined();
  expect((await submitCheckoutForm(started.data.startSubscriptionCheckout.url)).status).toBe(303);
  return { cookie, accountId, email };
}

/**
 * A database of its own for a test file that starts service processes, and a folder for their files.
 * Both are removed, after every process has stopped, when the file's tests are done. Call it at the top
 * of the file, before the hooks that start the processes.
 */
export function useServiceDatabase(label: string): {
  readonly name: string;
  readonly url: string;
  readonly directory: string;
} {
  const maintenanceUrl = process.env.TEST_DATABASE_URL!;
  const name = `billing_${label}_${randomBytes(4).toString('hex')}`;
  let admin: Database | undefined;
  let directory: string | undefined;
  beforeAll(async () => {
    admin = createDatabase({ connectionString: maintenanceUrl, poolMax: 1 });
    directory = await mkdtemp(join(tmpdir(), `billing-${label}-`));
    await admin.raw(`create database ${name}`);
  });
  afterAll(async () => {
    await stopServiceProcesses();
    await admin?.raw(`drop database if exists ${name} with (force)`);
    await admin?.destroy();
    if (directory) await rm(directory, { recursive: true, force: true });
  });
  return {
    name,
    url: withDatabase(maintenanceUrl, name),
    get directory() {
      if (!directory) throw new Error('The folder exists only inside hooks and tests');
      return directory;
    },
  };
}
