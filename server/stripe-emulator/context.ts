import type { EventBus } from './events/bus';
import type { Logger } from './options';
import type { Store } from './store/store';

/** Everything the billing engine, resources and pages share. */
export interface Context {
  store: Store;
  events: EventBus;
  logger: Logger;
  /** Base URL of the hosted pages, without a trailing slash. */
  publicUrl: string;
  afterFinalPaymentFailure: 'cancel' | 'unpaid';
  /** Days after the first failure on which an invoice payment is retried. */
  paymentRetryDays: number[];
  /** Wakes the billing engine for a test clock after an advance; set by index.ts. */
  scheduleClockAdvance(clockId: string): void;
}
