/**
 * Named points between the steps of a money mutation (before and after its Stripe call, before and
 * after its commit), where tests stop the work to prove that a retry never repeats an effect. Inert
 * unless a test arms one: in the test's own process a point fails (an error, as a lost connection
 * would) or holds (the work waits, alive, until released); in a process started with
 * `BILLING_CRASH_AT=<point>` it kills the process on the spot, as a crash would. Production never arms
 * them: the variable is ignored when NODE_ENV is production.
 */
export const FAULT_POINTS = [
  'refund.beforeStripeCall',
  'refund.afterStripeCall',
  'refund.beforeCommit',
  'refund.afterCommit',
  'adjustment.beforeCommit',
  'adjustment.afterCommit',
  'consumption.beforeCommit',
  'consumption.afterCommit',
  'autoTopUp.beforeStripeCall',
  'autoTopUp.afterStripeCall',
  'autoTopUp.beforeCommit',
  'autoTopUp.afterCommit',
  'planChange.beforeStripeCall',
  'planChange.afterStripeCall',
  'planChange.beforeCommit',
  'planChange.afterCommit',
  'checkout.beforeStripeCall',
  'checkout.afterStripeCall',
  'checkout.beforeCommit',
  'checkout.afterCommit',
  'cancellation.beforeStripeCall',
  'cancellation.afterStripeCall',
  'cancellation.afterRefunds',
  'cancellation.beforeCommit',
  'cancellation.afterCommit',
  'resumption.beforeStripeCall',
  'resumption.afterStripeCall',
  'resumption.beforeCommit',
  'resumption.afterCommit',
  'scheduledChange.beforeCommit',
  'scheduledChange.afterCommit',
  'trial.beforeCommit',
  'trial.afterCommit',
  'autoTopUpSettings.beforeCommit',
  'autoTopUpSettings.afterCommit',
  'idempotency.beforeCompletion',
  'planPublish.afterStripeCall',
  'planPublish.beforeCommit',
  'contract.beforeStripeCall',
  'contract.afterStripeCall',
  'testClock.afterStripeCall',
] as const;

export type FaultPoint = (typeof FAULT_POINTS)[number];

export class InjectedFault extends Error {
  constructor(readonly point: FaultPoint) {
    super(`Injected fault at ${point}`);
    this.name = 'InjectedFault';
  }
}

type Behaviour = { kind: 'fail' } | { kind: 'hold'; until: Promise<void>; reached: () => void };

const armed = new Map<FaultPoint, Behaviour>();

const crashAt =
  process.env.NODE_ENV === 'production'
    ? undefined
    : (process.env.BILLING_CRASH_AT as FaultPoint | undefined);

/** Marks a point between two steps of a money mutation. Does nothing unless a test armed it. */
export async function faultPoint(point: FaultPoint): Promise<void> {
  if (point === crashAt) {
    process.kill(process.pid, 'SIGKILL');
    await new Promise(() => undefined);
  }
  const behaviour = armed.get(point);
  if (!behaviour) return;
  armed.delete(point);
  if (behaviour.kind === 'fail') throw new InjectedFault(point);
  behaviour.reached();
  await behaviour.until;
}

/** Tests: the next time the work reaches `point`, it fails there. Returns a disarm function. */
export function failAt(point: FaultPoint): () => void {
  armed.set(point, { kind: 'fail' });
  return () => armed.delete(point);
}

/**
 * Tests: the next time the work reaches `point`, it waits there until `release` is called. `reached`
 * resolves once it is waiting.
 */
export function holdAt(point: FaultPoint): { reached: Promise<void>; release: () => void } {
  let release!: () => void;
  let reached!: () => void;
  const until = new Promise<void>((resolve) => (release = resolve));
  const whenReached = new Promise<void>((resolve) => (reached = resolve));
  armed.set(point, { kind: 'hold', until, reached });
  return { reached: whenReached, release };
}
