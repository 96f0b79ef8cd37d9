import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { Model } from 'objection';
import { Account } from '../accounts/Account';
import type { Actor } from '../auth/actor';
import { authorizeAccount, requireAuthenticated } from '../auth/authorization';
import type { ApiScope } from '../auth/scopes';
import { recordAudit } from '../audit/auditLog';
import { now } from '../clock';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors';
import { settings } from '../settings';
import { checkEndpointUrl } from './addressSafety';
import { isSubscribableEventType, SUBSCRIBABLE_EVENT_TYPES } from './eventTypes';
import { WebhookEndpoint } from './models';

/** How long the secret before a rotation still signs deliveries. */
export const ROTATION_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * Partner webhooks are the platform's: platform admins manage every endpoint, and so do API keys for
 * every account holding webhooks:read (to read) or webhooks:write (to change). An endpoint bound to one
 * account is also its owners' and admins' (and its keys' with those scopes) to manage; platform-wide
 * endpoints hear of every account, so they stay the platform's.
 */
export function requireWebhookAccess(actor: Actor, scope: WebhookScope): void {
  requireAuthenticated(actor);
  if (hasPlatformWebhookAccess(actor, scope)) return;
  throw new ForbiddenError(
    `Partner webhooks need a platform admin or an API key for every account with ${scope}.`,
  );
}

type WebhookScope = Extract<ApiScope, `webhooks:${string}`>;

/** Platform admins, system jobs, and keys for every account holding the scope. */
export function hasPlatformWebhookAccess(actor: Actor, scope: WebhookScope): boolean {
  if (actor.kind === 'system' || (actor.kind === 'user' && actor.isPlatformAdmin)) return true;
  return actor.kind === 'apiKey' && actor.accountId === null && actor.scopes.has(scope);
}

/** Whether the actor may read (webhooks:read) or change (webhooks:write) endpoints bound to `accountId`. */
export async function requireEndpointAccess({
  actor,
  accountId,
  scope,
}: {
  actor: Actor;
  accountId: string | null;
  scope: WebhookScope;
}): Promise<void> {
  requireAuthenticated(actor);
  // Platform callers keep reaching endpoints of an account deleted since, which authorizeAccount hides.
  if (hasPlatformWebhookAccess(actor, scope)) return;
  if (accountId === null) return requireWebhookAccess(actor, scope);
  await authorizeAccount({
    actor,
    accountId,
    permission: scope === 'webhooks:read' ? 'webhooks.read' : 'webhooks.manage',
  });
}

/** The endpoint, once the actor may act on it; missing and unseen ones alike are not found. */
export async function authorizedEndpoint({
  actor,
  id,
  scope,
  trx,
}: {
  actor: Actor;
  id: string;
  scope: WebhookScope;
  trx?: Knex.Transaction;
}): Promise<WebhookEndpoint> {
  requireAuthenticated(actor);
  const query = WebhookEndpoint.query(trx).findById(id);
  const endpoint = await (trx ? query.forUpdate() : query);
  if (!endpoint) throw new NotFoundError('Webhook endpoint');
  await requireEndpointAccess({ actor, accountId: endpoint.accountId, scope });
  return endpoint;
}

/** A new signing secret as the Standard Webhooks libraries take it: whsec_ and 24 random bytes in base64. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

export interface EndpointInput {
  url?: string | null;
  eventTypes?: string[] | null;
  description?: string | null;
  enabled?: boolean | null;
}

function checkInput(
  input: EndpointInput,
): Partial<Pick<WebhookEndpoint, 'url' | 'eventTypes' | 'description'>> {
  const checked: Partial<Pick<WebhookEndpoint, 'url' | 'eventTypes' | 'description'>> = {};
  if (input.url !== undefined) {
    if (input.url === null) throw ValidationError.forField('url', 'is required');
    checkEndpointUrl({
      url: input.url,
      allowPrivateAddresses: settings().partnerWebhooks.allowPrivateAddresses,
    });
    checked.url = input.url;
  }
  if (input.eventTypes !== undefined && input.eventTypes !== null) {
    const unknown = input.eventTypes.filter((type) => !isSubscribableEventType(type));
    if (unknown.length > 0)
      throw ValidationError.forField(
        'eventTypes',
        `unknown event type ${unknown.map((type) => JSON.stringify(type)).join(', ')}; known: ${SUBSCRIBABLE_EVENT_TYPES.join(', ')}`,
      );
    checked.eventTypes = [...new Set(input.eventTypes)].sort();
  }
  if (input.description !== undefined && input.description !== null) {
    if (input.description.length > 500)
      throw ValidationError.forField('description', 'must be at most 500 characters');
    checked.description = input.description;
  }
  return checked;
}

/** Creates an endpoint; its secret is returned here and on rotation, nowhere else. */
export async function createWebhookEndpoint({
  actor,
  accountId,
  ...input
}: { actor: Actor; accountId?: string | null } & EndpointInput): Promise<{
  endpoint: WebhookEndpoint;
  secret: string;
}> {
  await requireEndpointAccess({ actor, accountId: accountId ?? null, scope: 'webhooks:write' });
  if (input.url === undefined) throw ValidationError.forField('url', 'is required');
  const fields = checkInput(input);
  if (accountId) {
    const account = await Account.query().findById(accountId);
    if (!account || account.deletedAt) throw new NotFoundError('Account');
  }
  const secret = newSigningSecret();
  const endpoint = await Model.knex().transaction(async (trx) => {
    const created = await WebhookEndpoint.query(trx).insertAndFetch({
      accountId: accountId ?? null,
      url: fields.url!,
      description: fields.description ?? '',
      eventTypes: fields.eventTypes ?? [],
      enabled: input.enabled ?? true,
      secret,
    });
    await recordAudit({
      trx,
      actor,
      accountId: created.accountId,
      action: 'webhook_endpoint.created',
      target: { type: 'webhook_endpoint', id: created.id },
      details: { url: created.url, eventTypes: created.eventTypes },
    });
    return created;
  });
  return { endpoint, secret };
}

export async function findWebhookEndpoint({
  actor,
  id,
}: {
  actor: Actor;
  id: string;
}): Promise<WebhookEndpoint> {
  return authorizedEndpoint({ actor, id, scope: 'webhooks:read' });
}

/** Changes what is given; enabling a disabled endpoint clears why it was disabled and sends what waited. */
export async function updateWebhookEndpoint({
  actor,
  id,
  ...input
}: { actor: Actor; id: string } & EndpointInput): Promise<WebhookEndpoint> {
  requireAuthenticated(actor);
  return Model.knex().transaction(async (trx) => {
    const endpoint = await authorizedEndpoint({ actor, id, scope: 'webhooks:write', trx });
    const fields = checkInput(input);
    const enabled = input.enabled ?? endpoint.enabled;
    const updated = await WebhookEndpoint.query(trx).patchAndFetchById(id, {
      ...fields,
      enabled,
      disabledReason: enabled ? null : endpoint.enabled ? disabledBy(actor) : endpoint.disabledReason,
    });
    await recordAudit({
      trx,
      actor,
      accountId: endpoint.accountId,
      action: 'webhook_endpoint.updated',
      target: { type: 'webhook_endpoint', id },
      details: { ...fields, enabled },
    });
    return updated;
  });
}

/**
 * A new secret, returned once. The previous one keeps signing for 24 hours (deliveries carry both
 * signatures), so receivers can switch without losing a message.
 */
export async function rotateWebhookEndpointSecret({
  actor,
  id,
}: {
  actor: Actor;
  id: string;
}): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  requireAuthenticated(actor);
  const secret = newSigningSecret();
  return Model.knex().transaction(async (trx) => {
    const endpoint = await authorizedEndpoint({ actor, id, scope: 'webhooks:write', trx });
    const updated = await WebhookEndpoint.query(trx).patchAndFetchById(id, {
      secret,
      previousSecret: endpoint.secret,
      previousSecretExpiresAt: new Date(now().getTime() + ROTATION_WINDOW_MS),
    });
    await recordAudit({
      trx,
      actor,
      accountId: endpoint.accountId,
      action: 'webhook_endpoint.secret_rotated',
      target: { type: 'webhook_endpoint', id },
    });
    return { endpoint: updated, secret };
  });
}

