import type { AppLoadContext } from '@remix-run/node';
import {
  CreateWebhookEndpointDocument,
  DeleteWebhookEndpointDocument,
  ReplayWebhookEventDocument,
  RetryWebhookDeliveryDocument,
  RotateWebhookEndpointSecretDocument,
  SendTestWebhookDocument,
  UpdateWebhookEndpointDocument,
  WebhookEndpointDocument,
  type WebhookDeliveryRowFragment,
  type WebhookDeliveryStatus,
} from '~/graphql/generated';
import { DELIVERY_STATUSES } from '~/components/WebhookEndpointPage';
import { field, invalid, mutate, query } from './api.server';
import { safeRedirect } from './redirects.server';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The partner webhook pages' server side, shared by the admin console (every endpoint) and an account's
 * settings (the endpoints bound to it): the API decides who may do what, so both run the same actions.
 */

/** What the endpoint forms send back for the API: the URL, the note and the event types checked. */
export function endpointFields(form: FormData) {
  return {
    url: field(form, 'url'),
    description: field(form, 'description'),
    eventTypes: form.getAll('eventTypes').filter((type): type is string => typeof type === 'string'),
  };
}

/**
 * Creates an endpoint from the form, for every account (accountId null) or one. The secret is in this
 * answer only (never in a redirect's address or the page's data), so reloading does not show it again.
 * A refusal comes back with what was typed, so the form shows it again even without JavaScript.
 */
export async function createEndpoint({
  context,
  request,
  form,
  accountId,
}: {
  context: AppLoadContext;
  request: Request;
  form: FormData;
  accountId: string | null;
}) {
  const fields = endpointFields(form);
  const values = { ...fields, boundToAccount: accountId !== null, accountId: accountId ?? '' };
  // The account field takes our id or the partner's external id: whichever the admin has at hand.
  const account = accountId && !UUID.test(accountId) ? { externalId: accountId } : { accountId };
  const outcome = await mutate(context, request, CreateWebhookEndpointDocument, {
    input: { ...fields, ...account },
  });
  if (!outcome.ok)
    return {
      ...outcome,
      fieldErrors:
        outcome.code === 'NOT_FOUND'
          ? { accountId: 'No account has this id or external id.' }
          : outcome.fieldErrors,
      values,
    };
  const { secret, endpoint } = outcome.data.createWebhookEndpoint;
  return { ok: true as const, created: { ...endpoint, secret } };
}

/** An endpoint page's data: the endpoint, the event catalogue, and a page of its log (`status`, `after`). */
export function loadEndpointPage({
  context,
  request,
  id,
}: {
  context: AppLoadContext;
  request: Request;
  id: string;
}) {
  const search = new URL(request.url).searchParams;
  const status = search.get('status') as WebhookDeliveryStatus | null;
  return query(context, request, WebhookEndpointDocument, {
    id,
    status: status && DELIVERY_STATUSES.includes(status) ? status : null,
    after: search.get('after'),
  });
}

/** Every button of an endpoint page posts here with its intent; a new secret is in this answer only. */
export async function endpointAction({
  context,
  request,
  id,
  listPath,
}: {
  context: AppLoadContext;
  request: Request;
  id: string;
  /** Where a deleted endpoint's page sends the user. */
  listPath: string;
}) {
  const form = await request.formData();
  switch (field(form, 'intent')) {
    case 'save': {
      const input = { ...endpointFields(form), enabled: form.has('enabled') };
      const outcome = await mutate(context, request, UpdateWebhookEndpointDocument, { id, input });
      return outcome.ok ? succeeded({ notice: 'The endpoint was saved.' }) : outcome;
    }
    case 'enable':
    case 'disable': {
      const enabled = field(form, 'intent') === 'enable';
      const outcome = await mutate(context, request, UpdateWebhookEndpointDocument, {
        id,
        input: { enabled },
      });
      if (!outcome.ok) return outcome;
      return succeeded({
        notice: enabled
          ? 'The endpoint is enabled: deliveries that waited go out now.'
          : 'The endpoint is disabled: new events are not queued for it.',
      });
    }
    case 'rotate': {
      const outcome = await mutate(context, request, RotateWebhookEndpointSecretDocument, { id });
      if (!outcome.ok) return outcome;
      const { secret, endpoint } = outcome.data.rotateWebhookEndpointSecret;
      return succeeded({ secret, previousSecretExpiresAt: endpoint.previousSecretExpiresAt });
    }
    case 'test': {
      const outcome = await mutate(context, request, SendTestWebhookDocument, { endpointId: id });
      if (!outcome.ok) return outcome;
      return succeeded({ test: outcome.data.sendTestWebhook });
    }
    case 'retry': {
      const outcome = await mutate(context, request, RetryWebhookDeliveryDocument, {
        id: field(form, 'deliveryId'),
      });
      return outcome.ok ? succeeded({ notice: 'The delivery will be sent again shortly.' }) : outcome;
    }
    case 'replay': {
      const outcome = await mutate(context, request, ReplayWebhookEventDocument, {
        eventId: field(form, 'eventId'),
        endpointId: id,
      });
      return outcome.ok
        ? succeeded({ notice: 'The event will be delivered again shortly, with the same webhook-id.' })
        : outcome;
    }
    case 'delete': {
      const outcome = await mutate(context, request, DeleteWebhookEndpointDocument, { id });
      return outcome.ok ? safeRedirect(`${listPath}?deleted=1`) : outcome;
    }
    default:
      return invalid({}, 'Unknown action.');
  }
}

/** What a successful action shows: a notice, a new secret, or the test delivery's outcome. */
function succeeded(shown: {
  notice?: string;
  secret?: string;
  previousSecretExpiresAt?: string | null;
  test?: WebhookDeliveryRowFragment;
}) {
  return {
    ok: true as const,
    notice: null,
    secret: null,
    previousSecretExpiresAt: null,
    test: null,
    ...shown,
  };
}
