/** Options and the public handle of the emulator; see index.ts. */

export interface Logger {
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

export interface WebhookEndpointConfig {
  url: string;
  secret: string;
  /** Event types to send; omitted or `['*']` sends everything. */
  enabledEvents?: string[];
}

export interface DeliveryOptions {
  /** Delay before each retry of a failed delivery, in ms; its length bounds the attempts (length + 1). */
  retrySchedule?: number[];
  /** Chance (0..1) that a delivery is sent twice, as Stripe's at-least-once delivery sometimes does. */
  duplicateProbability?: number;
  /** Delivers the events of each burst in random order instead of creation order. */
  shuffle?: boolean;
  /** Seed for duplicates and shuffling, so a failing test can be replayed exactly. */
  seed?: number;
  /** Per-attempt timeout in ms. */
  timeoutMs?: number;
}

export interface StripeEmulatorOptions {
  /** Interface to bind; default '127.0.0.1'. */
  host?: string;
  /** Port to bind; default 0, a free port. */
  port?: number;
  /** Base URL of hosted pages (Checkout, portal, invoices); default `http://host:port`. */
  publicUrl?: string;
  /** JSON file the state is saved to and loaded from; default none (memory only). */
  stateFile?: string;
  webhookEndpoints?: WebhookEndpointConfig[];
  delivery?: DeliveryOptions;
  /** How often objects that are not on a test clock are processed (renewals, retries); 0 disables. */
  realTimeTickMs?: number;
  /** What happens to a subscription when the last payment retry fails; Stripe's default is 'cancel'. */
  afterFinalPaymentFailure?: 'cancel' | 'unpaid';
  /** Days after the first failed payment on which the invoice is retried; Stripe-like default [3, 5, 7]. */
  paymentRetryDays?: number[];
  logger?: Logger;
}

export interface StripeEmulator {
  url: string;
  host: string;
  port: number;
  /** Options for `new Stripe(key, emulator.sdkOptions())`: host, port, protocol. */
  sdkOptions(): { host: string; port: number; protocol: 'http' };
  addWebhookEndpoint(endpoint: WebhookEndpointConfig): void;
  /** Resolves once every queued webhook delivery has succeeded or used up its attempts. */
  webhooksIdle(): Promise<void>;
  stop(): Promise<void>;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
