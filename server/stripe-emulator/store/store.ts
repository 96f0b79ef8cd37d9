import { ApiError } from '../http/errors';
import {
  emptyExtras,
  type Extras,
  KIND_BY_PREFIX,
  OBJECT_KINDS,
  type ObjectKind,
  type ObjectTypes,
} from './types';

type Collections = { [K in ObjectKind]: Map<string, ObjectTypes[K]> };

/** The serialised form written to the state file. */
export interface Snapshot {
  version: 1;
  savedAt: string;
  objects: { [K in ObjectKind]?: ObjectTypes[K][] };
  extras: Extras;
}

/** Human names used in `No such <name>: '<id>'` errors, as Stripe words them. */
const MISSING_NAMES: Record<ObjectKind, string> = {
  customer: 'customer',
  product: 'product',
  price: 'price',
  payment_method: 'PaymentMethod',
  subscription: 'subscription',
  invoice: 'invoice',
  invoiceitem: 'invoiceitem',
  invoice_payment: 'invoice payment',
  payment_intent: 'payment_intent',
  charge: 'charge',
  refund: 'refund',
  balance_transaction: 'balance transaction',
  setup_intent: 'setupintent',
  'checkout.session': 'checkout.session',
  'billing_portal.session': 'billing portal session',
  event: 'event',
  webhook_endpoint: 'webhook endpoint',
  'test_helpers.test_clock': 'test clock',
};

/**
 * In-memory state of the emulated account. Objects are mutated in place by the billing engine; every
 * read goes through a copy (see http/render.ts) so callers never share state with the store.
 * Lists come back newest first, which is Stripe's order: insertion order breaks ties between objects
 * created in the same second.
 */
export class Store {
  private readonly collections: Collections;
  extras: Extras = emptyExtras();
  private readonly listeners: Array<() => void> = [];

  constructor() {
    this.collections = Object.fromEntries(
      OBJECT_KINDS.map((kind) => [kind, new Map()]),
    ) as unknown as Collections;
  }

  /** Called after every change; persistence hangs off this. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  changed(): void {
    for (const listener of this.listeners) listener();
  }

  insert<K extends ObjectKind>(kind: K, object: ObjectTypes[K]): ObjectTypes[K] {
    this.collections[kind].set(object.id, object);
    this.changed();
    return object;
  }

  get<K extends ObjectKind>(kind: K, id: string): ObjectTypes[K] | undefined {
    return this.collections[kind].get(id);
  }

  /** The object, or Stripe's 404 `resource_missing` naming the parameter that carried the id. */
  require<K extends ObjectKind>(kind: K, id: string, param = 'id'): ObjectTypes[K] {
    const found = this.collections[kind].get(id);
    if (!found) throw ApiError.missing(MISSING_NAMES[kind], id, param);
    return found;
  }

  delete(kind: ObjectKind, id: string): void {
    this.collections[kind].delete(id);
    this.changed();
  }

  /** All objects of a kind, newest first. */
  list<K extends ObjectKind>(kind: K): ObjectTypes[K][] {
    return [...this.collections[kind].values()].reverse();
  }

  /** Oldest first, for the billing engine, which must process due work in creation order. */
  listOldestFirst<K extends ObjectKind>(kind: K): ObjectTypes[K][] {
    return [...this.collections[kind].values()];
  }

  /** Finds any stored object by id, using Stripe's id prefixes. */
  findById(id: string): ObjectTypes[ObjectKind] | undefined {
    const prefix = id.startsWith('cs_') ? 'cs' : id.slice(0, id.indexOf('_'));
    const kind = KIND_BY_PREFIX[prefix];
    return kind ? this.collections[kind].get(id) : undefined;
  }

  snapshot(): Snapshot {
    const objects: Snapshot['objects'] = {};
    for (const kind of OBJECT_KINDS)
      (objects as Record<string, unknown[]>)[kind] = [...this.collections[kind].values()];
    return { version: 1, savedAt: new Date().toISOString(), objects, extras: this.extras };
  }

  restore(snapshot: Snapshot): void {
    for (const kind of OBJECT_KINDS) {
      const map = this.collections[kind] as Map<string, ObjectTypes[ObjectKind]>;
      map.clear();
      for (const object of (snapshot.objects[kind] ?? []) as ObjectTypes[ObjectKind][])
        map.set(object.id, object);
    }
    this.extras = { ...emptyExtras(), ...snapshot.extras };
  }
}
