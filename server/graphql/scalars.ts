import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

/** Integers a JSON number carries exactly. Money and credits are always these, never floats. */
export const SafeIntScalar = new GraphQLScalarType<number, number>({
  name: 'SafeInt',
  serialize(value) {
    if (typeof value !== 'number' || !Number.isSafeInteger(value))
      throw new GraphQLError(`SafeInt cannot represent ${String(value)}`);
    return value;
  },
  parseValue(value) {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      throw new GraphQLError(
        `SafeInt must be a whole number between -(2^53-1) and 2^53-1; got ${JSON.stringify(value)}`,
      );
    }
    return value;
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.INT) throw new GraphQLError('SafeInt must be a whole number literal');
    const value = Number(ast.value);
    if (!Number.isSafeInteger(value)) throw new GraphQLError(`SafeInt ${ast.value} is out of range`);
    return value;
  },
});

/** ISO-8601 instants in UTC. */
export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  serialize(value) {
    const date = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new GraphQLError('DateTime cannot represent an invalid date');
    return date.toISOString();
  },
  parseValue(value) {
    return parseDate(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be an ISO-8601 string');
    return parseDate(ast.value);
  },
});

function parseDate(value: unknown): Date {
  if (
    typeof value !== 'string' ||
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)
  ) {
    throw new GraphQLError(
      `DateTime must be an ISO-8601 string with a time zone, e.g. 2026-01-31T12:00:00Z; got ${JSON.stringify(value)}`,
    );
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new GraphQLError(`DateTime ${value} is not a real instant`);
  return date;
}
