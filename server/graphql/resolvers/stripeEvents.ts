import { findStripeEvent, listStripeEvents, replayStripeEvent } from '../../webhooks/stripeEventLog';
import { connectionResolvers } from '../connections';
import type { Resolvers } from '../generated/resolvers';

export const stripeEventResolvers: Resolvers = {
  Query: {
    stripeEvents: (_parent, args, { actor }) => listStripeEvents({ actor, ...args }),
    stripeEvent: (_parent, { id }, { actor }) => findStripeEvent({ actor, eventId: id }),
  },
  Mutation: {
    replayStripeEvent: (_parent, { id }, { actor }) => replayStripeEvent({ actor, eventId: id }),
  },
  StripeEvent: {
    createdAt: (event) => event.stripeCreatedAt,
    payloadJson: (event) => JSON.stringify(event.payload, null, 2),
  },
  StripeEventConnection: connectionResolvers(),
  StripeEventStatus: { RECEIVED: 'received', PROCESSED: 'processed', FAILED: 'failed', IGNORED: 'ignored' },
};
