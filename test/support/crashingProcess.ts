import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { now } from '../../server/clock';
import type { FaultPoint } from '../../server/faultPoints';
import type { BillingStack } from './billingStack';
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
  const applicationName = `billing-crashing-${process.pid}-${++started}`;
  // Node itself with tsx's loader, so the process that dies is the one doing the work.
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'crashingApp.ts')], {
    cwd: join(__dirname, '../..'),
    env: {
      ...process.env,
      DATABASE_URL: stack.connectionString,
      STRIPE_EMULATOR_PORT: String(stack.emulator.sdkOptions().port),
      PUBLIC_URL: stack.app.url,
      BILLING_CRASH_AT: crashAt,
      BILLING_APPLICATION_NAME: applicationName,
      CLOCK_AT: now().toISOString(),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const processExited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, signal) => resolve(signal)),
  );
  const exited = processExited.then(async (signal) => {
    await sessionsEnded(stack, applicationName);
    return signal;
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /ready (\S+)/.exec(output);
      if (ready) resolve(ready[1]!);
    });
    void processExited.then(() => reject(new Error(`The process ended before it was ready: ${output}`)));
  });
  return {
    exited,
    async send(query, variables, caller) {
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
    },
    stop: () => child.kill('SIGTERM'),
  };
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
