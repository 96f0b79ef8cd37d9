import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { now } from '../../server/clock';
import type { FaultPoint } from '../../server/faultPoints';
import type { BillingStack } from './billingStack';
import { CRASHING_APP_BUNDLE } from './crashingAppBundle';
import type { Caller, GraphQLResult } from './testApp';

export interface CrashingProcess {
  /** Sends a GraphQL request to the process: its answer, or 'no answer' when the connection dropped. */
  send(
    query: string,
    variables: Record<string, unknown>,
    caller: Caller,
  ): Promise<GraphQLResult | 'no answer'>;
  /**
   * Resolves with the signal that ended the process (SIGKILL when it crashed at the point), once Postgres
   * has ended the process's sessions too, so its locks are released before a retry arrives.
   */
  exited: Promise<NodeJS.Signals | null>;
  stop(): void;
}

let started = 0;

interface AppProcess {
  url: string;
  child: ChildProcess;
  applicationName: string;
  /** The signal that ended the process, once it has exited. */
  ended: Promise<NodeJS.Signals | null>;
}

/** Spawns crashingApp.ts on the stack's database and emulator and waits until it listens. */
async function spawnAppProcess(stack: BillingStack, env: Record<string, string>): Promise<AppProcess> {
  const applicationName = `billing-process-${process.pid}-${++started}`;
  // Node itself, so the process that dies is the one doing the work: on the run's bundle of
  // crashingApp.ts (crashingAppBundle.ts), or on its source through tsx when a file runs without it.
  const bundle = process.env[CRASHING_APP_BUNDLE];
  const entry = bundle ? [bundle] : ['--import', 'tsx', join(__dirname, 'crashingApp.ts')];
  const child = spawn(process.execPath, entry, {
    cwd: join(__dirname, '../..'),
    env: {
      ...process.env,
      DATABASE_URL: stack.connectionString,
      STRIPE_EMULATOR_PORT: String(stack.emulator.sdkOptions().port),
      PUBLIC_URL: stack.app.url,
      BILLING_APPLICATION_NAME: applicationName,
      CLOCK_AT: now().toISOString(),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const processExited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, signal) => resolve(signal)),
  );
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /ready (\S+)/.exec(output);
      if (ready) resolve(ready[1]!);
    });
    void processExited.then(() => reject(new Error(`The process ended before it was ready: ${output}`)));
  });
  return { url, child, applicationName, ended: processExited };
}

/**
 * Starts a second server process on the stack's database and Stripe emulator that kills itself when its
 * work reaches `crashAt`: a real crash, with its connections, transactions and locks dropped by
 * Postgres, not an error the code could catch.
 */
export async function startCrashingProcess({
  stack,
  crashAt,
}: {
  stack: BillingStack;
  crashAt: FaultPoint;
}): Promise<CrashingProcess> {
  const { url, child, applicationName, ended } = await spawnAppProcess(stack, { BILLING_CRASH_AT: crashAt });
  return {
    exited: ended.then(async (signal) => {
      await sessionsEnded(stack, applicationName);
      return signal;
    }),
    send: (query, variables, caller) => sendGraphQL(url, query, variables, caller),
    stop: () => child.kill('SIGTERM'),
  };
}

export interface SecondProcess {
  url: string;
  send(
    query: string,
    variables: Record<string, unknown>,
    caller: Caller,
  ): Promise<GraphQLResult | 'no answer'>;
  /** Sets the process's clock to the test's `now()`, as two servers share the wall clock. */
  followClock(): Promise<void>;
  /** Stops the process and waits until it has exited (the test database may be gone already). */
  stop(): Promise<void>;
}

/**
 * Another copy of the service in its own Node process, on the same database and emulator, receiving
 * Stripe's webhooks with `webhookSecret`: what two servers behind a load balancer are, with nothing
 * (module state, caches, connection pools) shared in memory.
 */
export async function startSecondProcess({
  stack,
  webhookSecret,
}: {
  stack: BillingStack;
  webhookSecret: string;
}): Promise<SecondProcess> {
  // One connection, the least an operator may configure: work that asks for a second connection while
  // its transaction holds the first (and every other delivery waits on that transaction's locks) hangs
  // here at once, instead of only when a burst of deliveries happens to fill a larger pool.
  const { url, child, ended } = await spawnAppProcess(stack, {
    STRIPE_WEBHOOK_SECRET: webhookSecret,
    BILLING_POOL_MAX: '1',
  });
  return {
    url,
    send: (query, variables, caller) => sendGraphQL(url, query, variables, caller),
    followClock: () =>
      new Promise<void>((resolve, reject) => {
        const clockAt = now().toISOString();
        const timer = setTimeout(() => {
          child.off('message', heard);
          reject(new Error(`The second process did not follow the clock to ${clockAt} within 10 s`));
        }, 10_000);
        const heard = (message: { clockSet?: string }) => {
          if (message.clockSet !== clockAt) return;
          clearTimeout(timer);
          child.off('message', heard);
          resolve();
        };
        child.on('message', heard);
        child.send({ clockAt });
      }),
    async stop() {
      child.kill('SIGTERM');
      await ended;
    },
  };
}

async function sendGraphQL(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  caller: Caller,
): Promise<GraphQLResult | 'no answer'> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (caller.cookie) headers.cookie = caller.cookie;
  if (caller.apiKey) headers.authorization = `Bearer ${caller.apiKey}`;
  try {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as Pick<GraphQLResult, 'data' | 'errors'>;
    return { status: response.status, ...body, headers: response.headers };
  } catch {
    return 'no answer';
  }
}

/**
 * A killed process's sockets are closed by the kernel at once, but each of its Postgres backends ends
 * (rolling back its transaction and releasing its locks) only when it next reads from the socket. Until
 * then a retry would find the dead request's claim still locked, as a live one's is.
 */
async function sessionsEnded(stack: BillingStack, applicationName: string): Promise<void> {
  for (;;) {
    const { rows } = await stack.knex.raw<{ rows: unknown[] }>(
      'select 1 from pg_stat_activity where application_name = ? limit 1',
      [applicationName],
    );
    if (rows.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
