import type { Knex } from 'knex';
import { Model } from 'objection';
import { systemActor } from '../auth/actor';
import { User } from '../auth/User';
import { recordAudit } from '../audit/auditLog';
import { now } from '../clock';
import { enqueueAccountNotification, enqueueUserNotification } from '../notifications/outbox';
import { settings } from '../settings';
import { PartnerEvent, WebhookDelivery, WebhookDeliveryAttempt, WebhookEndpoint } from './models';
import { sendSignedMessage, type SendLimits } from './sending';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * How long a failed delivery waits before its next try: 9 tries over about 2.8 days, then it fails.
 * The delay after the n-th failed try is RETRY_DELAYS_MS[n - 1].
 */
export const RETRY_DELAYS_MS = [
  30 * SECOND,
  2 * MINUTE,
  10 * MINUTE,
  HOUR,
  6 * HOUR,
  12 * HOUR,
  24 * HOUR,
  24 * HOUR,
];

/** An endpoint none of whose deliveries succeeded for this long, with one that ran out of tries, is disabled. */
export const DISABLE_AFTER_MS = 3 * 24 * HOUR - HOUR;

/**
 * Makes the deliveries of events not fanned out yet: one per enabled endpoint that wants the event
 * (platform-wide ones, and those bound to its account; empty `eventTypes` wants all). Events are
 * claimed with SKIP LOCKED, so processes share the work and none is fanned out twice.
 */
export async function fanOutPartnerEvents({ batchSize = 500 }: { batchSize?: number } = {}): Promise<number> {
  return Model.knex().transaction(async (trx) => {
    const events = await PartnerEvent.query(trx)
      .whereNull('fannedOutAt')
      .orderBy([{ column: 'createdAt' }, { column: 'sequence' }])
      .limit(batchSize)
      .forUpdate()
      .skipLocked();
    if (events.length === 0) return 0;
    const endpoints = await WebhookEndpoint.query(trx).where({ enabled: true });
    const time = now();
    const rows = events.flatMap((event) =>
      event.type === 'webhook.test'
        ? []
        : endpoints
            .filter(
              (endpoint) =>
                (endpoint.accountId === null || endpoint.accountId === event.accountId) &&
                (endpoint.eventTypes.length === 0 || endpoint.eventTypes.includes(event.type)),
            )
            .map((endpoint) => ({
              endpointId: endpoint.id,
              eventId: event.id,
              accountId: event.accountId,
              sequence: event.sequence,
              nextAttemptAt: time,
            })),
    );
    if (rows.length > 0)
      await trx('webhookDeliveries').insert(rows).onConflict(['endpointId', 'eventId']).ignore();
    await PartnerEvent.query(trx)
      .whereIn(
        'id',
        events.map((event) => event.id),
      )
      .patch({ fannedOutAt: time });
    return rows.length;
  });
}

/** The body every delivery of an event carries, byte for byte on every try. */
export function messageBody(event: PartnerEvent): string {
  return JSON.stringify({
    id: event.id,
    type: event.type,
    accountId: event.accountId,
    accountExternalId: event.accountExternalId,
    sequence: event.sequence,
    createdAt: new Date(event.createdAt).toISOString(),
    data: event.payload,
  });
}

/** The secrets that sign now: the current one, and the previous one during its rotation window. */
export function signingSecrets(endpoint: WebhookEndpoint, at: Date): string[] {
  const previousValid =
    endpoint.previousSecret &&
    endpoint.previousSecretExpiresAt &&
    new Date(endpoint.previousSecretExpiresAt).getTime() > at.getTime();
  return previousValid ? [endpoint.secret, endpoint.previousSecret!] : [endpoint.secret];
}

/**
 * Sends what is due: fans out new events, then works through due deliveries with `concurrency`
 * workers, each claiming one delivery at a time (FOR UPDATE SKIP LOCKED, so processes share the work)
 * and holding it while it is sent. Per account and endpoint, events go in sequence order: a delivery
 * waits while an earlier one of its account to the same endpoint is pending, even one waiting for its
 * retry. Each try is bounded (timeout, response size), so a slow receiver holds one worker for at most
 * its timeout and the others go on.
 */
