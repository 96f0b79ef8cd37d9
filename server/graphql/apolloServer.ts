import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import type { Logger } from '../logger';
import { schemaDocument } from './apiSchema';
import type { GraphQLContext } from './context';
import { createErrorFormatter } from './errorFormatting';
import { resolvers } from './resolvers';
import { inputHygienePlugin } from './inputHygiene';
import { operationMetricsPlugin } from './operationMetrics';
import { retryAfterPlugin } from './retryAfter';
import { QUERY_LIMITS, queryLimitRules } from './validationRules';

export function createApolloServer({
  logger,
  production,
}: {
  logger: Logger;
  production: boolean;
}): ApolloServer<GraphQLContext> {
  return new ApolloServer<GraphQLContext>({
    // The modules themselves, so the server runs what is written; schema.graphql is their print.
    typeDefs: schemaDocument(),
    resolvers,
    formatError: createErrorFormatter(logger),
    parseOptions: { maxLexicalTokens: QUERY_LIMITS.maxTokens },
    validationRules: queryLimitRules(),
    introspection: !production,
    allowBatchedHttpRequests: false,
    // The process drains and stops Apollo itself (server/shutdown.ts); Apollo's own handlers would stop
    // it first and then send the signal again, cutting the drain short.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    // Field suggestions ("did you mean ...") would describe the schema even with introspection off.
    hideSchemaDetailsFromClientErrors: production,
    // No HTTP caching of GraphQL responses here; without this Apollo would compute cache hints on every
    // field of every request, which is measurable on the partners' hot path.
    plugins: [
      inputHygienePlugin({ hideSuggestions: production }),
      ApolloServerPluginCacheControlDisabled(),
      retryAfterPlugin,
      operationMetricsPlugin,
      // Apollo's landing page loads its explorer from a CDN (blank offline); development has /graphiql.
      ApolloServerPluginLandingPageDisabled(),
    ],
  });
}
