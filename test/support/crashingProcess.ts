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
  /** Resolves with the signal that ended the process (SIGKILL when it crashed at the point). */
  exited: Promise<NodeJS.Signals | null>;
  stop(): void;
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
  // Node itself with tsx's loader, so the process that dies is the one doing the work.
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'crashingApp.ts')], {
    cwd: join(__dirname, '../..'),
    env: {
      ...process.env,
      DATABASE_URL: stack.connectionString,
      STRIPE_EMULATOR_PORT: String(stack.emulator.sdkOptions().port),
      PUBLIC_URL: stack.app.url,
      BILLING_CRASH_AT: crashAt,
      CLOCK_AT: now().toISOString(),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, signal) => resolve(signal)),
  );
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /ready (\S+)/.exec(output);
      if (ready) resolve(ready[1]!);
    });
    void exited.then(() => reject(new Error(`The process ended before it was ready: ${output}`)));
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
