import fc from 'fast-check';
import type Stripe from 'stripe';
import type { BillingStack } from './billingStack';

/**
 * Stripe promises at least once, in any order, possibly concurrently, to any copy of the service. This
 * harness takes the events a real flow made the emulator emit and delivers them in orders fast-check
 * chooses (with duplicates, some at the same moment, spread over the app's instances), and checks that
 * the books come out as they do when every event arrives once, in order.
 */

/** The id of the newest event the emulator has emitted so far: a mark to capture what follows. */
export async function newestEventId(stripe: Stripe): Promise<string | null> {
  return (await stripe.events.list({ limit: 1 })).data[0]?.id ?? null;
}

/** Every event the emulator emitted after the mark, oldest first: the flow's real event sequence. */
export async function eventsAfter(stripe: Stripe, mark: string | null): Promise<Stripe.Event[]> {
  const events: Stripe.Event[] = [];
  for await (const event of stripe.events.list({ limit: 100 })) {
    if (event.id === mark) break;
    events.push(event);
  }
  return events.reverse();
}

/**
 * How many delivery plans a property tries: `base`, what a run of the whole suite affords on a loaded
 * two-core machine, times PERMUTATION_RUNS_FACTOR (1 unless set) for a deeper search. fast-check seeds
 * every run afresh, so each run of the suite tries plans the previous ones did not.
 */
export function permutationRuns(base: number): number {
  const factor = Number(process.env.PERMUTATION_RUNS_FACTOR ?? 1);
  if (!(factor > 0)) throw new Error(`PERMUTATION_RUNS_FACTOR must be a positive number, not ${factor}`);
  return Math.max(1, Math.round(base * factor));
}

/** How long a delivery waits for an answer before it counts as failed, as Stripe's own delivery does. */
const DELIVERY_TIMEOUT_MS = 15_000;

/**
 * Signs an event as Stripe would and posts it to one instance's webhook route; the HTTP status, or 0
 * when no answer came in time or the connection dropped (Stripe then delivers it again, and so do we).
 */
export async function deliverEvent(stack: BillingStack, event: Stripe.Event, instance = 0): Promise<number> {
  const payload = JSON.stringify(event);
  try {
    const response = await fetch(`${stack.apps[instance]!.url}/webhooks/stripe`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'stripe-signature': stack.stripe.webhooks.generateTestHeaderString({
          payload,
          secret: stack.webhookSecret,
        }),
      },
      body: payload,
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    await response.arrayBuffer();
    return response.status;
  } catch (error) {
    // Said aloud: a delivery that went unanswered is worth knowing about even when its retry succeeds.
    console.warn(
      `Delivery of ${event.type} ${event.id} to instance ${instance} got no answer: ${String(error)}`,
    );
    return 0;
  }
}

/** One delivery of event number `event` to instance `instance`; `withPrevious` sends it at the same moment as the one before. */
export interface PlannedDelivery {
  event: number;
  instance: number;
  withPrevious: boolean;
}

/** Orders of delivery for `eventCount` events: every event at least once, some twice or more. */
export function deliveryPlans({
  eventCount,
  instances = 1,
  maxDuplicates = eventCount,
}: {
  eventCount: number;
  instances?: number;
  maxDuplicates?: number;
}): fc.Arbitrary<PlannedDelivery[]> {
  if (eventCount === 0) return fc.constant([]);
  const indices = Array.from({ length: eventCount }, (_, index) => index);
  const maxLength = eventCount + maxDuplicates;
  return fc
    .record({
      order: fc.shuffledSubarray(indices, { minLength: eventCount, maxLength: eventCount }),
      duplicates: fc.array(fc.record({ event: fc.nat(eventCount - 1), at: fc.nat(eventCount) }), {
        maxLength: maxDuplicates,
      }),
      instances: fc.array(fc.nat(instances - 1), { minLength: maxLength, maxLength }),
      together: fc.array(fc.boolean(), { minLength: maxLength, maxLength }),
    })
    .map(({ order, duplicates, instances: chosen, together }) => {
      const sequence = [...order];
      for (const duplicate of duplicates) sequence.splice(duplicate.at, 0, duplicate.event);
      return sequence.map((event, index) => ({
        event,
        instance: chosen[index]!,
        withPrevious: index > 0 && together[index]!,
      }));
    });
}

/**
 * Delivers events by plan. Deliveries marked `withPrevious` go out concurrently with the one before; one
 * answered with an error is delivered again after the others, as Stripe retries (at most `retries` times).
 */
