import { z } from 'zod';
import Stripe from 'stripe';
import type { Context } from '../context';
import { realNow } from '../billing/time';
import type { ApiRoutes } from '../http/api';
import { ApiError } from '../http/errors';
import { applyMetadata, inRange, p, parseParams } from '../http/params';
import { newPortalSession, newTestClock, newWebhookEndpoint } from '../objects/sessions';
import { listWith, markDeleted, retrieveOrDeleted } from './shared';

/** The emulator has one portal configuration: cancel, resume, switch plans, update card, see invoices. */
export const DEFAULT_PORTAL_CONFIGURATION = 'bpc_emulator_default';

/** Billing portal sessions, events, webhook endpoints and test clocks. */
export function registerPlatform(routes: ApiRoutes, ctx: Context): void {
  const { store, events } = ctx;

  routes.post('/v1/billing_portal/sessions', ({ body }) => {
    const params = parseParams(
      z.strictObject({
        customer: z.string(),
        return_url: z.string().optional(),
        configuration: z.string().optional(),
        flow_data: p.ignored(),
        locale: p.ignored(),
        on_behalf_of: p.ignored(),
        expand: p.expand(),
      }),
      body,
    );
    const customer = store.require('customer', params.customer, 'customer');
    const session = newPortalSession({
      customer: customer.id,
      returnUrl: params.return_url ?? null,
      configuration: params.configuration ?? DEFAULT_PORTAL_CONFIGURATION,
      created: realNow(),
      publicUrl: ctx.publicUrl,
    });
    store.insert('billing_portal.session', session);
    events.emit('billing_portal.session.created', session);
    return session;
  });

  routes.get('/v1/events/:id', ({ params }) => store.require('event', params.id));

  routes.get('/v1/events', ({ body }) =>
    listWith(
      body,
      {
        type: z.string().optional(),
        types: z.array(z.string()).optional(),
        created: p.range().optional(),
        delivery_success: p.ignored(),
      },
      '/v1/events',
      (filters) => {
        if (filters.type && filters.types)
          throw ApiError.invalid('You may only specify one of these parameters: type, types.', {
            param: 'types',
          });
        // `type` accepts a trailing wildcard, e.g. `invoice.*`.
        const matches = (type: string) =>
          (filters.type === undefined ||
            (filters.type.endsWith('*')
              ? type.startsWith(filters.type.slice(0, -1))
              : type === filters.type)) &&
          (filters.types === undefined || filters.types.includes(type));
        return store
          .list('event')
          .filter((event) => matches(event.type) && inRange(event.created, filters.created));
      },
    ),
  );

  routes.post('/v1/webhook_endpoints', ({ body }) => {
    const params = parseParams(
      z.strictObject({
        url: z.string(),
        enabled_events: z.array(z.string()),
        description: z.string().optional(),
        metadata: p.metadata().optional(),
        api_version: z.string().optional(),
        connect: p.ignored(),
        expand: p.expand(),
      }),
      body,
    );
    const endpoint = newWebhookEndpoint({
      url: params.url,
      enabledEvents: params.enabled_events,
      description: params.description ?? null,
      metadata: applyMetadata({}, params.metadata),
      apiVersion: params.api_version ?? Stripe.API_VERSION,
      created: realNow(),
    });
    store.extras.webhookSecrets[endpoint.id] = endpoint.secret as string;
    const returned = structuredClone(endpoint);
    // The secret is only ever shown in the response that created the endpoint.
    delete endpoint.secret;
    store.insert('webhook_endpoint', endpoint);
    return returned;
  });

  routes.get('/v1/webhook_endpoints/:id', ({ params }) =>
    retrieveOrDeleted(ctx, 'webhook_endpoint', params.id),
  );

  routes.post('/v1/webhook_endpoints/:id', ({ params, body }) => {
    const input = parseParams(
      z.strictObject({
        url: z.string().optional(),
        enabled_events: z.array(z.string()).optional(),
        description: z.string().optional(),
        disabled: p.boolean().optional(),
        metadata: p.metadata().optional(),
        expand: p.expand(),
      }),
      body,
    );
    const endpoint = store.require('webhook_endpoint', params.id);
    if (input.url !== undefined) endpoint.url = input.url;
    if (input.enabled_events !== undefined) endpoint.enabled_events = input.enabled_events;
    if (input.description !== undefined) endpoint.description = input.description || null;
    if (input.disabled !== undefined) endpoint.status = input.disabled ? 'disabled' : 'enabled';
    if (input.metadata !== undefined) endpoint.metadata = applyMetadata(endpoint.metadata, input.metadata);
    store.changed();
    return endpoint;
  });

  routes.delete('/v1/webhook_endpoints/:id', ({ params }) => {
    store.require('webhook_endpoint', params.id);
    delete store.extras.webhookSecrets[params.id];
    return markDeleted(ctx, 'webhook_endpoint', params.id);
  });

  routes.get('/v1/webhook_endpoints', ({ body }) =>
    listWith(body, {}, '/v1/webhook_endpoints', () => store.list('webhook_endpoint')),
  );

  routes.post('/v1/test_helpers/test_clocks', ({ body }) => {
    const params = parseParams(
      z.strictObject({ frozen_time: p.integer(), name: z.string().optional(), expand: p.expand() }),
      body,
    );
    const clock = store.insert(
      'test_helpers.test_clock',
      newTestClock(params.frozen_time, params.name ?? null, realNow()),
    );
    events.emit('test_helpers.test_clock.created', clock);
    return clock;
  });

  routes.get('/v1/test_helpers/test_clocks/:id', ({ params }) =>
    retrieveOrDeleted(ctx, 'test_helpers.test_clock', params.id),
  );

  routes.get('/v1/test_helpers/test_clocks', ({ body }) =>
    listWith(body, {}, '/v1/test_helpers/test_clocks', () => store.list('test_helpers.test_clock')),
  );

  /**
   * Answers at once with `status: advancing`, like Stripe; the billing engine then works through
   * everything due up to `frozen_time` and sets the clock `ready`. Poll the clock until it is ready.
   */
  routes.post('/v1/test_helpers/test_clocks/:id/advance', ({ params, body }) => {
    const input = parseParams(z.strictObject({ frozen_time: p.integer(), expand: p.expand() }), body);
    const clock = store.require('test_helpers.test_clock', params.id);
    if (clock.status === 'advancing')
      throw ApiError.invalid(
        'The test clock is already advancing. Wait for it to finish before advancing it again.',
        { code: 'test_clock_advancing' as string },
      );
    if (input.frozen_time <= clock.frozen_time) {
      throw ApiError.parameterInvalid(
        'frozen_time',
        'The frozen time must be after the current frozen time of the test clock.',
      );
    }
    const before = structuredClone(clock);
    clock.status = 'advancing';
    clock.status_details = { advancing: { target_frozen_time: input.frozen_time } };
    store.changed();
    events.emit('test_helpers.test_clock.advancing', clock, before);
    ctx.scheduleClockAdvance(clock.id);
    return clock;
  });

  routes.delete('/v1/test_helpers/test_clocks/:id', ({ params }) => {
    const clock = store.require('test_helpers.test_clock', params.id);
    // Deleting a clock deletes everything that lives on it, as on Stripe.
    for (const customer of store.list('customer')) {
      if (customer.test_clock !== clock.id) continue;
      for (const kind of ['subscription', 'invoice', 'invoiceitem'] as const) {
        for (const object of store.list(kind))
          if (object.test_clock === clock.id) store.delete(kind, object.id);
      }
      markDeleted(ctx, 'customer', customer.id);
    }
    events.emit('test_helpers.test_clock.deleted', clock);
    return markDeleted(ctx, 'test_helpers.test_clock', clock.id);
  });
}
