import { AsyncLocalStorage } from 'node:async_hooks';

/** The API request being served, recorded on the events it causes (`event.request`). */
export interface RequestContext {
  requestId: string;
  idempotencyKey: string | null;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();

/** Runs work that Stripe does on its own (clock advances, renewals): its events carry no request. */
export function outsideRequest<T>(work: () => T): T {
  return requestContext.exit(work);
}
