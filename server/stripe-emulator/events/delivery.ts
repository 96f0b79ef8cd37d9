import type Stripe from 'stripe';
import type { DeliveryOptions, Logger, WebhookEndpointConfig } from '../options';
import type { EventSink } from './bus';
import { seededRandom, shuffleInPlace } from './random';
import { signPayload } from './signature';

/** Where events go: endpoints created through the API plus those configured on the emulator. */
export interface DeliveryTarget extends WebhookEndpointConfig {
  id: string;
}

interface Delivery {
  target: DeliveryTarget;
  event: Stripe.Event;
  /** Attempts made so far. */
  attempts: number;
}

/** Stripe retries for up to three days; a long-running emulator backs off over about two hours. */
const DEFAULT_RETRY_SCHEDULE = [5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000];

/**
 * Delivers events to webhook endpoints with Stripe's guarantees and none of its promises: at least
 * once, signed, retried with backoff on a non-2xx answer or a network error, a bounded number of times.
 * Each endpoint receives one delivery at a time, in creation order unless `shuffle` is on; a delivery
 * that fails goes to the back of the line when its retry is due, so it never blocks later events.
 */
export class WebhookDispatcher implements EventSink {
  private readonly retrySchedule: number[];
  private readonly duplicateProbability: number;
  private readonly shuffle: boolean;
  private readonly timeoutMs: number;
  private readonly random: () => number;
  /** Deliveries created in the current burst (one API call or one clock step), flushed together. */
  private burst: Delivery[] = [];
  private flushScheduled = false;
  private readonly queues = new Map<string, Delivery[]>();
  private readonly busy = new Set<string>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<AbortController>();
  private idleWaiters: Array<() => void> = [];
  private stopped = false;

  constructor(
    private readonly targets: () => DeliveryTarget[],
    options: DeliveryOptions,
    private readonly logger: Logger,
  ) {
    this.retrySchedule = options.retrySchedule ?? DEFAULT_RETRY_SCHEDULE;
    this.duplicateProbability = options.duplicateProbability ?? 0;
    this.shuffle = options.shuffle ?? false;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.random = seededRandom(options.seed ?? Date.now());
  }

  enqueue(event: Stripe.Event): number {
    if (this.stopped) return 0;
    const targets = this.targets().filter((target) => wants(target, event.type));
    for (const target of targets) {
      this.burst.push({ target, event, attempts: 0 });
      if (this.duplicateProbability > 0 && this.random() < this.duplicateProbability) {
        this.burst.push({ target, event, attempts: 0 });
      }
    }
    if (this.burst.length > 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      // Deliver after the API response that caused the events, as Stripe does.
      setImmediate(() => this.flush());
    }
    return targets.length;
  }

  /** Resolves when nothing is queued, sending or waiting for a retry. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    for (const controller of this.inFlight) controller.abort();
    this.queues.clear();
    this.burst = [];
    this.notifyIfIdle(true);
  }

  private isIdle(): boolean {
    return (
      this.burst.length === 0 &&
      !this.flushScheduled &&
      this.busy.size === 0 &&
      this.retryTimers.size === 0 &&
      [...this.queues.values()].every((queue) => queue.length === 0)
    );
  }

  private notifyIfIdle(force = false): void {
    if (!force && !this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private flush(): void {
    this.flushScheduled = false;
    const burst = this.burst;
    this.burst = [];
    if (this.shuffle) shuffleInPlace(burst, this.random);
    for (const delivery of burst) this.queueFor(delivery.target.id).push(delivery);
    for (const targetId of this.queues.keys()) void this.pump(targetId);
    this.notifyIfIdle();
  }

  private queueFor(targetId: string): Delivery[] {
    let queue = this.queues.get(targetId);
    if (!queue) {
      queue = [];
      this.queues.set(targetId, queue);
    }
    return queue;
  }

  private async pump(targetId: string): Promise<void> {
    if (this.busy.has(targetId)) return;
    this.busy.add(targetId);
    try {
      const queue = this.queueFor(targetId);
      let next = queue.shift();
      while (next && !this.stopped) {
        await this.attempt(next);
        next = queue.shift();
      }
    } finally {
      this.busy.delete(targetId);
      this.notifyIfIdle();
    }
  }

  private async attempt(delivery: Delivery): Promise<void> {
    delivery.attempts += 1;
    const payload = JSON.stringify(delivery.event, null, 2);
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(), this.timeoutMs);
    timeout.unref();
    this.inFlight.add(controller);
    let failure: string | undefined;
    try {
      const response = await fetch(delivery.target.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json; charset=utf-8',
          'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          'Stripe-Signature': signPayload(payload, delivery.target.secret),
        },
        body: payload,
        signal: controller.signal,
      });
      // Drain the body so the connection can be reused; its content does not matter.
      await response.arrayBuffer().catch(() => undefined);
      if (response.status < 200 || response.status >= 300) failure = `HTTP ${response.status}`;
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    } finally {
      clearTimeout(timeout);
      this.inFlight.delete(controller);
    }
    if (failure === undefined) {
      delivery.event.pending_webhooks = Math.max(0, delivery.event.pending_webhooks - 1);
      return;
    }
    if (this.stopped) return;
    const delay = this.retrySchedule[delivery.attempts - 1];
    if (delay === undefined) {
      this.logger.warn(
        {
          event: delivery.event.id,
          type: delivery.event.type,
          url: delivery.target.url,
          attempts: delivery.attempts,
          failure,
        },
        'stripe emulator: giving up on webhook delivery',
      );
      return;
    }
    this.logger.info(
      { event: delivery.event.id, url: delivery.target.url, failure, retryInMs: delay },
      'stripe emulator: webhook delivery failed; will retry',
    );
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      this.queueFor(delivery.target.id).push(delivery);
      void this.pump(delivery.target.id);
    }, delay);
    timer.unref();
    this.retryTimers.add(timer);
  }
}

function wants(target: DeliveryTarget, type: string): boolean {
  const enabled = target.enabledEvents;
  return !enabled || enabled.length === 0 || enabled.includes('*') || enabled.includes(type);
}
