import type { ApolloServerPlugin } from '@apollo/server';
import { graphqlOperationDuration, graphqlOperations } from '../observability/metrics';
import type { GraphQLContext } from './context';

const NAMED = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;
/** Operation names are chosen by callers: past this many distinct ones, the rest count as "other". */
const MAX_OPERATION_NAMES = 300;
const seenNames = new Set<string>();

/** The operation's name as a metric label, from a bounded set. */
export function operationLabel(name: string | null | undefined): string {
  if (!name || !NAMED.test(name)) return 'anonymous';
  if (seenNames.has(name)) return name;
  if (seenNames.size >= MAX_OPERATION_NAMES) return 'other';
  seenNames.add(name);
  return name;
}

/**
 * Counts and times every operation (over HTTP and the web app's in-process calls alike) by name, type
 * and outcome: `ok`, `error` (an answer carrying errors) or `invalid` (refused before execution).
 */
export const operationMetricsPlugin: ApolloServerPlugin<GraphQLContext> = {
  async requestDidStart() {
    const started = performance.now();
    let labels: { operation: string; type: string } | undefined;
    return {
      async didResolveOperation({ operationName, operation }) {
        labels = { operation: operationLabel(operationName), type: operation?.operation ?? 'unknown' };
      },
      async willSendResponse({ response, errors }) {
        const resolved = labels ?? { operation: 'unresolved', type: 'unknown' };
        const failed =
          (errors?.length ?? 0) > 0 ||
          (response.body.kind === 'single' && (response.body.singleResult.errors?.length ?? 0) > 0);
        graphqlOperations.inc({ ...resolved, outcome: !labels ? 'invalid' : failed ? 'error' : 'ok' });
        if (labels) graphqlOperationDuration.observe(labels, (performance.now() - started) / 1000);
      },
    };
  },
};