export async function deliverByPlan({
  stack,
  events,
  plan,
  retries = 5,
}: {
  stack: BillingStack;
  events: Stripe.Event[];
  plan: PlannedDelivery[];
  retries?: number;
}): Promise<void> {
  await stack.followClock();
  const rounds: PlannedDelivery[][] = [];
  for (const delivery of plan) {
    if (delivery.withPrevious && rounds.length > 0) rounds.at(-1)!.push(delivery);
    else rounds.push([delivery]);
  }
  let failed: PlannedDelivery[] = [];
  for (const round of rounds) {
    const statuses = await Promise.all(
      round.map((delivery) => deliverEvent(stack, events[delivery.event]!, delivery.instance)),
    );
    failed.push(...round.filter((_, index) => statuses[index] !== 200));
  }
  for (let attempt = 0; attempt < retries && failed.length > 0; attempt += 1) {
    const again = failed;
    failed = [];
    for (const delivery of again)
      if ((await deliverEvent(stack, events[delivery.event]!, delivery.instance)) !== 200)
        failed.push(delivery);
  }
  if (failed.length > 0)
    throw new Error(
      `Still failing after ${retries} retries: ${failed.map((delivery) => events[delivery.event]!.type).join(', ')}`,
    );
}

/** A flow run afresh in Stripe: the events it emitted, and a way to read our books for it afterwards. */
export interface RecordedFlow<Books> {
  events: Stripe.Event[];
  books(): Promise<Books>;
}

/**
 * How a flow has events delivered before it goes on. `inOrder` is for setup the flow cannot continue
 * without (the subscription an upgrade changes must be ours before `changePlan`): each event once, in
 * order. `byPlan` is for a stage of the step under test that must reach us before Stripe goes on (a
 * renewal's draft invoice, which we add overage to before Stripe finalizes it an hour later): delivered
 * by the trial's plan, as the events the flow returns are.
 */
export interface Delivery {
  inOrder(events: Stripe.Event[]): Promise<void>;
  byPlan(events: Stripe.Event[]): Promise<void>;
}

const inOrderPlan = (events: Stripe.Event[]): PlannedDelivery[] =>
  events.map((_, event) => ({ event, instance: 0, withPrevious: false }));

/**
 * The property: for a flow (run afresh for every trial, since its events can be applied only once), the
 * books after any delivery plan equal the books after in-order delivery. Every stage a flow delivers
 * `byPlan`, and the events it returns, get a plan of their own over all the stack's instances. `runs`
 * and `timeoutMs` (per trial) are explicit; a failure reports the plans and stops (shrinking would rerun
 * the whole flow).
 */
export async function assertOrderIndependent<Books>({
  stack,
  flow,
  instances = stack.apps.length,
  runs,
  timeoutMs,
  seed,
}: {
  stack: BillingStack;
  flow: (delivery: Delivery) => Promise<RecordedFlow<Books>>;
  instances?: number;
  runs: number;
  timeoutMs: number;
  seed?: number;
}): Promise<{ inOrder: Books; eventTypes: string[]; stages: string[][] }> {
  const stages: string[][] = [];
  const typesOf = (events: Stripe.Event[]) => events.map((event) => event.type);
  const deliverInOrder = (events: Stripe.Event[]) =>
    deliverByPlan({ stack, events, plan: inOrderPlan(events) });
  const reference = await flow({
    inOrder: deliverInOrder,
    byPlan: async (events) => {
      stages.push(typesOf(events));
      await deliverInOrder(events);
    },
  });
  stages.push(typesOf(reference.events));
  await deliverInOrder(reference.events);
  const inOrder = await reference.books();

  const plans = fc.tuple(...stages.map((types) => deliveryPlans({ eventCount: types.length, instances })));
  await fc.assert(
    fc.asyncProperty(plans, async (stagePlans) => {
      let stage = 0;
      const deliverStage = async (events: Stripe.Event[]) => {
        expect(typesOf(events)).toEqual(stages[stage]);
        await deliverByPlan({ stack, events, plan: stagePlans[stage]! });
        stage += 1;
      };
      const trial = await flow({ inOrder: deliverInOrder, byPlan: deliverStage });
      await deliverStage(trial.events);
      expect(await trial.books()).toEqual(inOrder);
    }),
    { numRuns: runs, timeout: timeoutMs, endOnFailure: true, ...(seed !== undefined && { seed }) },
  );
  return { inOrder, eventTypes: stages.flat(), stages };
}
