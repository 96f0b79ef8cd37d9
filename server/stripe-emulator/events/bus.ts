import Stripe from 'stripe';
import { clockOfObject, clockNow } from '../billing/time';
import { requestContext } from '../http/request-context';
import { newId } from '../store/ids';
import type { Store } from '../store/store';
import { previousAttributes } from './diff';

/** Something that sends events on to webhook endpoints; returns how many deliveries it queued. */
export interface EventSink {
  enqueue(event: Stripe.Event): number;
}

type Snapshotable = { id: string; object: string };

/**
 * Creates events the way Stripe does: an immutable snapshot of the object at that moment, the request
 * that caused it, and for `*.updated` events the previous values of what changed. Events on objects that
 * live on a test clock are stamped with the clock's time.
 */
export class EventBus {
  constructor(
    private readonly store: Store,
    private readonly sink: EventSink,
  ) {}

  emit(type: Stripe.Event.Type, object: Snapshotable, before?: unknown): Stripe.Event {
    const snapshot = structuredClone(object);
    const request = requestContext.getStore();
    const data: { object: Snapshotable; previous_attributes?: object } = { object: snapshot };
    if (before !== undefined) data.previous_attributes = previousAttributes(before, snapshot);
    // Stripe.Event is a union keyed by `type`, each with its own `data.object` type; the pairing of type
    // and object is made by the callers, so the generic event is asserted once here.
    const event = {
      id: newId('event'),
      object: 'event',
      api_version: Stripe.API_VERSION,
      created: clockNow(this.store, clockOfObject(this.store, object)),
      data,
      livemode: false,
      pending_webhooks: 0,
      request: { id: request?.requestId ?? null, idempotency_key: request?.idempotencyKey ?? null },
      type,
    } as Stripe.Event;
    this.store.insert('event', event);
    event.pending_webhooks = this.sink.enqueue(event);
    return event;
  }

  /**
   * Applies `mutate` to a stored object and emits `type` with `previous_attributes`, but only if
   * something visible changed: Stripe sends no `*.updated` event for a no-op update.
   */
  update<T extends Snapshotable>(type: Stripe.Event.Type, object: T, mutate: (object: T) => void): void {
    const before = structuredClone(object);
    mutate(object);
    if (JSON.stringify(before) === JSON.stringify(object)) return;
    this.store.changed();
    this.emit(type, object, before);
  }
}
