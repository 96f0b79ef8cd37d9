import { GraphQLError, Kind, valueFromASTUntyped } from 'graphql';
import { recordUsage } from '../../usage/recordUsage';
import { getUsageSeries } from '../../usage/usageSeries';
import { getUsageSummary } from '../../usage/usageSummary';
import type { Resolvers } from '../generated/resolvers';
import { customScalar } from '../scalars';

/**
 * A usage event's properties: any JSON object here; the rules on its names and values are checked per
 * event by the service, so one bad event is reported on its own instead of failing the whole batch.
 */
const UsagePropertiesScalar = customScalar<Record<string, unknown>, Record<string, unknown>>({
  name: 'UsageProperties',
  serialize: (value) => value as Record<string, unknown>,
  parseValue: (value) => asObject(value),
  parseLiteral: (ast, variables) => {
    if (ast.kind !== Kind.OBJECT)
      throw new GraphQLError('UsageProperties must be an object, e.g. {"user_id": "u_42"}');
    return asObject(valueFromASTUntyped(ast, variables));
  },
});

function asObject(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new GraphQLError('UsageProperties must be an object, e.g. {"user_id": "u_42"}');
  }
  return value as Record<string, unknown>;
}

export const usageResolvers: Resolvers = {
  Mutation: {
    recordUsage: (_parent, { input }, { actor }) => recordUsage({ actor, events: input.events }),
  },
  Account: {
    usageSummary: (account, _args, { actor }) => getUsageSummary({ actor, accountId: account.id }),
    usageSeries: (account, { from, to, granularity, meterKeys }, { actor }) =>
      getUsageSeries({ actor, accountId: account.id, from, to, granularity, meterKeys }),
  },
  UsageGranularity: { HOUR: 'hour', DAY: 'day', MONTH: 'month' },
  UsageProperties: UsagePropertiesScalar,
};
