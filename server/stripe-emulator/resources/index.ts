import type { Context } from '../context';
import type { ApiRoutes } from '../http/api';
import { registerBalanceTransactions } from './balance-transactions';
import { registerCatalog } from './catalog';
import { registerCharges } from './charges';
import { registerCheckoutSessions } from './checkout-sessions';
import { registerCustomers } from './customers';
import { registerInvoiceItems } from './invoice-items';
import { registerInvoices } from './invoices';
import { registerPaymentIntents } from './payment-intents';
import { registerPaymentMethods } from './payment-methods';
import { registerPlatform } from './platform';
import { registerSetupIntents } from './setup-intents';
import { registerSubscriptions } from './subscriptions';

/** Every `/v1` endpoint the emulator implements; anything else answers 404 naming the endpoint. */
export function registerResources(routes: ApiRoutes, ctx: Context): void {
  registerCustomers(routes, ctx);
  registerCatalog(routes, ctx);
  registerPaymentMethods(routes, ctx);
  registerPaymentIntents(routes, ctx);
  registerSetupIntents(routes, ctx);
  registerCharges(routes, ctx);
  registerBalanceTransactions(routes, ctx);
  registerCheckoutSessions(routes, ctx);
  registerSubscriptions(routes, ctx);
  registerInvoices(routes, ctx);
  registerInvoiceItems(routes, ctx);
  registerPlatform(routes, ctx);
}