export async function deliverPartnerWebhooks({
  concurrency = 4,
  maxDeliveries = 1000,
  limits = settings().partnerWebhooks,
}: {
  concurrency?: number;
  maxDeliveries?: number;
  limits?: SendLimits;
} = {}): Promise<{ fannedOut: number; succeeded: number; failed: number }> {
  const fannedOut = await fanOutPartnerEvents();
  const outcome = { fannedOut, succeeded: 0, failed: 0 };
  let budget = maxDeliveries;
  const worker = async () => {
    while (budget > 0) {
      budget -= 1;
      const result = await deliverNext({ limits });
      if (result === null) return;
      if (result) outcome.succeeded += 1;
      else outcome.failed += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return outcome;
}

/** Claims and sends one due delivery (or the one named); null when there is none. */
export async function deliverNext({
  limits,
  deliveryId,
}: {
  limits: SendLimits;
  deliveryId?: string;
}): Promise<boolean | null> {
  return Model.knex().transaction(async (trx) => {
    const time = now();
    const claim = WebhookDelivery.query(trx)
      .alias('d')
      .where('d.status', 'pending')
      .orderBy('d.nextAttemptAt')
      .limit(1)
      .forUpdate()
      .skipLocked();
    if (deliveryId) claim.where('d.id', deliveryId);
    else
      claim
        .whereExists(
          WebhookEndpoint.query(trx).alias('e').whereColumn('e.id', 'd.endpointId').where('e.enabled', true),
        )
        .where('d.nextAttemptAt', '<=', time)
        .whereNotExists(
          WebhookDelivery.query(trx)
            .alias('earlier')
            .whereColumn('earlier.endpointId', 'd.endpointId')
            .whereColumn('earlier.accountId', 'd.accountId')
            .whereColumn('earlier.sequence', '<', 'd.sequence')
            .where('earlier.status', 'pending'),
        );
    const [delivery] = await claim;
    if (!delivery) return null;
    const endpoint = await WebhookEndpoint.query(trx).findById(delivery.endpointId).throwIfNotFound();
    const event = await PartnerEvent.query(trx).findById(delivery.eventId).throwIfNotFound();
    const sent = await sendSignedMessage({
      url: endpoint.url,
      messageId: event.id,
      body: messageBody(event),
      secrets: signingSecrets(endpoint, time),
      limits,
    });
    await recordAttempt({ trx, delivery, endpoint, sent, time });
    return sent.ok;
  });
}

async function recordAttempt({
  trx,
  delivery,
  endpoint,
  sent,
  time,
}: {
  trx: Knex.Transaction;
  delivery: WebhookDelivery;
  endpoint: WebhookEndpoint;
  sent: Awaited<ReturnType<typeof sendSignedMessage>>;
  time: Date;
}): Promise<void> {
  await WebhookDeliveryAttempt.query(trx).insert({
    deliveryId: delivery.id,
    attemptedAt: time,
    statusCode: sent.statusCode,
    latencyMs: sent.latencyMs,
    responseExcerpt: sent.responseExcerpt,
    error: sent.error,
  });
  const attemptCount = delivery.attemptCount + 1;
  if (sent.ok) {
    await WebhookDelivery.query(trx)
      .findById(delivery.id)
      .patch({ status: 'succeeded', attemptCount, lastAttemptAt: time, succeededAt: time });
    return;
  }
  const delay = RETRY_DELAYS_MS[attemptCount - 1];
  await WebhookDelivery.query(trx)
    .findById(delivery.id)
    .patch({
      status: delay === undefined ? 'failed' : 'pending',
      attemptCount,
      lastAttemptAt: time,
      nextAttemptAt: new Date(time.getTime() + (delay ?? 0)),
    });
  if (delay === undefined) await disableIfFailing({ trx, endpoint, time });
}

/**
 * Once a delivery has run out of tries, an endpoint that has not taken a single delivery for three
 * days is switched off, with an audit entry and (for one bound to an account) a notice to the account.
 * While disabled it is left out of new events' deliveries; those already made wait, and go out once it
 * is enabled again.
 */
async function disableIfFailing({
  trx,
  endpoint,
  time,
}: {
  trx: Knex.Transaction;
  endpoint: WebhookEndpoint;
  time: Date;
}): Promise<void> {
  const since = new Date(time.getTime() - DISABLE_AFTER_MS);
  const recentSuccess = await WebhookDelivery.query(trx)
    .where({ endpointId: endpoint.id, status: 'succeeded' })
    .where('succeededAt', '>', since)
    .first();
  if (recentSuccess || !endpoint.enabled) return;
  const reason = 'Every delivery failed for 3 days.';
  await WebhookEndpoint.query(trx).findById(endpoint.id).patch({ enabled: false, disabledReason: reason });
  await recordAudit({
    trx,
    actor: systemActor('partner webhooks'),
    accountId: endpoint.accountId,
    action: 'webhook_endpoint.disabled',
    target: { type: 'webhook_endpoint', id: endpoint.id },
    reason,
    details: { url: endpoint.url },
  });
  const notice = { kind: 'webhook_endpoint_disabled', data: { url: endpoint.url, days: 3 } } as const;
  if (endpoint.accountId)
    await enqueueAccountNotification({
      trx,
      accountId: endpoint.accountId,
      notice,
      dedupeKey: `webhook_endpoint_disabled:${endpoint.id}:${time.toISOString()}`,
    });
  else
    // A platform-wide endpoint is the platform's: its administrators are the ones to fix it.
    for (const admin of await User.query(trx).where({ isPlatformAdmin: true }).whereNull('deletedAt'))
      await enqueueUserNotification({ trx, userId: admin.id, notice });
}
