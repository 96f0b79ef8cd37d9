import { Model } from 'objection';
import type { Actor } from '../auth/actor';
import { requireAuthenticated } from '../auth/authorization';
import { now } from '../clock';
import { NotFoundError } from '../errors';
import { paginateNewestFirst, type Page } from '../pagination';
import { settings } from '../settings';
import { deliverNext } from './delivery';
import { authorizedEndpoint, hasPlatformWebhookAccess, requireWebhookAccess } from './endpoints';
import { PartnerEvent, WebhookDelivery, type WebhookDeliveryStatus } from './models';

export type WebhookDeliveryPage = Page<WebhookDelivery>;

const withLog = '[event, attempts(inOrder)]';
const modifiers = {
  inOrder: (query: ReturnType<typeof WebhookDelivery.query>) => query.orderBy('attemptedAt'),
};

function deliveryWithLog(id: string) {
  return WebhookDelivery.query()
    .findById(id)
    .withGraphFetched(withLog)
    .modifiers(modifiers)
    .throwIfNotFound();
}

/** An endpoint's delivery log, newest first, each delivery with its event and every try. */
export async function listWebhookDeliveries({
  actor,
  endpointId,
  status,
  first,
  after,
}: {
  actor: Actor;
  endpointId: string;
  status?: WebhookDeliveryStatus | null;
  first?: number | null;
  after?: string | null;
}): Promise<WebhookDeliveryPage> {
  await authorizedEndpoint({ actor, id: endpointId, scope: 'webhooks:read' });
  const query = WebhookDelivery.query().where({ endpointId }).withGraphFetched(withLog).modifiers(modifiers);
  if (status) query.where({ status });
  return paginateNewestFirst({
    query,
    timestampColumn: 'webhook_deliveries.created_at',
    timestampOf: (delivery) => delivery.createdAt,
    first,
    after,
  });
}

/** Sends a delivery again from its first retry delay on (failed, pending or even succeeded ones). */
export async function retryWebhookDelivery({
  actor,
  id,
}: {
  actor: Actor;
  id: string;
}): Promise<WebhookDelivery> {
  requireAuthenticated(actor);
  const delivery = await WebhookDelivery.query().findById(id);
  if (!delivery) throw new NotFoundError('Webhook delivery');
  await authorizedEndpoint({ actor, id: delivery.endpointId, scope: 'webhooks:write' });
  await WebhookDelivery.query()
    .findById(id)
    .patch({ status: 'pending', attemptCount: 0, nextAttemptAt: now() });
  return deliveryWithLog(id);
}

/**
 * Delivers an event again, with the same webhook-id: to the endpoint named (even one that never had
 * it), or else to every endpoint that had it. An account's owners replay only to their own endpoint, and
 * only what it already had: any other event could be another account's.
 */
export async function replayWebhookEvent({
  actor,
  eventId,
  endpointId,
}: {
  actor: Actor;
  eventId: string;
  endpointId?: string | null;
}): Promise<WebhookDelivery[]> {
  requireAuthenticated(actor);
  if (endpointId) {
    const endpoint = await authorizedEndpoint({ actor, id: endpointId, scope: 'webhooks:write' });
    if (endpoint.accountId !== null && !hasPlatformWebhookAccess(actor, 'webhooks:write')) {
      const had = await WebhookDelivery.query().findOne({ endpointId, eventId });
      if (!had) throw new NotFoundError('Webhook event');
    }
  } else requireWebhookAccess(actor, 'webhooks:write');
  const event = await PartnerEvent.query().findById(eventId);
  if (!event) throw new NotFoundError('Webhook event');
  const ids = await Model.knex().transaction(async (trx) => {
    const endpointIds = endpointId
      ? [endpointId]
      : (await WebhookDelivery.query(trx).where({ eventId }).select('endpointId')).map(
          (row) => row.endpointId,
        );
    if (endpointIds.length === 0) return [];
    const rows = await trx('webhookDeliveries')
      .insert(
        endpointIds.map((id) => ({
          endpointId: id,
          eventId,
          accountId: event.accountId,
          sequence: event.sequence,
          nextAttemptAt: now(),
        })),
      )
      .onConflict(['endpointId', 'eventId'])
      .merge({ status: 'pending', attemptCount: 0, nextAttemptAt: now() })
      .returning('id');
    return rows.map((row: { id: string }) => row.id);
  });
  if (ids.length === 0) return [];
  return WebhookDelivery.query()
    .whereIn('id', ids)
    .withGraphFetched(withLog)
    .modifiers(modifiers)
    .orderBy('id');
}

/** Sends a `webhook.test` event to one endpoint now (enabled or not) and returns what happened. */
export async function sendTestWebhook({
  actor,
  endpointId,
}: {
  actor: Actor;
  endpointId: string;
}): Promise<WebhookDelivery> {
  requireAuthenticated(actor);
  const deliveryId = await Model.knex().transaction(async (trx) => {
    const endpoint = await authorizedEndpoint({ actor, id: endpointId, scope: 'webhooks:write', trx });
    const time = now();
    const event = await PartnerEvent.query(trx).insertAndFetch({
      accountId: null,
      accountExternalId: null,
      sequence: null,
      type: 'webhook.test',
      payload: { endpointId: endpoint.id, message: 'A test delivery from the billing service.' },
      fannedOutAt: time,
      createdAt: time,
    });
    const delivery = await WebhookDelivery.query(trx).insertAndFetch({
      endpointId: endpoint.id,
      eventId: event.id,
      accountId: null,
      sequence: null,
      nextAttemptAt: time,
    });
    return delivery.id;
  });
  await deliverNext({ limits: settings().partnerWebhooks, deliveryId });
  return deliveryWithLog(deliveryId);
}
