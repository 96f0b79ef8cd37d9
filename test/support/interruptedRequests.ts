import { failAt, type FaultPoint } from '../../server/faultPoints';
import type { BillingStack } from './billingStack';
import { startCrashingProcess, type CrashingProcess } from './crashingProcess';
import type { Caller, GraphQLResult } from './testApp';

export type Interruption = 'crash' | 'failure';

/** Every point paired with both ways of being stopped there, for `it.each`. */
export function interruptions(points: FaultPoint[]): Array<[Interruption, FaultPoint]> {
  return points.flatMap((point) =>
    (['crash', 'failure'] as const).map((how): [Interruption, FaultPoint] => [how, point]),
  );
}

/**
 * Stops a request at `point`: sent to a second server process that kills itself there (a crash, with
 * its connections and locks dropped by Postgres), or to the test's own app armed to fail there (an
 * error, as a lost connection would raise). Waits until Stripe's webhooks about what happened before
 * the stop are applied, so the retry meets whatever they changed. A crashed process left over is stopped
 * after each test.
 */
export function useInterruptedRequests(stack: BillingStack) {
  let crashing: CrashingProcess | undefined;
  afterEach(() => {
    crashing?.stop();
    crashing = undefined;
  });
  return async function interrupt(
    how: Interruption,
    point: FaultPoint,
    request: [string, Record<string, unknown>, Caller],
  ): Promise<void> {
    if (how === 'crash') {
      crashing = await startCrashingProcess({ stack, crashAt: point });
      expect(await crashing.send(...request)).toBe('no answer');
      expect(await crashing.exited).toBe('SIGKILL');
    } else {
      failAt(point);
      const failed: GraphQLResult = await stack.app.graphql(...request);
      expect(failed.errors?.[0]?.extensions.code).toBe('INTERNAL');
    }
    await stack.settle();
  };
}
