import type { GraphQLFieldResolver } from 'graphql';
import { atSimulatedTime } from '../clock';
import {
  accountClockTime,
  knownAccountClockTime,
  type AccountTimeReference,
} from '../testClocks/accountTime';
import type { GraphQLContext } from './context';

type FieldResolver = GraphQLFieldResolver<unknown, GraphQLContext, Record<string, unknown>>;
type ResolverMap = Record<string, unknown>;

/**
 * Resolves every operation at the time of the account it is about, so that an account on a test clock
 * (server/testClocks/) records usage, consumes credits and reads its periods at its simulated date.
 * Root fields name their account in their arguments (`accountId`/`externalId`, at the top or in
 * `input`, or `id` for `account`) or through an API key bound to one account; Account's own fields
 * resolve at the time of the account they belong to, since nested fields do not run inside their
 * parent's call.
 */
export function resolveAtAccountTime<Resolvers extends ResolverMap>(resolvers: Resolvers): Resolvers {
  const timed: ResolverMap = { ...resolvers };
  for (const typeName of ['Query', 'Mutation'] as const)
    timed[typeName] = wrapFields(resolvers[typeName] as FieldMap | undefined, (_parent, args, context) =>
      accountNamedBy(args, context),
    );
  timed.Account = wrapFields(resolvers.Account as FieldMap | undefined, (parent) => ({
    accountId: (parent as { id: string }).id,
  }));
  return timed as Resolvers;
}

type FieldMap = Record<string, unknown>;

function wrapFields(
  fields: FieldMap | undefined,
  accountOf: (
    parent: unknown,
    args: Record<string, unknown>,
    context: GraphQLContext,
  ) => AccountTimeReference,
): Record<string, unknown> | undefined {
  if (!fields) return fields;
  const wrapped: Record<string, unknown> = {};
  for (const [field, resolver] of Object.entries(fields)) {
    if (typeof resolver !== 'function') {
      wrapped[field] = resolver;
      continue;
    }
    const resolve = resolver as FieldResolver;
    wrapped[field] = ((parent, args, context, info) => {
      const reference = accountOf(parent, args, context);
      const known = knownAccountClockTime(reference);
      if (known !== undefined) return atSimulatedTime(known, () => resolve(parent, args, context, info));
      return accountClockTime(reference).then((time) =>
        atSimulatedTime(time, () => resolve(parent, args, context, info)),
      );
    }) satisfies FieldResolver;
  }
  return wrapped;
}

function accountNamedBy(args: Record<string, unknown>, context: GraphQLContext): AccountTimeReference {
  const input = (typeof args.input === 'object' && args.input) || {};
  const named = (key: string): string | null => {
    const value = (args as Record<string, unknown>)[key] ?? (input as Record<string, unknown>)[key];
    return typeof value === 'string' ? value : null;
  };
  const accountId = named('accountId') ?? (context.actor.kind === 'apiKey' ? context.actor.accountId : null);
  return { accountId: accountId ?? named('id'), externalId: named('externalId') };
}
