import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLContext } from './context';

/**
 * A response refused for a rate limit says when to try again in the Retry-After header too (the
 * longest wait among its RATE_LIMITED errors), for HTTP clients and proxies that read no GraphQL.
 */
export const retryAfterPlugin: ApolloServerPlugin<GraphQLContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        if (response.body.kind !== 'single') return;
        const waits = (response.body.singleResult.errors ?? [])
          .filter((error) => error.extensions?.code === 'RATE_LIMITED')
          .map((error) => Number(error.extensions?.retryAfterSeconds))
          .filter((seconds) => Number.isFinite(seconds) && seconds > 0);
        if (waits.length > 0) response.http.headers.set('retry-after', String(Math.max(...waits)));
      },
    };
  },
};
