import {
  listWebhookDeliveries,
  replayWebhookEvent,
  retryWebhookDelivery,
  sendTestWebhook,
} from '../../partnerWebhooks/deliveryLog';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  findWebhookEndpoint,
  listAccountWebhookEndpoints,
  listWebhookEndpoints,
  rotateWebhookEndpointSecret,
  updateWebhookEndpoint,
} from '../../partnerWebhooks/endpoints';
import { subscribableEventTypes } from '../../partnerWebhooks/eventTypes';
import { withOptionalAccountId } from '../accountReference';
import { connectionResolvers } from '../connections';
import type { Resolvers } from '../generated/resolvers';

export const partnerWebhookResolvers: Resolvers = {
  Query: {
    webhookEndpoints: async (_parent, args, { actor }) =>
      listWebhookEndpoints({ actor, ...(await withOptionalAccountId(actor, args)) }),
    webhookEndpoint: (_parent, { id }, { actor }) => findWebhookEndpoint({ actor, id }),
    webhookEventTypes: () => subscribableEventTypes(),
    webhookDeliveries: (_parent, args, { actor }) => listWebhookDeliveries({ actor, ...args }),
  },
  Mutation: {
    createWebhookEndpoint: async (_parent, { input }, { actor }) =>
      createWebhookEndpoint({ actor, ...(await withOptionalAccountId(actor, input)) }),
    updateWebhookEndpoint: (_parent, { id, input }, { actor }) =>
      updateWebhookEndpoint({ actor, id, ...input }),
    rotateWebhookEndpointSecret: (_parent, { id }, { actor }) => rotateWebhookEndpointSecret({ actor, id }),
    deleteWebhookEndpoint: (_parent, { id }, { actor }) => deleteWebhookEndpoint({ actor, id }),
    retryWebhookDelivery: (_parent, { id }, { actor }) => retryWebhookDelivery({ actor, id }),
    replayWebhookEvent: (_parent, args, { actor }) => replayWebhookEvent({ actor, ...args }),
    sendTestWebhook: (_parent, { endpointId }, { actor }) => sendTestWebhook({ actor, endpointId }),
  },
  Account: {
    webhookEndpoints: (account, _args, { actor }) =>
      listAccountWebhookEndpoints({ actor, accountId: account.id }),
  },
  PartnerEvent: {
    payload: (event) => JSON.stringify(event.payload),
  },
  WebhookDelivery: {
    event: (delivery) => delivery.event!,
    attempts: (delivery) => delivery.attempts ?? [],
  },
  WebhookDeliveryConnection: connectionResolvers(),
  WebhookDeliveryStatus: { PENDING: 'pending', SUCCEEDED: 'succeeded', FAILED: 'failed' },
};