/** Deletes an endpoint and its delivery log. */
export async function deleteWebhookEndpoint({
  actor,
  id,
}: {
  actor: Actor;
  id: string;
}): Promise<WebhookEndpoint> {
  requireAuthenticated(actor);
  return Model.knex().transaction(async (trx) => {
    const endpoint = await authorizedEndpoint({ actor, id, scope: 'webhooks:write', trx });
    await WebhookEndpoint.query(trx).deleteById(id);
    await recordAudit({
      trx,
      actor,
      accountId: endpoint.accountId,
      action: 'webhook_endpoint.deleted',
      target: { type: 'webhook_endpoint', id },
      details: { url: endpoint.url },
    });
    return endpoint;
  });
}

/**
 * Every endpoint, or those that hear of one account (bound to it, and the platform-wide ones). Platform
 * callers only: an account's owners list its own endpoints with `listAccountWebhookEndpoints`.
 */
export async function listWebhookEndpoints({
  actor,
  accountId,
}: {
  actor: Actor;
  accountId?: string | null;
}): Promise<WebhookEndpoint[]> {
  requireWebhookAccess(actor, 'webhooks:read');
  const query = WebhookEndpoint.query().orderBy([{ column: 'createdAt' }, { column: 'id' }]);
  if (accountId) query.where((where) => where.where({ accountId }).orWhereNull('accountId'));
  return query;
}

/** The endpoints bound to one account, oldest first, for those who may manage them (not platform-wide ones). */
export async function listAccountWebhookEndpoints({
  actor,
  accountId,
}: {
  actor: Actor;
  accountId: string;
}): Promise<WebhookEndpoint[]> {
  await requireEndpointAccess({ actor, accountId, scope: 'webhooks:read' });
  return WebhookEndpoint.query()
    .where({ accountId })
    .orderBy([{ column: 'createdAt' }, { column: 'id' }]);
}

/** Why an endpoint someone switched off is off, as its page shows it (the audit log names who). */
function disabledBy(actor: Actor): string {
  if (actor.kind === 'apiKey') return 'Disabled with an API key.';
  if (actor.kind === 'user')
    return actor.isPlatformAdmin
      ? 'Disabled by a platform administrator.'
      : 'Disabled by an owner or admin of the account.';
  return 'Disabled by the service.';
}
